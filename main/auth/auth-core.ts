/**
 * The auth core: authorization code flow with PKCE in the system browser,
 * callback handling, session with refresh, API requests and sign-out.
 * Electron-free: everything it touches is passed in (see `AuthCoreOptions`).
 *
 * @see RFC 8252 (OAuth 2.0 for Native Apps), RFC 7636 (PKCE), RFC 9207 (iss),
 *      RFC 7009 (revocation), RFC 9700 (OAuth 2.0 Security BCP)
 */
import * as client from 'openid-client';
import { apiRequest } from '../api/api-client';
import { AccountBook, accountIdFor, type Account } from './accounts';
import {
  ApiTokens,
  CONSENT_ERRORS,
  RefreshTokenHolder,
  apiGrantParams,
  consentRequired,
  findApi,
  insufficientScope,
  missingScopes,
  providerApis,
  signInResources,
} from './api-tokens';
import { parseCallbackUrl, type CallbackParse } from './callback-url';
import { providersWithSecrets, redirectUriFor, type AppConfig, type ProviderConfig } from './config';
import { AuthError, isAuthError, toErrorPayload } from './errors';
import { noopLogger, redactingLogger } from './log';
import { openLoopbackRedirect, type LoopbackRedirect } from './loopback-redirect';
import { NO_PKCE, PendingSignIns, type PendingSignIn } from './pending-sign-ins';
import { codeForOAuthError, toAuthError } from './protocol-errors';
import { resolveProvider } from './provider-client';
import { revokeAndEndSession } from './sign-out';
import { TokenSession, type TokenSet } from './token-session';
import { resolveUserInfo } from './userinfo';
import type { StoredAccount } from './vault';
import type {
  AccountSummary,
  ApiRequest,
  ApiResponse,
  AuthCore,
  Clock,
  FetchLike,
  Logger,
  ProviderSummary,
  SessionState,
  SignInOptions,
  StorageStatus,
  UrlOpener,
  UserInfo,
} from './types';

/** What the core needs from the vault (`Vault` in vault.ts satisfies it): one entry per account. */
export interface SessionVault {
  status(): StorageStatus;
  loadAccounts(): StoredAccount[];
  saveAccount(account: StoredAccount, opts?: { active?: boolean }): void;
  removeAccount(id: string): void;
  activeAccountId(): string | null;
  setActiveAccountId(id: string | null): void;
}

export interface AuthCoreOptions {
  config: AppConfig;
  vault: SessionVault;
  /** Opens the authorization URL in the system browser. */
  openUrl: UrlOpener;
  fetch?: FetchLike;
  clock?: Clock;
  logger?: Logger;
  /** How long a sign-in waits for the browser. Default 5 minutes. */
  signInTimeoutMs?: number;
  /** Refresh this long before the access token expires. Default 60 s. */
  refreshSkewMs?: number;
  /** Upper bound for each request to the provider, in seconds. Default 15. */
  providerTimeoutSeconds?: number;
  /** Upper bound for each API request, in ms. Default 30 s. */
  apiTimeoutMs?: number;
}

/** Authorization parameters the core owns; a profile may not override them. */
const RESERVED_AUTHORIZE_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'scope',
]);

type Completed = SessionState;

/** Why an authorization runs: a sign-in (add or renew an account) or consent for one API of one account. */
type Purpose = { kind: 'sign_in' } | { kind: 'consent'; accountId: string; api: string };

export function createAuthCore(options: AuthCoreOptions): AuthCore {
  return new DesktopAuthCore(options);
}

class DesktopAuthCore implements AuthCore {
  readonly #opts: AuthCoreOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #fetch: FetchLike;
  readonly #providers: Map<string, ProviderConfig>;
  readonly #discovered = new Map<string, Promise<client.Configuration>>();
  readonly #pending: PendingSignIns<Completed>;
  readonly #listeners = new Set<(state: SessionState) => void>();
  readonly #accounts = new AccountBook();
  /** What each authorization waiting for the browser is for, by `state`. */
  readonly #purposes = new Map<string, Purpose>();
  /** State of the newest sign-in waiting for the browser. */
  #signingIn: { state: string; providerId: string } | null = null;
  #endReason: { code: string; message: string } | undefined;

  constructor(opts: AuthCoreOptions) {
    this.#opts = opts;
    this.#log = redactingLogger(opts.logger ?? noopLogger);
    this.#clock = opts.clock ?? Date.now;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.#providers = new Map(opts.config.providers.map((p) => [p.id, p]));
    this.#pending = new PendingSignIns(opts.signInTimeoutMs ?? 5 * 60_000);
    for (const providerId of providersWithSecrets(opts.config)) {
      this.#log('warn', 'config.client_secret_in_app', { providerId, why: 'RFC 8252 8.5: a client secret shipped in a desktop app is not confidential' });
    }
  }

  listProviders(): ProviderSummary[] {
    return this.#opts.config.providers.map((p) => ({
      id: p.id,
      displayName: p.displayName,
      ...(p.apis ? { apis: p.apis.map((a) => ({ id: a.id, displayName: a.displayName ?? a.id })) } : {}),
    }));
  }

  listAccounts(): AccountSummary[] {
    return this.#accounts.summaries((id) => this.#providers.get(id)?.displayName ?? id);
  }

  getSession(): SessionState {
    const storage = this.#opts.vault.status();
    const accounts = this.listAccounts();
    if (this.#signingIn) return { status: 'signing_in', storage, providerId: this.#signingIn.providerId, accounts };
    const active = this.#accounts.active();
    if (active) return { status: 'signed_in', storage, providerId: active.providerId, user: { ...active.user }, accounts };
    return {
      status: 'signed_out',
      storage,
      providerId: null,
      ...(this.#endReason ? { reason: this.#endReason } : {}),
      accounts,
    };
  }

  onSessionChanged(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Every stored account comes back; only the active one is refreshed now,
   * the others on first use (their TokenSession holds only the refresh token).
   */
  async restore(): Promise<SessionState> {
    const { vault } = this.#opts;
    let stored: StoredAccount[];
    try {
      stored = vault.loadAccounts();
    } catch (err) {
      this.#log('warn', 'restore.vault_failed', { errorCode: toErrorPayload(err).code });
      return this.getSession();
    }
    for (const entry of stored) {
      const provider = this.#providers.get(entry.providerId);
      if (!provider) {
        this.#vaultStep('remove_failed', () => vault.removeAccount(entry.id));
        continue;
      }
      if (this.#accounts.get(entry.id)) continue;
      this.#newAccount(provider, entry.user, { tokenType: 'Bearer', refreshToken: entry.refreshToken });
    }
    if (this.#accounts.size === 0) return this.getSession();
    // A vault last written by an older app has no active account: the most recently saved one is.
    const wanted = vault.activeAccountId();
    const activeId = wanted !== null && this.#accounts.get(wanted) ? wanted : [...stored].sort((a, b) => b.savedAt - a.savedAt).find((a) => this.#accounts.get(a.id))?.id ?? null;
    this.#accounts.setActive(activeId);
    this.#emit();
    const active = this.#accounts.active();
    if (!active) return this.getSession();
    try {
      await active.session.accessToken();
      this.#log('info', 'restore.done', { providerId: active.providerId, accounts: this.#accounts.size });
    } catch (err) {
      // invalid_grant has already ended the account through onRefreshRejected; anything
      // else (offline, provider down) keeps it: it refreshes on first use.
      this.#log('warn', 'restore.refresh_failed', { providerId: active.providerId, errorCode: toErrorPayload(err).code });
    }
    return this.getSession();
  }

  async signIn(providerId?: string, options: SignInOptions = {}): Promise<SessionState> {
    const provider = providerId === undefined ? this.#opts.config.providers[0] : this.#providers.get(providerId);
    if (!provider) throw new AuthError('invalid_request', 'There is no such provider configured.');
    const resources = signInResources(provider);
    return this.#authorize(
      provider,
      {
        ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
        ...(options.loginHint !== undefined ? { login_hint: options.loginHint } : {}),
      },
      provider.scopes,
      resources,
      { kind: 'sign_in' },
    );
  }

  async setActiveAccount(accountId: string): Promise<SessionState> {
    if (!this.#accounts.get(accountId)) throw new AuthError('not_signed_in', 'That account is not signed in.');
    this.#accounts.setActive(accountId);
    this.#endReason = undefined;
    this.#vaultStep('save_failed', () => this.#opts.vault.setActiveAccountId(accountId));
    this.#emit();
    return this.getSession();
  }

  async requestConsent(apiId: string, options: { accountId?: string } = {}): Promise<SessionState> {
    const account = this.#account(options.accountId);
    const provider = this.#providers.get(account.providerId)!;
    const api = findApi(provider, apiId);
    if (!api.entry || !api.ownToken) throw new AuthError('invalid_request', 'That API uses the sign-in token and needs no separate permission.');
    const entry = api.entry;
    // The one refresh token of the account must cover every API it already
    // uses, so the request names them too; the provider asks the person only
    // for what its grant is missing (the new API's scopes).
    const scopes = new Set([...provider.scopes, ...account.granted, ...(entry.scopes ?? []), ...(account.challengedScopes.get(entry.id) ?? [])]);
    const resources = new Set([...signInResources(provider), ...account.resources, ...(entry.resource !== undefined ? [entry.resource] : [])]);
    const params: Record<string, string> = {};
    const hint = account.user.email ?? account.user.sub;
    if (hint) params.login_hint = hint;
    // With the account's ID token the provider itself sees when another person is signed in
    // there and asks to log in; without one, the login page is asked for so the person chooses.
    if (account.idToken) params.id_token_hint = account.idToken;
    else params.prompt = 'login';
    if (entry.audience !== undefined) params.audience = entry.audience;
    return this.#authorize(provider, params, [...scopes], [...resources], { kind: 'consent', accountId: account.id, api: entry.id });
  }

  /** The authorization code flow for a sign-in or a consent; resolves once the callback is handled. */
  async #authorize(
    provider: ProviderConfig,
    params: Record<string, string>,
    scopes: string[],
    resources: string[],
    purpose: Purpose,
  ): Promise<SessionState> {
    // A new sign-in supersedes any older one: its state is forgotten, so its callback is refused.
    this.#pending.failAll(new AuthError('sign_in_cancelled', 'The sign-in was replaced by a newer one.'));

    const marker = { state: '', providerId: provider.id };
    this.#signingIn = marker;
    this.#endReason = undefined;
    this.#emit();
    let entry: PendingSignIn<Completed> | undefined;
    let loopback: LoopbackRedirect | undefined;
    try {
      const config = await this.#config(provider);
      const usePkce = provider.pkce !== false;
      const openid = provider.scopes.includes('openid');
      const codeVerifier = usePkce ? client.randomPKCECodeVerifier() : NO_PKCE;
      const state = client.randomState();
      const nonce = openid ? client.randomNonce() : undefined;
      if (provider.redirect === 'loopback') {
        loopback = await openLoopbackRedirect({ onCallback: (u) => this.handleRedirect(u), logger: this.#log });
      }
      const redirectUri = loopback ? loopback.redirectUri : redirectUriFor(this.#opts.config, provider);
      const extra = Object.fromEntries(
        Object.entries(provider.authorizeParams ?? {}).filter(([k]) => !RESERVED_AUTHORIZE_PARAMS.has(k)),
      );
      // A caller's prompt adds to the profile's (e.g. `consent` from the profile, `login` to add a person).
      const prompt = [...new Set([extra.prompt, params.prompt].flatMap((p) => (p ?? '').split(' ')).filter(Boolean))].join(' ');
      const url = client.buildAuthorizationUrl(config, {
        ...extra,
        ...params,
        ...(prompt ? { prompt } : {}),
        redirect_uri: redirectUri,
        ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
        ...(codeVerifier !== NO_PKCE ? { code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256' } : {}),
        state,
        ...(nonce !== undefined ? { nonce } : {}),
      });
      // RFC 8707: one `resource` parameter per API whose token this grant must be able to mint.
      for (const resource of resources) url.searchParams.append('resource', resource);
      if (this.#signingIn !== marker) throw new AuthError('sign_in_cancelled');
      marker.state = state;
      this.#purposes.set(state, purpose);
      entry = this.#pending.add({ state, providerId: provider.id, codeVerifier, nonce, redirectUri });
      this.#log('info', 'sign_in.started', { providerId: provider.id, redirect: loopback ? 'loopback' : 'scheme' });
      try {
        await this.#opts.openUrl(url.href);
      } catch (err) {
        this.#pending.fail(state, new AuthError('internal_error', 'The system browser could not be opened.', { cause: err }));
      }
      return await entry.promise;
    } catch (err) {
      const authErr = toAuthError(err, 'Sign-in');
      this.#log('info', 'sign_in.failed', { providerId: provider.id, errorCode: authErr.code });
      throw authErr;
    } finally {
      this.#purposes.delete(marker.state);
      await loopback?.close();
      if (this.#signingIn === marker) {
        this.#signingIn = null;
        this.#emit();
      }
    }
  }

  cancelSignIn(): void {
    const n = this.#pending.failAll(new AuthError('sign_in_cancelled'));
    if (this.#signingIn && n === 0) {
      // Cancelled while discovery was still running: no pending entry yet.
      this.#signingIn = null;
      this.#emit();
    }
  }

  handleRedirect(url: string): boolean {
    const redirectUris = [
      ...this.#opts.config.providers.filter((p) => p.redirect !== 'loopback').map((p) => redirectUriFor(this.#opts.config, p)),
      ...this.#pending.redirectUris(),
    ];
    const parsed = parseCallbackUrl(url, redirectUris);
    if (parsed.kind === 'ignored') {
      this.#log('debug', 'callback.ignored', { reason: parsed.reason });
      return false;
    }
    const taken = this.#pending.take(parsed.state);
    if (!taken) {
      this.#log('warn', 'callback.unknown_state', {});
      return false;
    }
    void this.#complete(taken, parsed).then(
      (value) => taken.settle({ value }),
      (err: unknown) => taken.settle({ error: toAuthError(err, 'Sign-in') }),
    );
    return true;
  }

  async request(req: ApiRequest): Promise<ApiResponse> {
    const account = this.#account(req.accountId);
    const provider = this.#providers.get(account.providerId);
    if (!provider) throw new AuthError('not_signed_in');
    const api = findApi(provider, req.api);
    // An API with its own token is called with only its own base URL allowed (redirects
    // included), so its token never reaches another API; the others share the sign-in token.
    const shared = providerApis(provider).filter((a) => !a.ownToken);
    const baseUrls = api.ownToken ? [api.baseUrl] : shared.map((a) => a.baseUrl);
    const { accountId: _accountId, ...rest } = req;
    const response = await apiRequest(
      {
        baseUrls,
        fetch: this.#fetch,
        logger: this.#log,
        timeoutMs: this.#opts.apiTimeoutMs,
        ...(provider.expiredTokenPattern ? { expiredTokenPattern: new RegExp(provider.expiredTokenPattern, 'i') } : {}),
        accessToken: (rejected) => (api.ownToken ? account.apiTokens.token(api, rejected) : account.session.accessToken(rejected)),
      },
      { ...rest, api: api.ownToken ? 0 : shared.findIndex((a) => a.key === api.key) },
    );
    // The API itself says its token lacks a scope (RFC 6750 §3.1): that is consent to ask for, not an answer.
    const challenged = response.status === 403 && api.entry && api.ownToken ? insufficientScope(response.headers['www-authenticate']) : null;
    if (challenged && api.entry) {
      if (challenged.length > 0) account.challengedScopes.set(api.entry.id, challenged);
      throw this.#needsConsent(account, api.entry.id);
    }
    return response;
  }

  /** Ends one account (the active one by default): local state first, then revocation. */
  async signOut(accountId?: string): Promise<SessionState> {
    this.#pending.failAll(new AuthError('sign_in_cancelled'));
    this.#endReason = undefined;
    const account = accountId === undefined ? this.#accounts.active() : this.#accounts.get(accountId);
    if (!account) {
      this.#emit();
      return this.getSession();
    }
    const tokens = this.#endLocally(account);
    const provider = this.#providers.get(account.providerId);
    if (provider) await revokeAndEndSession(provider, tokens, { config: () => this.#config(provider), openUrl: this.#opts.openUrl, logger: this.#log });
    return this.getSession();
  }

  async signOutAll(): Promise<SessionState> {
    await Promise.all(this.#accounts.all().map((a) => this.signOut(a.id)));
    this.#emit();
    return this.getSession();
  }

  async dispose(): Promise<void> {
    this.#pending.failAll(new AuthError('sign_in_cancelled'));
    this.#listeners.clear();
  }

  // --- internals -----------------------------------------------------------

  #config(provider: ProviderConfig): Promise<client.Configuration> {
    let p = this.#discovered.get(provider.id);
    if (!p) {
      p = resolveProvider(provider, { fetch: this.#fetch, clock: this.#clock, timeoutSeconds: this.#opts.providerTimeoutSeconds });
      // A failed discovery is retried on the next attempt instead of being cached.
      p.catch(() => this.#discovered.delete(provider.id));
      this.#discovered.set(provider.id, p);
    }
    return p;
  }

  /**
   * Completes a sign-in from its callback, checks in order: iss → error →
   * code → token exchange (state, PKCE, nonce and ID token checks by openid-client).
   * The code is exchanged at once: some providers let it live only 30 seconds.
   */
  async #complete(pending: PendingSignIn<Completed>, parsed: Extract<CallbackParse, { kind: 'response' }>): Promise<Completed> {
    const provider = this.#providers.get(pending.providerId)!;
    const config = await this.#config(provider);
    const metadata = config.serverMetadata();
    const { params } = parsed;

    const iss = params.get('iss');
    if ((metadata.authorization_response_iss_parameter_supported && !iss) || (iss !== null && iss !== metadata.issuer)) {
      throw new AuthError('iss_mismatch');
    }
    const error = params.get('error');
    if (error !== null) throw new AuthError(codeForOAuthError(error));
    if (!params.get('code')) throw new AuthError('invalid_response', 'The sign-in response carried no authorization code.');

    // The exact redirect_uri of the authorization request, with the response's parameters.
    const currentUrl = new URL(pending.redirectUri);
    currentUrl.search = parsed.url.search;
    const response = await client.authorizationCodeGrant(config, currentUrl, {
      ...(pending.codeVerifier !== NO_PKCE ? { pkceCodeVerifier: pending.codeVerifier } : {}),
      expectedState: pending.state,
      ...(pending.nonce !== undefined ? { expectedNonce: pending.nonce, idTokenExpected: true } : {}),
    }, provider.tokenRequest?.includeState ? { state: pending.state } : undefined);
    const tokens = this.#tokenSet(response);
    const user = await resolveUserInfo(provider, config, response, tokens, {
      fetch: this.#fetch,
      logger: this.#log,
      timeoutSeconds: this.#opts.providerTimeoutSeconds ?? 15,
    });

    const purpose = this.#purposes.get(pending.state) ?? { kind: 'sign_in' };
    const granted = typeof response.scope === 'string' ? response.scope.split(' ').filter(Boolean) : undefined;
    if (purpose.kind === 'consent') this.#mergeConsent(purpose, user, tokens, granted);
    else {
      // The same person at the same provider again: that account's tokens are renewed
      // (its vault entry is overwritten below, so it is not cleared first).
      const existing = this.#accounts.get(accountIdFor(provider.id, user.sub));
      if (existing) this.#endLocally(existing, { emit: false, clearVault: false });
      const account = this.#newAccount(provider, user, tokens, granted);
      this.#accounts.setActive(account.id);
      this.#endReason = undefined;
      // Saving also marks this account as the one to restore first; without a refresh token there is nothing to restore.
      if (tokens.refreshToken) this.#persist(account, tokens.refreshToken, { active: true });
      else this.#vaultStep('save_failed', () => this.#opts.vault.setActiveAccountId(null));
    }
    this.#log('info', purpose.kind === 'consent' ? 'consent.done' : 'sign_in.done', { providerId: provider.id, persistent: this.#opts.vault.status().persistent });
    if (this.#signingIn?.state === pending.state) this.#signingIn = null;
    this.#emit();
    return this.getSession();
  }

  /**
   * Incremental consent came back: the same person's new refresh token (its
   * grant now covers the API) replaces the account's. Another person → nothing
   * changes: their tokens are dropped unused (not revoked: that person may be
   * another account of this app, and revoking would end their grant).
   */
  #mergeConsent(purpose: Extract<Purpose, { kind: 'consent' }>, user: UserInfo, tokens: TokenSet, granted: string[] | undefined): void {
    const account = this.#accounts.get(purpose.accountId);
    if (!account) throw new AuthError('not_signed_in', 'That account was signed out while the permission was being asked for.');
    if (user.sub !== account.user.sub) {
      this.#log('warn', 'consent.account_mismatch', { providerId: account.providerId });
      throw new AuthError('account_mismatch', 'You signed in as a different person than the account this permission was for, so nothing was changed. Try again and sign in as that account.');
    }
    if (!tokens.refreshToken) throw new AuthError('invalid_response', 'The identity provider did not return a refresh token with the new permission.');
    account.grant.replace(tokens.refreshToken);
    if (tokens.idToken) account.idToken = tokens.idToken;
    this.#persist(account, tokens.refreshToken);
    for (const scope of granted ?? []) account.granted.add(scope);
    const entry = findApi(this.#providers.get(account.providerId)!, purpose.api).entry;
    if (entry?.resource !== undefined) account.resources.add(entry.resource);
    account.consentNeeded.delete(purpose.api);
    account.challengedScopes.delete(purpose.api);
    // A cached token for this API predates the consent and lacks what it added.
    account.apiTokens.forget(purpose.api);
  }

  #tokenSet(response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): TokenSet {
    if (typeof response.access_token !== 'string' || response.access_token.length === 0) {
      throw new AuthError('invalid_response', 'The identity provider did not return an access token.');
    }
    const expiresIn = response.expiresIn();
    return {
      accessToken: response.access_token,
      tokenType: typeof response.token_type === 'string' && response.token_type ? response.token_type : 'Bearer',
      ...(expiresIn !== undefined ? { expiresAt: this.#clock() + expiresIn * 1000 } : {}),
      ...(typeof response.refresh_token === 'string' ? { refreshToken: response.refresh_token } : {}),
      ...(typeof response.id_token === 'string' ? { idToken: response.id_token } : {}),
    };
  }

  /** Creates an account (replacing one with the same id) with its refresh token, sign-in session and API tokens. */
  #newAccount(provider: ProviderConfig, user: UserInfo, tokens: TokenSet, granted?: string[]): Account {
    const refreshSkewMs = this.#opts.refreshSkewMs ?? 60_000;
    const grant = new RefreshTokenHolder(tokens.refreshToken, {
      grant: async (refreshToken, params) => {
        const config = await this.#config(provider);
        const response = await client.refreshTokenGrant(config, refreshToken, params);
        const tokens = this.#tokenSet(response);
        if (tokens.idToken) account.idToken = tokens.idToken;
        return { ...tokens, ...(typeof response.scope === 'string' ? { scope: response.scope } : {}) };
      },
      // The holder calls this before the rotated token is used.
      persist: (refreshToken) => this.#persist(account, refreshToken),
    });
    const session: TokenSession = new TokenSession(provider.id, user, tokens, {
      clock: this.#clock,
      logger: this.#log,
      refreshSkewMs,
      refreshGrant: async () => {
        try {
          return await grant.run('');
        } catch (err) {
          throw toAuthError(err, 'Refresh');
        }
      },
      // Already persisted by the holder.
      persistRefreshToken: () => {},
      onRefreshRejected: (err) => this.#rejected(account, err),
    });
    const apiTokens = new ApiTokens({
      clock: this.#clock,
      refreshSkewMs,
      acquire: async (api) => {
        const entry = api.entry!;
        let got: TokenSet & { scope?: string };
        try {
          got = await grant.run(api.key, apiGrantParams(entry));
        } catch (err) {
          const cause = isAuthError(err) ? err.cause : err;
          if (cause instanceof client.ResponseBodyError && CONSENT_ERRORS.has(cause.error)) throw this.#needsConsent(account, entry.id, err);
          const authErr = toAuthError(err, 'Refresh');
          if (authErr.code === 'invalid_grant') this.#rejected(account, authErr);
          throw authErr;
        }
        if (missingScopes(entry, got.scope).length > 0) throw this.#needsConsent(account, entry.id);
        return { bearer: { token: got.accessToken!, type: got.tokenType }, ...(got.expiresAt !== undefined ? { expiresAt: got.expiresAt } : {}) };
      },
    });
    const account: Account = {
      id: accountIdFor(provider.id, user.sub),
      providerId: provider.id,
      user,
      grant,
      session,
      apiTokens,
      granted: new Set(granted ?? provider.scopes),
      resources: new Set(),
      challengedScopes: new Map(),
      consentNeeded: new Set(),
      ...(tokens.idToken !== undefined ? { idToken: tokens.idToken } : {}),
    };
    this.#accounts.put(account);
    return account;
  }

  #needsConsent(account: Account, api: string, cause?: unknown): AuthError {
    if (!account.consentNeeded.has(api) && this.#accounts.get(account.id) === account) {
      account.consentNeeded.add(api);
      this.#emit();
    }
    return consentRequired(api, cause);
  }

  /** The provider refused the account's refresh token: that account is over; the others go on. */
  #rejected(account: Account, err: AuthError): void {
    if (this.#accounts.get(account.id) !== account) return;
    const wasActive = this.#accounts.activeId === account.id;
    // No other account is made active: that would switch person behind their back.
    this.#endLocally(account, { emit: false, activateNext: false });
    if (wasActive) this.#endReason = { code: err.code, message: err.message };
    this.#emit();
  }

  /** The account a call names, or the active one. */
  #account(accountId: string | undefined): Account {
    const account = accountId === undefined ? this.#accounts.active() : this.#accounts.get(accountId);
    if (!account) throw new AuthError('not_signed_in', accountId === undefined ? undefined : 'That account is not signed in.');
    return account;
  }

  #persist(account: Account, refreshToken: string, opts: { active?: boolean } = {}): void {
    // An account ended meanwhile (signed out during a refresh) must not come back on disk.
    if (this.#accounts.get(account.id) !== account) return;
    try {
      this.#opts.vault.saveAccount(
        { id: account.id, providerId: account.providerId, refreshToken, user: account.user, savedAt: this.#clock() },
        opts,
      );
    } catch (err) {
      // The account goes on in memory; the person will sign in again next start.
      this.#log('warn', 'vault.save_failed', { providerId: account.providerId, errorCode: toErrorPayload(err).code });
    }
  }

  /** A vault write that may fail without stopping anything (logged, no secret). */
  #vaultStep(what: string, step: () => void): void {
    try {
      step();
    } catch (err) {
      this.#log('warn', `vault.${what}`, { errorCode: toErrorPayload(err).code });
    }
  }

  /**
   * Forgets an account locally (memory and vault); returns its tokens for revocation.
   * When it was the active one, another account (if any) becomes active unless `activateNext` is false.
   */
  #endLocally(account: Account, opts: { emit?: boolean; clearVault?: boolean; activateNext?: boolean } = {}): TokenSet {
    const tokens = account.session.end();
    account.apiTokens.end();
    const refreshToken = account.grant.current;
    if (this.#accounts.get(account.id) === account) {
      const wasActive = this.#accounts.activeId === account.id;
      this.#accounts.remove(account.id);
      if (opts.clearVault !== false) {
        this.#vaultStep('remove_failed', () => this.#opts.vault.removeAccount(account.id));
        const next = wasActive && opts.activateNext !== false ? this.#accounts.all()[0] : undefined;
        if (next) {
          this.#accounts.setActive(next.id);
          this.#vaultStep('save_failed', () => this.#opts.vault.setActiveAccountId(next.id));
        }
      }
    }
    if (opts.emit !== false) this.#emit();
    return { ...tokens, ...(refreshToken !== undefined ? { refreshToken } : {}) };
  }

  #emit(): void {
    const state = this.getSession();
    for (const listener of this.#listeners) {
      try {
        listener(state);
      } catch (err) {
        this.#log('error', 'listener.failed', { errorCode: toErrorPayload(err).code });
      }
    }
  }
}


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
  type EndedGrant,
  apiGrantParams,
  consentRequired,
  findApi,
  insufficientScope,
  missingScopes,
  providerApis,
  signInResources,
} from './api-tokens';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { parseCallbackUrl, redirectTarget } from './callback-url';
import { fillAuthorizeParam, providersWithSecrets, redirectUriFor, type AppConfig, type ProviderConfig } from './config';
import { DpopKey } from './dpop';
import { AuthError, isAuthError, toErrorPayload } from './errors';
import { noopLogger, redactingLogger } from './log';
import { openLoopbackRedirect, type LoopbackRedirect } from './loopback-redirect';
import { NO_PKCE, PendingSignIns, type PendingSignIn } from './pending-sign-ins';
import { codeForOAuthError, toAuthError } from './protocol-errors';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, resolveProvider } from './provider-client';
import { protocolFeatures } from './protocol-features';
import { classifyRefreshFailure } from './refresh-outcome';
import { RevocationRetry, type RevocationStore } from './revocation-retry';
import { revokeAndEndSession, revokeTokens, type RevocationOutcome, type TokensToRevoke } from './sign-out';
import { TokenSession, type TokenSet } from './token-session';
import { resolveUserInfo, UNKNOWN_SUBJECT } from './userinfo';
import type { StoredAccount, StoredSession } from './vault';
import type {
  AccountSummary,
  ApiRequest,
  ApiResponse,
  AuthCore,
  Clock,
  FetchLike,
  Logger,
  ProviderSummary,
  RevocationState,
  SessionState,
  SignInOptions,
  StorageStatus,
  UrlOpener,
  UserInfo,
} from './types';

/** What the core needs from the vault (`Vault` in vault.ts satisfies it): one entry per account. */
export interface SessionVault extends RevocationStore {
  status(): StorageStatus;
  loadAccounts(): StoredAccount[];
  saveAccount(account: StoredAccount, opts?: { active?: boolean }): void;
  removeAccount(id: string): void;
  /** `null`: none is active; `undefined`: never recorded (an older app's vault). */
  activeAccountId(): string | null | undefined;
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
  /**
   * Backoff for the core's own retries (refresh while the provider is
   * unreachable, failed revocations). Default 2 s doubling to 5 minutes, jittered.
   */
  backoff?: Partial<BackoffPolicy>;
  /**
   * Allowed difference between this computer's clock and the provider's when
   * checking ID token times, in seconds. Default 600 (10 minutes); beyond it
   * sign-in fails with `clock_skew`.
   */
  clockToleranceSeconds?: number;
  /** How long a failed revocation is retried. Default 7 days. */
  revocationRetryWindowMs?: number;
  /** How many times a failed revocation is retried at most. Default 50. */
  revocationMaxAttempts?: number;
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
  'request_uri',
  'dpop_jkt',
]);

type Completed = SessionState;

/** A callback accepted for a pending sign-in; `stateless` when it carried no `state` (declared by the profile). */
interface AcceptedCallback {
  url: URL;
  params: URLSearchParams;
  stateless: boolean;
}

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
  /** Profile-named callback parameters (code, identity): like `code`, each may appear only once. */
  readonly #callbackParams: string[];
  /** Issuers of the providers whose configuration has been resolved (for `iss` checks outside a pending entry). */
  readonly #issuers = new Map<string, string>();
  /** State of the newest sign-in waiting for the browser. */
  #signingIn: { state: string; providerId: string } | null = null;
  #endReason: { code: string; message: string } | undefined;
  /** How the person's last sign-out went at the provider (shown while signed out). */
  #revocation: RevocationState | undefined;
  readonly #backoff: BackoffPolicy;
  /** Background retry of the refresh while an account's provider is unreachable: one timer per account. */
  readonly #recoveryTimers = new Map<Account, ReturnType<typeof setTimeout>>();
  /** Background retry of failed revocations. */
  readonly #revocations: RevocationRetry;
  #disposed = false;

  constructor(opts: AuthCoreOptions) {
    this.#opts = opts;
    this.#log = redactingLogger(opts.logger ?? noopLogger);
    this.#clock = opts.clock ?? Date.now;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.#providers = new Map(opts.config.providers.map((p) => [p.id, p]));
    this.#pending = new PendingSignIns(opts.signInTimeoutMs ?? 5 * 60_000);
    this.#callbackParams = [
      ...new Set(
        opts.config.providers.flatMap((p) =>
          [p.callback?.codeParam, ...Object.values(p.callback?.identity ?? {})].filter((n): n is string => typeof n === 'string'),
        ),
      ),
    ];
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.#revocations = new RevocationRetry({
      store: opts.vault,
      provider: (id) => this.#providers.get(id),
      config: (provider) => this.#config(provider),
      clock: this.#clock,
      logger: this.#log,
      backoff: this.#backoff,
      windowMs: opts.revocationRetryWindowMs ?? 7 * 24 * 3600_000,
      maxAttempts: opts.revocationMaxAttempts ?? 50,
      onSettled: (outcome) => {
        // The window still showing that sign-out learns how it ended.
        if (this.#revocation?.retrying && !this.#accounts.active()) {
          this.#revocation = { outcome, retrying: false };
          this.#emit();
        }
      },
    });
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
    if (active) {
      // Connectivity is per account: the state shows the active account's; listAccounts shows each one's.
      const connectivity = active.session.offline ? 'offline' : 'online';
      return { status: 'signed_in', storage, providerId: active.providerId, user: { ...active.user }, connectivity, accounts };
    }
    return {
      status: 'signed_out',
      storage,
      providerId: null,
      ...(this.#endReason ? { reason: this.#endReason } : {}),
      ...(this.#revocation ? { revocation: { ...this.#revocation } } : {}),
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
    // Revocations that failed in an earlier run are retried now, in the background,
    // and the signed-out window says so until they are settled.
    if (this.#revocations.pending > 0) {
      this.#revocation = { outcome: 'failed', retrying: true };
      this.#revocations.schedule(0);
    }
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
        this.#vaultStep('remove_failed', () => {
          vault.removeAccount(entry.id);
        });
        continue;
      }
      if (this.#accounts.get(entry.id)) continue;
      const tokens = this.#storedTokens(entry);
      if (!tokens) {
        // A long-lived access token (no refresh token) past its expiry: nothing left to use.
        this.#vaultStep('remove_failed', () => {
          vault.removeAccount(entry.id);
        });
        this.#log('info', 'restore.access_token_expired', { providerId: entry.providerId });
        continue;
      }
      let dpopKey: DpopKey | undefined;
      if (entry.dpopKey) {
        try {
          dpopKey = await DpopKey.fromJwk(entry.dpopKey);
        } catch {
          // A key that does not import cannot prove anything: the bound token is useless.
          this.#log('warn', 'restore.dpop_key_unusable', { providerId: entry.providerId });
          this.#vaultStep('remove_failed', () => {
            vault.removeAccount(entry.id);
          });
          continue;
        }
      }
      this.#newAccount(provider, entry.user, tokens, undefined, dpopKey);
    }
    if (this.#accounts.size === 0) return this.getSession();
    // A vault last written by an older app records no active account: the most recently saved one is.
    // One this app wrote is followed exactly: when the active person's sign-in ended (or their entry
    // could not be restored), nobody else is made active behind their back.
    const wanted = vault.activeAccountId();
    const activeId =
      wanted === undefined
        ? ([...stored].sort((a, b) => b.savedAt - a.savedAt).find((a) => this.#accounts.get(a.id))?.id ?? null)
        : wanted !== null && this.#accounts.get(wanted)
          ? wanted
          : null;
    this.#accounts.setActive(activeId);
    this.#emit();
    const active = this.#accounts.active();
    if (!active) return this.getSession();
    try {
      await active.session.accessToken();
      this.#log('info', 'restore.done', { providerId: active.providerId, accounts: this.#accounts.size });
    } catch (err) {
      // A refusal has already ended the account through onRefreshRejected; anything
      // else (offline, provider down) keeps it, shown as offline, retried in the background.
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

  setActiveAccount(accountId: string): Promise<SessionState> {
    // Runs at once, like the body of an async function; a throw becomes the rejection.
    return new Promise((resolve) => {
      if (!this.#accounts.get(accountId)) throw new AuthError('not_signed_in', 'That account is not signed in.');
      this.#accounts.setActive(accountId);
      this.#endReason = undefined;
      this.#vaultStep('save_failed', () => {
        this.#opts.vault.setActiveAccountId(accountId);
      });
      this.#emit();
      resolve(this.getSession());
    });
  }

  async requestConsent(apiId: string, options: { accountId?: string } = {}): Promise<SessionState> {
    const account = this.#account(options.accountId);
    const provider = this.#provider(account.providerId);
    const api = findApi(provider, apiId);
    if (!api.entry || !api.ownToken) throw new AuthError('invalid_request', 'That API uses the sign-in token and needs no separate permission.');
    const entry = api.entry;
    // Without a known subject the core cannot check that the same person comes back (account_mismatch).
    if (account.user.sub === UNKNOWN_SUBJECT) {
      throw new AuthError(
        'invalid_request',
        'This provider does not say who is signed in, so the app cannot ask for more permission for the same person. Sign in again instead.',
      );
    }
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
  async #authorize(provider: ProviderConfig, params: Record<string, string>, scopes: string[], resources: string[], purpose: Purpose): Promise<SessionState> {
    // A new sign-in supersedes any older one: its state is forgotten, so its callback is refused.
    this.#pending.failAll(new AuthError('sign_in_cancelled', 'The sign-in was replaced by a newer one.'));

    const marker = { state: '', providerId: provider.id };
    this.#signingIn = marker;
    this.#endReason = undefined;
    this.#revocation = undefined;
    this.#emit();
    let entry: PendingSignIn<Completed> | undefined;
    let loopback: LoopbackRedirect | undefined;
    try {
      const config = await this.#config(provider);
      const metadata = config.serverMetadata();
      const features = protocolFeatures(provider, metadata);
      // Only a provider that sends `iss` (RFC 9207) can end a pushed sign-in without `state`.
      if (metadata.authorization_response_iss_parameter_supported) this.#issuers.set(provider.id, metadata.issuer);
      // A new key on every fresh sign-in: nothing bound to an earlier session carries over. Consent keeps
      // the account's key: its new refresh token replaces one bound to that key, and the tokens the
      // account already holds stay provable.
      const accountKey = purpose.kind === 'consent' ? this.#accounts.get(purpose.accountId)?.dpopKey : undefined;
      const dpopKey = accountKey ?? (features.dpop ? await DpopKey.generate(features.dpop) : undefined);
      const usePkce = provider.pkce !== false;
      const openid = provider.scopes.includes('openid');
      const codeVerifier = usePkce ? client.randomPKCECodeVerifier() : NO_PKCE;
      const state = client.randomState();
      const nonce = openid ? client.randomNonce() : undefined;
      if (provider.redirect === 'loopback') {
        // The listener knows its sign-in: what arrives there is bound to it even without `state`.
        loopback = await openLoopbackRedirect({ onCallback: (u) => this.#acceptCallback(u, state), logger: this.#log });
      }
      const redirectUri = loopback ? loopback.redirectUri : redirectUriFor(this.#opts.config, provider);
      const extra = Object.fromEntries(
        Object.entries(provider.authorizeParams ?? {})
          .filter(([k]) => !RESERVED_AUTHORIZE_PARAMS.has(k))
          .map(([k, v]) => [k, fillAuthorizeParam(v, { redirect_uri: redirectUri, state })]),
      );
      // A caller's prompt adds to the profile's (e.g. `consent` from the profile, `login` to add a person).
      const prompt = [...new Set([extra.prompt, params.prompt].flatMap((p) => (p ?? '').split(' ')).filter(Boolean))].join(' ');
      const request = new URLSearchParams({
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
      for (const resource of resources) request.append('resource', resource);
      let url: URL;
      if (features.par) {
        // RFC 9126: the parameters go to the provider directly; the browser URL carries only
        // client_id and request_uri. With DPoP, the PAR proof binds the code to the key.
        try {
          url = await client.buildAuthorizationUrlWithPAR(config, request, dpopKey ? { DPoP: dpopKey.handle(config) } : undefined);
        } catch (err) {
          throw toAuthError(err, 'Pushed authorization request');
        }
      } else {
        // RFC 9449 §10: without PAR, dpop_jkt binds the authorization code to the key.
        if (dpopKey) request.set('dpop_jkt', await dpopKey.thumbprint());
        url = client.buildAuthorizationUrl(config, request);
      }
      // Superseded, cancelled or disposed while discovery, the key or the listener was being prepared.
      if (this.#signingIn !== marker || this.#disposed) throw new AuthError('sign_in_cancelled');
      marker.state = state;
      this.#purposes.set(state, purpose);
      entry = this.#pending.add({
        state,
        providerId: provider.id,
        codeVerifier,
        nonce,
        redirectUri,
        stateEchoed: provider.callback?.stateEchoed !== false,
        dpopKey,
        pushed: features.par,
      });
      this.#log('info', 'sign_in.started', {
        providerId: provider.id,
        redirect: loopback ? 'loopback' : 'scheme',
        sender: dpopKey ? 'dpop' : 'bearer',
        pushed: features.par,
      });
      try {
        await this.#opts.openUrl(url.href);
      } catch (err) {
        // The opener's own refusal (a vetted URL, the opening rate limit) says why; anything else is ours.
        this.#pending.fail(state, isAuthError(err) ? err : new AuthError('internal_error', 'The system browser could not be opened.', { cause: err }));
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
    return this.#acceptCallback(url);
  }

  /**
   * `listenerState`: the URL arrived at the one-time loopback listener opened
   * for that sign-in. Only there, or at a private-use redirect whose sign-in
   * sends PKCE, may a callback without `state` complete a sign-in whose
   * provider is declared not to echo it.
   */
  #acceptCallback(url: string, listenerState?: string): boolean {
    const redirectUris = [
      ...this.#opts.config.providers.filter((p) => p.redirect !== 'loopback').map((p) => redirectUriFor(this.#opts.config, p)),
      ...this.#pending.redirectUris(),
    ];
    const stateless = this.#pending
      .stateless()
      .filter((e) => (listenerState !== undefined ? e.state === listenerState : this.#providers.get(e.providerId)?.redirect !== 'loopback'));
    const parsed = parseCallbackUrl(url, redirectUris, { statelessRedirectUris: stateless.map((e) => e.redirectUri), singleValued: this.#callbackParams });
    if (parsed.kind === 'ignored') {
      if (parsed.reason === 'no_state' && this.#expiredPushedRequest(url)) return true;
      this.#log('debug', 'callback.ignored', { reason: parsed.reason });
      return false;
    }
    let state: string | undefined;
    if (parsed.kind === 'stateless') {
      // A shared (private-use) redirect has at most one such sign-in: a newer one replaces it.
      const hits = stateless.filter((e) => redirectTarget(new URL(e.redirectUri)) === parsed.target);
      state = hits.length === 1 ? hits[0]?.state : undefined;
    } else {
      state = parsed.state;
    }
    const taken = state === undefined ? undefined : this.#pending.take(state);
    if (!taken) {
      this.#log('warn', 'callback.unknown_state', {});
      return false;
    }
    const accepted: AcceptedCallback = { url: parsed.url, params: parsed.params, stateless: parsed.kind === 'stateless' };
    void this.#complete(taken, accepted).then(
      (value) => {
        taken.settle({ value });
      },
      (err: unknown) => {
        taken.settle({ error: toAuthError(err, 'Sign-in') });
      },
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
    const response = await apiRequest(
      {
        baseUrls,
        fetch: this.#fetch,
        logger: this.#log,
        timeoutMs: this.#opts.apiTimeoutMs,
        ...(provider.expiredTokenPattern ? { expiredTokenPattern: new RegExp(provider.expiredTokenPattern, 'i') } : {}),
        accessToken: (rejected) => (api.ownToken ? account.apiTokens.token(api, rejected) : account.session.accessToken(rejected)),
        // Used only for a token whose type is DPoP (the sign-in token or an API's own, both from the account's grant).
        ...(account.dpopKey ? { dpop: account.dpopKey.resourceProofs } : {}),
      },
      // `accountId` is already resolved (`account`); apiRequest does not read it.
      { ...req, api: api.ownToken ? 0 : shared.findIndex((a) => a.key === api.key) },
    );
    // The API itself says its token lacks a scope (RFC 6750 §3.1): that is consent to ask for, not an answer.
    const challenged = response.status === 403 && api.entry && api.ownToken ? insufficientScope(response.headers['www-authenticate']) : null;
    if (challenged && api.entry) {
      // A profile that declares this API's scopes bounds what its challenge may ask for, so the API cannot
      // widen the account's one grant for others; an API declared by its resource alone says what it needs.
      const declared = api.entry.scopes;
      const wanted = declared ? challenged.filter((scope) => declared.includes(scope)) : challenged;
      if (wanted.length > 0) account.challengedScopes.set(api.entry.id, wanted);
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
    this.#revocation = undefined;
    const provider = this.#providers.get(account.providerId);
    // The window shows the person signed out now; only the revocation waits for a grant in flight.
    const late = provider
      ? (left: EndedGrant) => {
          this.#revokeLate(provider, left);
        }
      : undefined;
    const ended = this.#endLocally(account, late ? { late } : {});
    if (provider) {
      // Kept before any wait: quitting while sign-out waits must not lose the revocation.
      const held = this.#revocations.hold(provider.id, ended.tokens);
      const settled = await ended.settled;
      const tokens: TokensToRevoke & Pick<TokenSet, 'idToken'> = {
        ...ended.tokens,
        ...(settled.refreshToken !== undefined ? { refreshToken: settled.refreshToken } : {}),
        replacedRefreshTokens: settled.replaced,
        apiAccessTokens: [...(ended.tokens.apiAccessTokens ?? []), ...settled.accessTokens],
      };
      const outcome = await revokeAndEndSession(provider, tokens, { config: () => this.#config(provider), openUrl: this.#opts.openUrl, logger: this.#log });
      const keep = outcome === 'failed' && this.#revocations.keep(provider.id, tokens, held);
      if (outcome !== 'failed' && held !== undefined) this.#revocations.release(held);
      // Unless an account is still (or again) active, the signed-out state says how the provider took it.
      if (!this.#accounts.active() && !this.#signingIn) {
        // Several sign-outs at once (signOutAll): a failure is not hidden by another account's success.
        const earlier = this.#revocation as RevocationState | undefined;
        const failed = earlier?.outcome === 'failed' ? earlier : undefined;
        this.#revocation = failed && outcome !== 'failed' ? failed : { outcome, retrying: keep || (failed?.retrying ?? false) };
        this.#emit();
      }
    }
    return this.getSession();
  }

  async signOutAll(): Promise<SessionState> {
    // Nobody is made active on the way: the window must not flash each person as signed in.
    this.#accounts.setActive(null);
    this.#vaultStep('save_failed', () => {
      this.#opts.vault.setActiveAccountId(null);
    });
    await Promise.all(this.#accounts.all().map((a) => this.signOut(a.id)));
    this.#emit();
    return this.getSession();
  }

  dispose(): Promise<void> {
    // Runs at once, like the body of an async function; a throw becomes the rejection.
    return new Promise((resolve) => {
      this.#disposed = true;
      this.#signingIn = null;
      this.#pending.failAll(new AuthError('sign_in_cancelled'));
      this.#listeners.clear();
      for (const account of [...this.#recoveryTimers.keys()]) this.#clearRecovery(account);
      this.#revocations.dispose();
      resolve();
    });
  }

  // --- internals -----------------------------------------------------------

  /**
   * RFC 9126: a pushed request lives briefly (60 s at oidc-provider). Opened
   * later, the provider can only answer `error=invalid_request_uri` without
   * `state` (the state was inside the expired request). Such an answer ends the
   * waiting pushed sign-ins of that provider with a clear message instead of
   * leaving the person waiting for the timeout. It must carry the provider's
   * exact `iss` (RFC 9207) and match a pushed sign-in; it carries no code, so
   * the most a forged one can do is what "Cancel" does (see SECURITY.md).
   */
  #expiredPushedRequest(raw: string): boolean {
    let params: URLSearchParams;
    try {
      params = new URL(raw).searchParams;
    } catch {
      return false;
    }
    if (params.get('error') !== 'invalid_request_uri' || params.getAll('iss').length !== 1) return false;
    const iss = params.get('iss');
    const states = this.#pending.statesWhere((p) => p.pushed === true && this.#issuers.get(p.providerId) === iss);
    for (const state of states) {
      this.#pending.fail(state, new AuthError('sign_in_timeout', 'The sign-in page expired before it was used. Please start the sign-in again.'));
    }
    if (states.length > 0) this.#log('info', 'sign_in.pushed_request_expired', { count: states.length });
    return states.length > 0;
  }

  #config(provider: ProviderConfig): Promise<client.Configuration> {
    let p = this.#discovered.get(provider.id);
    if (!p) {
      p = resolveProvider(provider, {
        fetch: this.#fetch,
        clock: this.#clock,
        timeoutSeconds: this.#opts.providerTimeoutSeconds,
        ...(this.#opts.clockToleranceSeconds !== undefined ? { clockToleranceSeconds: this.#opts.clockToleranceSeconds } : {}),
      });
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
  async #complete(pending: PendingSignIn<Completed>, parsed: AcceptedCallback): Promise<Completed> {
    const provider = this.#provider(pending.providerId);
    const config = await this.#config(provider);
    const metadata = config.serverMetadata();
    const params = new URLSearchParams(parsed.params);
    const codeParam = provider.callback?.codeParam;
    if (codeParam !== undefined && codeParam !== 'code') {
      // The profile names the provider's own code parameter: hand openid-client the standard shape.
      params.delete('code');
      const value = params.get(codeParam);
      if (value !== null) params.set('code', value);
      params.delete(codeParam);
    }

    const iss = params.get('iss');
    if ((metadata.authorization_response_iss_parameter_supported && !iss) || (iss !== null && iss !== metadata.issuer)) {
      throw new AuthError('iss_mismatch');
    }
    const error = params.get('error');
    if (error === 'invalid_request_uri' && pending.pushed) {
      // RFC 9126 §4: the pushed request lives briefly (often 60 s); the person took longer.
      throw new AuthError('sign_in_timeout', 'The sign-in page expired before it was used. Please start the sign-in again.');
    }
    if (error !== null) throw new AuthError(codeForOAuthError(error));
    if (!params.get('code')) throw new AuthError('invalid_response', 'The sign-in response carried no authorization code.');

    // The exact redirect_uri of the authorization request, with the response's parameters.
    const currentUrl = new URL(pending.redirectUri);
    currentUrl.search = params.toString();
    const dpop = pending.dpopKey?.handle(config);
    const response = await client.authorizationCodeGrant(
      config,
      currentUrl,
      {
        ...(pending.codeVerifier !== NO_PKCE ? { pkceCodeVerifier: pending.codeVerifier } : {}),
        // ESCAPE HATCH: only for a profile declaring `callback.stateEchoed: false`, and only for a callback
        // that carried no state and was bound to this sign-in by its own loopback listener or by PKCE
        // (#acceptCallback); the config refuses a profile with neither. See SECURITY.md.
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- openid-client has no other way to skip the state check; deprecated only as a warning, and guarded as described above.
        expectedState: parsed.stateless ? client.skipStateCheck : pending.state,
        ...(pending.nonce !== undefined ? { expectedNonce: pending.nonce, idTokenExpected: true } : {}),
      },
      provider.tokenRequest?.includeState ? { state: pending.state } : undefined,
      dpop ? { DPoP: dpop } : undefined,
    );
    this.#assertIssuedNotInFuture(response);
    const tokens = this.#tokenSet(response);
    // Bound only when the provider says so (token_type DPoP): a provider that ignored the proof
    // issued Bearer tokens, which are sent as Bearer, and the unused key is not kept.
    const dpopKey = tokens.tokenType.toLowerCase() === 'dpop' ? pending.dpopKey : undefined;
    const user = await resolveUserInfo(
      provider,
      config,
      response,
      tokens,
      {
        fetch: this.#fetch,
        logger: this.#log,
        timeoutSeconds: this.#opts.providerTimeoutSeconds ?? 15,
        ...(dpop && dpopKey ? { dpop } : {}),
      },
      params,
    );

    // The core was disposed while the code was being exchanged: nothing is kept.
    if (this.#disposed) throw new AuthError('sign_in_cancelled');
    const purpose = this.#purposes.get(pending.state) ?? { kind: 'sign_in' };
    const granted = typeof response.scope === 'string' ? response.scope.split(' ').filter(Boolean) : undefined;
    if (purpose.kind === 'consent') {
      try {
        this.#mergeConsent(purpose, user, tokens, granted, dpopKey);
      } catch (err) {
        // Refused before anything was applied (the account was signed out meanwhile, another person
        // signed in): the new tokens are revoked, not just dropped, or they would stay valid unused.
        this.#revokeUnused(provider, tokens, 'consent.tokens_discarded');
        throw err;
      }
    } else {
      // The same person at the same provider again: that account's tokens are renewed
      // (its vault entry is overwritten below, so it is not cleared first).
      const existing = this.#accounts.get(accountIdFor(provider.id, user.sub));
      if (existing) this.#endLocally(existing, { emit: false, clearVault: false });
      const account = this.#newAccount(provider, user, tokens, granted, dpopKey);
      this.#accounts.setActive(account.id);
      this.#endReason = undefined;
      this.#revocation = undefined;
      // Saving also marks this account as the one to restore first. Without a refresh token the access
      // token itself is kept (a long-lived one, e.g. 20 years), encrypted like a refresh token.
      if (tokens.refreshToken) this.#persist(account, { refreshToken: tokens.refreshToken }, { active: true });
      else if (tokens.accessToken) {
        const accessToken = { token: tokens.accessToken, type: tokens.tokenType, ...(tokens.expiresAt !== undefined ? { expiresAt: tokens.expiresAt } : {}) };
        this.#persist(account, { accessToken }, { active: true });
      } else
        this.#vaultStep('save_failed', () => {
          this.#opts.vault.setActiveAccountId(null);
        });
    }
    this.#log('info', purpose.kind === 'consent' ? 'consent.done' : 'sign_in.done', {
      providerId: provider.id,
      persistent: this.#opts.vault.status().persistent,
    });
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
  #mergeConsent(
    purpose: Extract<Purpose, { kind: 'consent' }>,
    user: UserInfo,
    tokens: TokenSet,
    granted: string[] | undefined,
    dpopKey: DpopKey | undefined,
  ): void {
    const account = this.#accounts.get(purpose.accountId);
    if (!account) throw new AuthError('not_signed_in', 'That account was signed out while the permission was being asked for.');
    if (user.sub !== account.user.sub) {
      this.#log('warn', 'consent.account_mismatch', { providerId: account.providerId });
      throw new AuthError(
        'account_mismatch',
        'You signed in as a different person than the account this permission was for, so nothing was changed. Try again and sign in as that account.',
      );
    }
    if (!tokens.refreshToken) throw new AuthError('invalid_response', 'The identity provider did not return a refresh token with the new permission.');
    account.grant.replace(tokens.refreshToken);
    account.session.adoptRefreshToken(tokens.refreshToken);
    if (tokens.idToken) account.idToken = tokens.idToken;
    // The consent reused the account's key (#authorize); an account that had none gets the one its new grant is bound to.
    if (!account.dpopKey && dpopKey) account.dpopKey = dpopKey;
    this.#persist(account, { refreshToken: tokens.refreshToken });
    for (const scope of granted ?? []) account.granted.add(scope);
    const entry = findApi(this.#provider(account.providerId), purpose.api).entry;
    if (entry?.resource !== undefined) account.resources.add(entry.resource);
    account.consentNeeded.delete(purpose.api);
    account.challengedScopes.delete(purpose.api);
    // A cached token for this API predates the consent and lacks what it added.
    account.apiTokens.forget(purpose.api);
  }

  /**
   * openid-client checks `exp` (and `nbf`) against its tolerance, but not an
   * `iat` in the future: a computer whose clock is far behind the provider's
   * would sign in with times that make no sense. Same tolerance, same code.
   * @see OpenID Connect Core 1.0 §3.1.3.7 (12)
   */
  #assertIssuedNotInFuture(response: client.TokenEndpointResponseHelpers): void {
    const iat = response.claims()?.iat;
    const tolerance = this.#opts.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    if (typeof iat === 'number' && iat > this.#clock() / 1000 + tolerance) throw new AuthError('clock_skew');
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
  #newAccount(provider: ProviderConfig, user: UserInfo, tokens: TokenSet, granted?: string[], dpopKey?: DpopKey): Account {
    const refreshSkewMs = this.#opts.refreshSkewMs ?? 60_000;
    const grant = new RefreshTokenHolder(tokens.refreshToken, {
      grant: async (refreshToken, params) => {
        let config: client.Configuration;
        try {
          config = await this.#config(provider);
        } catch (err) {
          // Discovery is not the token endpoint: whatever it answered (a captive portal's 403, an
          // outage) says nothing about the refresh token, so the cause is cut and it counts as transient.
          const mapped = toAuthError(err, 'Refresh');
          throw new AuthError(mapped.code, mapped.message);
        }
        let response: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
        try {
          // A DPoP-bound refresh token (RFC 9449 §5) needs the account's proof, for an API's down-scoped token too.
          const key = account.dpopKey;
          response = await client.refreshTokenGrant(config, refreshToken, params, key ? { DPoP: key.handle(config) } : undefined);
        } catch (err) {
          // Classified by the caller (refresh-outcome.ts); the cause stays for it and for consent errors.
          throw toAuthError(err, 'Refresh');
        }
        const tokens = this.#tokenSet(response);
        if (tokens.idToken) account.idToken = tokens.idToken;
        return { ...tokens, ...(typeof response.scope === 'string' ? { scope: response.scope } : {}) };
      },
      // The holder calls this before the rotated token is used.
      persist: (refreshToken) => {
        this.#persist(account, { refreshToken });
      },
    });
    const session: TokenSession = new TokenSession(provider.id, user, tokens, {
      clock: this.#clock,
      logger: this.#log,
      refreshSkewMs,
      // The holder runs the grant; TokenSession classifies what it throws (refresh-outcome.ts).
      refreshGrant: async () => {
        try {
          return await grant.run('');
        } catch (err) {
          throw toAuthError(err, 'Refresh');
        }
      },
      // Already persisted by the holder.
      persistRefreshToken: () => {
        // Nothing to do: the holder persisted it (above).
      },
      backoff: this.#backoff,
      onRefreshRejected: (err) => {
        this.#rejected(account, err);
      },
      onConnectivity: (offline, retryInMs) => {
        if (this.#accounts.get(account.id) !== account) return;
        this.#clearRecovery(account);
        if (offline && retryInMs !== null) this.#scheduleRecovery(account, retryInMs);
        if (!offline) this.#revocations.schedule(0);
        this.#emit();
      },
    });
    const apiTokens = new ApiTokens({
      clock: this.#clock,
      refreshSkewMs,
      backoff: this.#backoff,
      acquire: async (api) => {
        const entry = api.entry;
        // ApiTokens asks only for an API with its own token, which is always a declared entry.
        if (!entry) throw new AuthError('invalid_request', 'That API uses the sign-in token and has no token of its own.');
        if (grant.current === undefined) {
          // A provider that gives no refresh token (a long-lived access token only) cannot mint a token per API;
          // that is the configuration asking for something the provider does not offer, not a refusal.
          throw new AuthError(
            'invalid_config',
            `This provider gives no refresh token, so the app cannot get a separate token for "${entry.id}". Remove that API's own scopes, resource and audience from the profile to call it with the sign-in token.`,
          );
        }
        let got: TokenSet & { scope?: string };
        try {
          got = await grant.run(api.key, apiGrantParams(entry));
        } catch (err) {
          const cause = isAuthError(err) ? err.cause : err;
          if (cause instanceof client.ResponseBodyError && CONSENT_ERRORS.has(cause.error)) throw this.#needsConsent(account, entry.id, err);
          // The same table as the sign-in token's refresh: a refusal ends the account, anything passing does not.
          const verdict = classifyRefreshFailure(err, this.#clock());
          if (verdict.kind === 'ended') {
            this.#rejected(account, verdict.error);
            throw verdict.error;
          }
          // Passing trouble: this API backs off (ApiTokens). The account's connectivity stays its sign-in token's,
          // which has the background retry that switches it back; this failure is reported on this API's calls.
          this.#log('warn', 'api_token.failed_transient', { providerId: provider.id, api: entry.id, errorCode: verdict.error.code });
          return { transient: verdict.error, ...(verdict.retryAfterMs !== undefined ? { retryAfterMs: verdict.retryAfterMs } : {}) };
        }
        if (missingScopes(entry, got.scope).length > 0) throw this.#needsConsent(account, entry.id);
        // Always set: #tokenSet refuses a grant answer without one.
        if (!got.accessToken) throw new AuthError('invalid_response', 'The identity provider did not return an access token.');
        return { bearer: { token: got.accessToken, type: got.tokenType }, ...(got.expiresAt !== undefined ? { expiresAt: got.expiresAt } : {}) };
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
      ...(dpopKey ? { dpopKey } : {}),
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
    if (wasActive) {
      this.#endReason = { code: err.code, message: err.message };
      this.#revocation = undefined;
    }
    this.#emit();
  }

  /** The account a call names, or the active one. */
  /** An account's provider; accounts of a provider no longer configured are dropped at restore. */
  #provider(providerId: string): ProviderConfig {
    const provider = this.#providers.get(providerId);
    if (!provider) throw new AuthError('not_signed_in', 'The identity provider of that account is no longer configured.');
    return provider;
  }

  #account(accountId: string | undefined): Account {
    const account = accountId === undefined ? this.#accounts.active() : this.#accounts.get(accountId);
    if (!account) throw new AuthError('not_signed_in', accountId === undefined ? undefined : 'That account is not signed in.');
    return account;
  }

  /**
   * The tokens a stored session starts with: its refresh token, or else its
   * long-lived access token while it is still valid (null once expired).
   */
  #storedTokens(stored: StoredSession): TokenSet | null {
    if (stored.refreshToken) return { tokenType: 'Bearer', refreshToken: stored.refreshToken };
    const at = stored.accessToken;
    if (!at || (at.expiresAt !== undefined && at.expiresAt - (this.#opts.refreshSkewMs ?? 60_000) <= this.#clock())) return null;
    return { accessToken: at.token, tokenType: at.type, ...(at.expiresAt !== undefined ? { expiresAt: at.expiresAt } : {}) };
  }

  /**
   * While the provider is unreachable, one timer retries the refresh after the
   * account's backoff delay (one timer per account); success flips it back to online, a refusal
   * ends that account, another failure schedules the next (longer) attempt.
   * Unref'd, so it never keeps a process alive; cleared on sign-out and dispose.
   */
  #scheduleRecovery(account: Account, delayMs: number): void {
    if (this.#disposed) return;
    const timer = setTimeout(() => {
      this.#recoveryTimers.delete(account);
      if (this.#accounts.get(account.id) !== account || this.#disposed) return;
      account.session.retryNow().then(
        () => {
          this.#log('info', 'refresh.recovered', { providerId: account.providerId });
        },
        () => {
          // Nothing to do here: the session reports the outcome through its own callbacks (onConnectivity, onRefreshRejected).
        },
      );
    }, delayMs);
    timer.unref();
    this.#recoveryTimers.set(account, timer);
  }

  #clearRecovery(account: Account): void {
    const timer = this.#recoveryTimers.get(account);
    if (timer) clearTimeout(timer);
    this.#recoveryTimers.delete(account);
  }

  #persist(account: Account, secret: Pick<StoredSession, 'refreshToken' | 'accessToken'>, opts: { active?: boolean } = {}): void {
    // An account ended meanwhile (signed out during a refresh) must not come back on disk.
    if (this.#accounts.get(account.id) !== account) return;
    try {
      this.#opts.vault.saveAccount(
        {
          id: account.id,
          providerId: account.providerId,
          ...secret,
          user: account.user,
          savedAt: this.#clock(),
          ...(account.dpopKey ? { dpopKey: account.dpopKey.privateJwk } : {}),
        },
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
   * Forgets an account locally (memory and vault) at once; returns its tokens for revocation, and
   * `settled`: the refresh token to revoke once a grant in flight has settled (RefreshTokenHolder.end).
   * When it was the active one, another account (if any) becomes active unless `activateNext` is false.
   */
  #endLocally(
    account: Account,
    opts: { emit?: boolean; clearVault?: boolean; activateNext?: boolean; late?: (left: EndedGrant) => void } = {},
  ): { tokens: TokenSet & TokensToRevoke; settled: Promise<EndedGrant> } {
    const tokens = account.session.end();
    const apiAccessTokens = account.apiTokens.end();
    this.#clearRecovery(account);
    // Bounded by the grant's own timeout (provider-client's default 15 s), so sign-out never hangs.
    const refreshToken = account.grant.current;
    const settled = account.grant.end((this.#opts.providerTimeoutSeconds ?? 15) * 1000, opts.late);
    if (this.#accounts.get(account.id) === account) {
      const wasActive = this.#accounts.activeId === account.id;
      this.#accounts.remove(account.id);
      if (opts.clearVault !== false) {
        this.#vaultStep('remove_failed', () => {
          this.#opts.vault.removeAccount(account.id);
        });
        const next = wasActive && opts.activateNext !== false ? this.#accounts.all()[0] : undefined;
        if (next) {
          this.#accounts.setActive(next.id);
          this.#vaultStep('save_failed', () => {
            this.#opts.vault.setActiveAccountId(next.id);
          });
        }
      }
    }
    if (opts.emit !== false) this.#emit();
    return { tokens: { ...tokens, ...(refreshToken !== undefined ? { refreshToken } : {}), apiAccessTokens }, settled };
  }

  /**
   * A grant in flight at sign-out answered after sign-out stopped waiting: what it
   * brought is revoked too (kept for retry when that fails), never used.
   */
  #revokeLate(provider: ProviderConfig, left: EndedGrant): void {
    const tokens: TokensToRevoke = {
      ...(left.refreshToken !== undefined ? { refreshToken: left.refreshToken } : {}),
      replacedRefreshTokens: left.replaced,
      apiAccessTokens: left.accessTokens,
    };
    this.#revokeUnused(provider, tokens, 'sign_out.late_grant');
  }

  /** Revokes tokens the app obtained but will never use, in the background; kept for retry when that fails. */
  #revokeUnused(provider: ProviderConfig, tokens: TokensToRevoke, event: string): void {
    this.#log('info', event, { providerId: provider.id });
    void this.#config(provider)
      .then((config) => revokeTokens(provider, config, tokens, this.#log))
      .catch((): RevocationOutcome => 'failed')
      .then((outcome) => {
        if (outcome === 'failed') this.#revocations.keep(provider.id, tokens);
      });
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

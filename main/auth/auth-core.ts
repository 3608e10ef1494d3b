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
import { parseCallbackUrl, type CallbackParse } from './callback-url';
import { providersWithSecrets, redirectUriFor, type AppConfig, type ProviderConfig } from './config';
import { DpopKey, type DpopPrivateJwk } from './dpop';
import { AuthError, toErrorPayload } from './errors';
import { noopLogger, redactingLogger } from './log';
import { openLoopbackRedirect, type LoopbackRedirect } from './loopback-redirect';
import { NO_PKCE, PendingSignIns, type PendingSignIn } from './pending-sign-ins';
import { codeForOAuthError, toAuthError } from './protocol-errors';
import { protocolFeatures } from './protocol-features';
import { resolveProvider } from './provider-client';
import { revokeAndEndSession } from './sign-out';
import { TokenSession, type TokenSet } from './token-session';
import { resolveUserInfo } from './userinfo';
import type {
  ApiRequest,
  ApiResponse,
  AuthCore,
  Clock,
  FetchLike,
  Logger,
  ProviderSummary,
  SessionState,
  StorageStatus,
  UrlOpener,
  UserInfo,
} from './types';

/** What the core needs from the vault (`Vault` in vault.ts satisfies it). */
export interface SessionVault {
  status(): StorageStatus;
  load(providerId: string): { providerId: string; refreshToken: string; user: UserInfo; savedAt: number; dpopKey?: DpopPrivateJwk } | null;
  save(session: { providerId: string; refreshToken: string; user: UserInfo; savedAt: number; dpopKey?: DpopPrivateJwk }): void;
  remove(providerId: string): void;
  lastProviderId(): string | null;
  setLastProviderId(id: string | null): void;
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
  'request_uri',
  'dpop_jkt',
]);

type Completed = SessionState;

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
  #session: TokenSession | null = null;
  /** Each session's DPoP key (RFC 9449), when its tokens are bound to one. Never leaves the main process. */
  readonly #dpopKeys = new WeakMap<TokenSession, DpopKey>();
  /** Issuers of the providers whose configuration has been resolved (for `iss` checks outside a pending entry). */
  readonly #issuers = new Map<string, string>();
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
    return this.#opts.config.providers.map((p) => ({ id: p.id, displayName: p.displayName }));
  }

  getSession(): SessionState {
    const storage = this.#opts.vault.status();
    if (this.#signingIn) return { status: 'signing_in', storage, providerId: this.#signingIn.providerId };
    if (this.#session) return { status: 'signed_in', storage, providerId: this.#session.providerId, user: { ...this.#session.user } };
    return {
      status: 'signed_out',
      storage,
      providerId: null,
      ...(this.#endReason ? { reason: this.#endReason } : {}),
    };
  }

  onSessionChanged(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async restore(): Promise<SessionState> {
    const { vault } = this.#opts;
    const providerId = vault.lastProviderId();
    if (!providerId) return this.getSession();
    const provider = this.#providers.get(providerId);
    const stored = vault.load(providerId);
    if (!provider || !stored) {
      if (!provider) vault.remove(providerId);
      vault.setLastProviderId(null);
      return this.getSession();
    }
    let dpopKey: DpopKey | undefined;
    if (stored.dpopKey) {
      try {
        dpopKey = await DpopKey.fromJwk(stored.dpopKey);
      } catch {
        // A key that does not import cannot prove anything: the bound refresh token is useless.
        this.#log('warn', 'restore.dpop_key_unusable', { providerId });
        vault.remove(providerId);
        vault.setLastProviderId(null);
        return this.getSession();
      }
    }
    const session = this.#newSession(provider, stored.user, { tokenType: 'Bearer', refreshToken: stored.refreshToken }, dpopKey);
    this.#session = session;
    this.#emit();
    try {
      await session.accessToken();
      this.#log('info', 'restore.done', { providerId });
    } catch (err) {
      // invalid_grant has already signed out through onRefreshRejected; anything
      // else (offline, provider down) keeps the session: it refreshes on first use.
      this.#log('warn', 'restore.refresh_failed', { providerId, errorCode: toErrorPayload(err).code });
    }
    return this.getSession();
  }

  async signIn(providerId?: string): Promise<SessionState> {
    const provider = providerId === undefined ? this.#opts.config.providers[0] : this.#providers.get(providerId);
    if (!provider) throw new AuthError('invalid_request', 'There is no such provider configured.');
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
      const metadata = config.serverMetadata();
      const features = protocolFeatures(provider, metadata);
      // Only a provider that sends `iss` (RFC 9207) can end a pushed sign-in without `state`.
      if (metadata.authorization_response_iss_parameter_supported) this.#issuers.set(provider.id, metadata.issuer);
      // A new key on every fresh sign-in: nothing bound to an earlier session carries over.
      const dpopKey = features.dpop ? await DpopKey.generate(features.dpop) : undefined;
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
      const params: Record<string, string> = {
        ...extra,
        redirect_uri: redirectUri,
        ...(provider.scopes.length > 0 ? { scope: provider.scopes.join(' ') } : {}),
        ...(codeVerifier !== NO_PKCE ? { code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256' } : {}),
        state,
        ...(nonce !== undefined ? { nonce } : {}),
      };
      let url: URL;
      if (features.par) {
        // RFC 9126: the parameters go to the provider directly; the browser URL carries only
        // client_id and request_uri. With DPoP, the PAR proof binds the code to the key.
        try {
          url = await client.buildAuthorizationUrlWithPAR(config, params, dpopKey ? { DPoP: dpopKey.handle(config) } : undefined);
        } catch (err) {
          throw toAuthError(err, 'Pushed authorization request');
        }
      } else {
        // RFC 9449 §10: without PAR, dpop_jkt binds the authorization code to the key.
        url = client.buildAuthorizationUrl(config, dpopKey ? { ...params, dpop_jkt: await dpopKey.thumbprint() } : params);
      }
      if (this.#signingIn !== marker) throw new AuthError('sign_in_cancelled');
      marker.state = state;
      entry = this.#pending.add({ state, providerId: provider.id, codeVerifier, nonce, redirectUri, dpopKey, pushed: features.par });
      this.#log('info', 'sign_in.started', {
        providerId: provider.id,
        redirect: loopback ? 'loopback' : 'scheme',
        sender: dpopKey ? 'dpop' : 'bearer',
        pushed: features.par,
      });
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
      if (parsed.reason === 'no_state' && this.#expiredPushedRequest(url)) return true;
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
    const session = this.#session;
    if (!session) throw new AuthError('not_signed_in');
    const provider = this.#providers.get(session.providerId);
    if (!provider) throw new AuthError('not_signed_in');
    return apiRequest(
      {
        baseUrls: provider.apiBaseUrls,
        fetch: this.#fetch,
        logger: this.#log,
        timeoutMs: this.#opts.apiTimeoutMs,
        ...(provider.expiredTokenPattern ? { expiredTokenPattern: new RegExp(provider.expiredTokenPattern, 'i') } : {}),
        accessToken: (rejected) => session.accessToken(rejected),
        ...(this.#dpopKeys.has(session) ? { dpop: this.#dpopKeys.get(session)!.resourceProofs } : {}),
      },
      req,
    );
  }

  async signOut(): Promise<SessionState> {
    this.#pending.failAll(new AuthError('sign_in_cancelled'));
    const session = this.#session;
    this.#endReason = undefined;
    if (!session) {
      this.#emit();
      return this.getSession();
    }
    const tokens = this.#endLocally(session);
    const provider = this.#providers.get(session.providerId);
    if (provider) await revokeAndEndSession(provider, tokens, { config: () => this.#config(provider), openUrl: this.#opts.openUrl, logger: this.#log });
    return this.getSession();
  }

  async dispose(): Promise<void> {
    this.#pending.failAll(new AuthError('sign_in_cancelled'));
    this.#listeners.clear();
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
    if (error === 'invalid_request_uri' && pending.pushed) {
      // RFC 9126 §4: the pushed request lives briefly (often 60 s); the person took longer.
      throw new AuthError('sign_in_timeout', 'The sign-in page expired before it was used. Please start the sign-in again.');
    }
    if (error !== null) throw new AuthError(codeForOAuthError(error));
    if (!params.get('code')) throw new AuthError('invalid_response', 'The sign-in response carried no authorization code.');

    // The exact redirect_uri of the authorization request, with the response's parameters.
    const currentUrl = new URL(pending.redirectUri);
    currentUrl.search = parsed.url.search;
    const dpop = pending.dpopKey?.handle(config);
    const response = await client.authorizationCodeGrant(config, currentUrl, {
      ...(pending.codeVerifier !== NO_PKCE ? { pkceCodeVerifier: pending.codeVerifier } : {}),
      expectedState: pending.state,
      ...(pending.nonce !== undefined ? { expectedNonce: pending.nonce, idTokenExpected: true } : {}),
    }, provider.tokenRequest?.includeState ? { state: pending.state } : undefined, dpop ? { DPoP: dpop } : undefined);
    const tokens = this.#tokenSet(response);
    // Bound only when the provider says so (token_type DPoP): a provider that ignored the proof
    // issued Bearer tokens, which are sent as Bearer, and the unused key is not kept.
    const dpopKey = tokens.tokenType.toLowerCase() === 'dpop' ? pending.dpopKey : undefined;
    const user = await resolveUserInfo(provider, config, response, tokens, {
      fetch: this.#fetch,
      logger: this.#log,
      timeoutSeconds: this.#opts.providerTimeoutSeconds ?? 15,
      ...(dpop && dpopKey ? { dpop } : {}),
    });

    // Replacing an existing session (signing in again): end the old one locally. Its vault
    // entry is overwritten below when it is the same provider, so it is not cleared first.
    if (this.#session) this.#endLocally(this.#session, { emit: false, clearVault: this.#session.providerId !== provider.id });
    const session = this.#newSession(provider, user, tokens, dpopKey);
    this.#session = session;
    // Saving also marks this provider as the one to restore; without a refresh token there is nothing to restore.
    if (tokens.refreshToken) this.#persist(provider.id, tokens.refreshToken, user, dpopKey);
    this.#log('info', 'sign_in.done', { providerId: provider.id, persistent: this.#opts.vault.status().persistent });
    if (this.#signingIn?.state === pending.state) this.#signingIn = null;
    this.#emit();
    return this.getSession();
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

  #newSession(provider: ProviderConfig, user: UserInfo, tokens: TokenSet, dpopKey?: DpopKey): TokenSession {
    const session: TokenSession = new TokenSession(provider.id, user, tokens, {
      clock: this.#clock,
      logger: this.#log,
      refreshSkewMs: this.#opts.refreshSkewMs ?? 60_000,
      refreshGrant: async (refreshToken) => {
        const config = await this.#config(provider);
        try {
          return this.#tokenSet(await client.refreshTokenGrant(config, refreshToken, undefined, dpopKey ? { DPoP: dpopKey.handle(config) } : undefined));
        } catch (err) {
          throw toAuthError(err, 'Refresh');
        }
      },
      persistRefreshToken: (refreshToken) => this.#persist(provider.id, refreshToken, user, dpopKey),
      onRefreshRejected: (err) => {
        if (this.#session !== session) return;
        this.#endLocally(session);
        this.#endReason = { code: err.code, message: err.message };
        this.#emit();
      },
    });
    if (dpopKey) this.#dpopKeys.set(session, dpopKey);
    return session;
  }

  #persist(providerId: string, refreshToken: string, user: UserInfo, dpopKey?: DpopKey): void {
    try {
      this.#opts.vault.save({ providerId, refreshToken, user, savedAt: this.#clock(), ...(dpopKey ? { dpopKey: dpopKey.privateJwk } : {}) });
    } catch (err) {
      // The session goes on in memory; the person will sign in again next start.
      this.#log('warn', 'vault.save_failed', { providerId, errorCode: toErrorPayload(err).code });
    }
  }

  /** Forgets the session locally (memory and vault); returns its tokens for revocation. */
  #endLocally(session: TokenSession, opts: { emit?: boolean; clearVault?: boolean } = {}): TokenSet {
    const tokens = session.end();
    // The key goes with the session (its vault entry, which holds it, is removed below).
    this.#dpopKeys.delete(session);
    if (this.#session === session) this.#session = null;
    if (opts.clearVault !== false) {
      try {
        this.#opts.vault.remove(session.providerId);
        this.#opts.vault.setLastProviderId(null);
      } catch (err) {
        this.#log('warn', 'vault.remove_failed', { errorCode: toErrorPayload(err).code });
      }
    }
    if (opts.emit !== false) this.#emit();
    return tokens;
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


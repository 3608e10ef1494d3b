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
import { parseCallbackUrl, redirectTarget } from './callback-url';
import { fillAuthorizeParam, providersWithSecrets, redirectUriFor, type AppConfig, type ProviderConfig } from './config';
import { DpopKey } from './dpop';
import { AuthError, toErrorPayload } from './errors';
import { noopLogger, redactingLogger } from './log';
import { openLoopbackRedirect, type LoopbackRedirect } from './loopback-redirect';
import { NO_PKCE, PendingSignIns, type PendingSignIn } from './pending-sign-ins';
import { codeForOAuthError, toAuthError } from './protocol-errors';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, resolveProvider } from './provider-client';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { protocolFeatures } from './protocol-features';
import { revokeAndEndSession, revokeTokens } from './sign-out';
import { TokenSession, type TokenSet } from './token-session';
import type { PendingRevocation } from './vault';
import { resolveUserInfo } from './userinfo';
import type { StoredSession } from './vault';
import type {
  ApiRequest,
  ApiResponse,
  AuthCore,
  Clock,
  FetchLike,
  Logger,
  ProviderSummary,
  RevocationState,
  SessionState,
  StorageStatus,
  UrlOpener,
  UserInfo,
} from './types';

/** What the core needs from the vault (`Vault` in vault.ts satisfies it). */
export interface SessionVault {
  status(): StorageStatus;
  load(providerId: string): StoredSession | null;
  save(session: StoredSession): void;
  remove(providerId: string): void;
  lastProviderId(): string | null;
  setLastProviderId(id: string | null): void;
  /** Failed revocations kept for a retry (optional: without them a failed revocation is only reported). */
  keepRevocation?(pending: PendingRevocation): void;
  pendingRevocations?(): PendingRevocation[];
  removeRevocation?(id: string): void;
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
/** Longest wait between two retries of a failed revocation. */
const REVOCATION_MAX_DELAY_MS = 60 * 60_000;

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
  /** Profile-named callback parameters (code, identity): like `code`, each may appear only once. */
  readonly #callbackParams: string[];
  #session: TokenSession | null = null;
  /** Each session's DPoP key (RFC 9449), when its tokens are bound to one. Never leaves the main process. */
  readonly #dpopKeys = new WeakMap<TokenSession, DpopKey>();
  /** Issuers of the providers whose configuration has been resolved (for `iss` checks outside a pending entry). */
  readonly #issuers = new Map<string, string>();
  /** State of the newest sign-in waiting for the browser. */
  #signingIn: { state: string; providerId: string } | null = null;
  #endReason: { code: string; message: string } | undefined;
  /** How the person's last sign-out went at the provider (shown while signed out). */
  #revocation: RevocationState | undefined;
  readonly #backoff: BackoffPolicy;
  /** Background retry of the refresh while the provider is unreachable. */
  #recoveryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Background retry of failed revocations. */
  #revocationTimer: ReturnType<typeof setTimeout> | null = null;
  #revocationFailures = 0;
  #revocationRun: Promise<void> | null = null;
  #disposed = false;

  constructor(opts: AuthCoreOptions) {
    this.#opts = opts;
    this.#log = redactingLogger(opts.logger ?? noopLogger);
    this.#clock = opts.clock ?? Date.now;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.#providers = new Map(opts.config.providers.map((p) => [p.id, p]));
    this.#pending = new PendingSignIns(opts.signInTimeoutMs ?? 5 * 60_000);
    this.#callbackParams = [
      ...new Set(opts.config.providers.flatMap((p) => [p.callback?.codeParam, ...Object.values(p.callback?.identity ?? {})].filter((n): n is string => typeof n === 'string'))),
    ];
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
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
    if (this.#session) {
      const connectivity = this.#session.offline ? 'offline' : 'online';
      return { status: 'signed_in', storage, providerId: this.#session.providerId, user: { ...this.#session.user }, connectivity };
    }
    return {
      status: 'signed_out',
      storage,
      providerId: null,
      ...(this.#endReason ? { reason: this.#endReason } : {}),
      ...(this.#revocation ? { revocation: { ...this.#revocation } } : {}),
    };
  }

  onSessionChanged(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async restore(): Promise<SessionState> {
    const { vault } = this.#opts;
    // Revocations that failed in an earlier run are retried now, in the background,
    // and the signed-out window says so until they are settled.
    if ((vault.pendingRevocations?.().length ?? 0) > 0) {
      this.#revocation = { outcome: 'failed', retrying: true };
      this.#retryRevocationsSoon(0);
    }
    const providerId = vault.lastProviderId();
    if (!providerId) return this.getSession();
    const provider = this.#providers.get(providerId);
    const stored = vault.load(providerId);
    if (!provider || !stored) {
      if (!provider) vault.remove(providerId);
      vault.setLastProviderId(null);
      return this.getSession();
    }
    const tokens = this.#storedTokens(stored);
    if (!tokens) {
      // A long-lived access token (no refresh token) past its expiry: nothing left to use.
      vault.remove(providerId);
      vault.setLastProviderId(null);
      this.#log('info', 'restore.access_token_expired', { providerId });
      return this.getSession();
    }
    let dpopKey: DpopKey | undefined;
    if (stored.dpopKey) {
      try {
        dpopKey = await DpopKey.fromJwk(stored.dpopKey);
      } catch {
        // A key that does not import cannot prove anything: the bound token is useless.
        this.#log('warn', 'restore.dpop_key_unusable', { providerId });
        vault.remove(providerId);
        vault.setLastProviderId(null);
        return this.getSession();
      }
    }
    const session = this.#newSession(provider, stored.user, tokens, dpopKey);
    this.#session = session;
    this.#emit();
    try {
      await session.accessToken();
      this.#log('info', 'restore.done', { providerId });
    } catch (err) {
      // A refusal has already ended the session through onRefreshRejected; anything
      // else (offline, provider down) keeps it, shown as offline, retried in the background.
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
      // A new key on every fresh sign-in: nothing bound to an earlier session carries over.
      const dpopKey = features.dpop ? await DpopKey.generate(features.dpop) : undefined;
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
      entry = this.#pending.add({ state, providerId: provider.id, codeVerifier, nonce, redirectUri, stateEchoed: provider.callback?.stateEchoed !== false, dpopKey, pushed: features.par });
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
      state = hits.length === 1 ? hits[0]!.state : undefined;
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
    this.#revocation = undefined;
    const tokens = this.#endLocally(session);
    const provider = this.#providers.get(session.providerId);
    if (provider) {
      const outcome = await revokeAndEndSession(provider, tokens, { config: () => this.#config(provider), openUrl: this.#opts.openUrl, logger: this.#log });
      const keep = outcome === 'failed' && this.#opts.vault.keepRevocation !== undefined && (tokens.refreshToken ?? tokens.accessToken) !== undefined;
      if (keep) {
        this.#opts.vault.keepRevocation!({
          id: client.randomState().slice(0, 32),
          providerId: provider.id,
          tokens: { ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}), ...(tokens.accessToken ? { accessToken: tokens.accessToken } : {}) },
          firstFailedAt: this.#clock(),
          attempts: 1,
        });
        this.#revocationFailures = 0;
        this.#retryRevocationsSoon();
      }
      // Unless someone signed in meanwhile, the signed-out state says how the provider took it.
      if (!this.#session && !this.#signingIn) {
        this.#revocation = { outcome, retrying: keep };
        this.#emit();
      }
    }
    return this.getSession();
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#pending.failAll(new AuthError('sign_in_cancelled'));
    this.#listeners.clear();
    this.#clearRecovery();
    if (this.#revocationTimer) clearTimeout(this.#revocationTimer);
    this.#revocationTimer = null;
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
    const provider = this.#providers.get(pending.providerId)!;
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
    const response = await client.authorizationCodeGrant(config, currentUrl, {
      ...(pending.codeVerifier !== NO_PKCE ? { pkceCodeVerifier: pending.codeVerifier } : {}),
      // ESCAPE HATCH: only for a profile declaring `callback.stateEchoed: false`, and only for a callback
      // that carried no state and was bound to this sign-in by its own loopback listener or by PKCE
      // (#acceptCallback); the config refuses a profile with neither. See SECURITY.md.
      expectedState: parsed.stateless ? client.skipStateCheck : pending.state,
      ...(pending.nonce !== undefined ? { expectedNonce: pending.nonce, idTokenExpected: true } : {}),
    }, provider.tokenRequest?.includeState ? { state: pending.state } : undefined, dpop ? { DPoP: dpop } : undefined);
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

    // Replacing an existing session (signing in again): end the old one locally. Its vault
    // entry is overwritten below when it is the same provider, so it is not cleared first.
    if (this.#session) this.#endLocally(this.#session, { emit: false, clearVault: this.#session.providerId !== provider.id });
    const session = this.#newSession(provider, user, tokens, dpopKey);
    this.#session = session;
    // Saving also marks this provider as the one to restore. Without a refresh token the access
    // token itself is kept (a long-lived one, e.g. 20 years), encrypted like a refresh token.
    if (tokens.refreshToken) this.#persist(provider.id, { refreshToken: tokens.refreshToken }, user, dpopKey);
    else if (tokens.accessToken) {
      this.#persist(provider.id, { accessToken: { token: tokens.accessToken, type: tokens.tokenType, ...(tokens.expiresAt !== undefined ? { expiresAt: tokens.expiresAt } : {}) } }, user);
    }
    this.#log('info', 'sign_in.done', { providerId: provider.id, persistent: this.#opts.vault.status().persistent });
    if (this.#signingIn?.state === pending.state) this.#signingIn = null;
    this.#emit();
    return this.getSession();
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

  #newSession(provider: ProviderConfig, user: UserInfo, tokens: TokenSet, dpopKey?: DpopKey): TokenSession {
    const session: TokenSession = new TokenSession(provider.id, user, tokens, {
      clock: this.#clock,
      logger: this.#log,
      refreshSkewMs: this.#opts.refreshSkewMs ?? 60_000,
      refreshGrant: async (refreshToken) => {
        let config: client.Configuration;
        try {
          config = await this.#config(provider);
        } catch (err) {
          // Discovery is not the token endpoint: whatever it answered (a captive portal's 403, an
          // outage) says nothing about the refresh token, so the cause is cut and it counts as transient.
          const mapped = toAuthError(err, 'Refresh');
          throw new AuthError(mapped.code, mapped.message);
        }
        try {
          return this.#tokenSet(await client.refreshTokenGrant(config, refreshToken, undefined, dpopKey ? { DPoP: dpopKey.handle(config) } : undefined));
        } catch (err) {
          throw toAuthError(err, 'Refresh');
        }
      },
      persistRefreshToken: (refreshToken) => this.#persist(provider.id, { refreshToken }, user, dpopKey),
      backoff: this.#backoff,
      onRefreshRejected: (err) => {
        if (this.#session !== session) return;
        this.#clearRecovery();
        this.#endLocally(session);
        this.#endReason = { code: err.code, message: err.message };
        this.#revocation = undefined;
        this.#emit();
      },
      onConnectivity: (offline, retryInMs) => {
        if (this.#session !== session) return;
        this.#clearRecovery();
        if (offline && retryInMs !== null) this.#scheduleRecovery(session, retryInMs);
        if (!offline) this.#retryRevocationsSoon(0);
        this.#emit();
      },
    });
    if (dpopKey) this.#dpopKeys.set(session, dpopKey);
    return session;
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
   * session's backoff delay; success flips the state back to online, a refusal
   * ends the session, another failure schedules the next (longer) attempt.
   * Unref'd, so it never keeps a process alive; cleared on sign-out and dispose.
   */
  #scheduleRecovery(session: TokenSession, delayMs: number): void {
    if (this.#disposed) return;
    this.#recoveryTimer = setTimeout(() => {
      this.#recoveryTimer = null;
      if (this.#session !== session || this.#disposed) return;
      session.retryNow().then(
        () => this.#log('info', 'refresh.recovered', { providerId: session.providerId }),
        () => {},
      );
    }, delayMs);
    this.#recoveryTimer.unref?.();
  }

  #clearRecovery(): void {
    if (this.#recoveryTimer) clearTimeout(this.#recoveryTimer);
    this.#recoveryTimer = null;
  }

  /** Schedules a retry of the kept failed revocations (backoff delay unless `delayMs` is given). */
  #retryRevocationsSoon(delayMs?: number): void {
    const vault = this.#opts.vault;
    if (this.#disposed || !vault.pendingRevocations || this.#revocationTimer || this.#revocationRun) return;
    // Slower than the refresh retry (up to an hour): the attempts must stretch over days of being offline.
    const delay = delayMs ?? backoffDelayMs(this.#revocationFailures + 1, { baseMs: this.#backoff.baseMs, maxMs: Math.max(this.#backoff.maxMs, REVOCATION_MAX_DELAY_MS) });
    this.#revocationTimer = setTimeout(() => {
      this.#revocationTimer = null;
      this.#revocationRun = this.#retryRevocations().then(
        ({ stillFailing, seen }) => {
          this.#revocationRun = null;
          // Also when one was kept (a sign-out) while this pass ran.
          const keptMeanwhile = (vault.pendingRevocations?.() ?? []).some((p) => !seen.has(p.id));
          if (stillFailing || keptMeanwhile) this.#retryRevocationsSoon();
        },
        () => {
          this.#revocationRun = null;
        },
      );
    }, delay);
    this.#revocationTimer.unref?.();
  }

  /** One pass over the kept revocations: done → removed; too old or too often tried → given up; else kept. */
  async #retryRevocations(): Promise<{ stillFailing: boolean; seen: Set<string> }> {
    const vault = this.#opts.vault;
    const pending = vault.pendingRevocations?.() ?? [];
    const seen = new Set(pending.map((p) => p.id));
    if (pending.length === 0) return { stillFailing: false, seen };
    const windowMs = this.#opts.revocationRetryWindowMs ?? 7 * 24 * 3600_000;
    const maxAttempts = this.#opts.revocationMaxAttempts ?? 50;
    let stillFailing = false;
    let settled: RevocationState['outcome'] | 'gave_up' | undefined;
    for (const item of pending) {
      if (this.#disposed) return { stillFailing: false, seen };
      const provider = this.#providers.get(item.providerId);
      if (!provider || this.#clock() - item.firstFailedAt > windowMs || item.attempts >= maxAttempts) {
        vault.removeRevocation?.(item.id);
        this.#log('warn', 'revocation.given_up', { providerId: item.providerId, attempts: item.attempts });
        settled = 'gave_up';
        continue;
      }
      let outcome: RevocationState['outcome'];
      try {
        outcome = await revokeTokens(provider, await this.#config(provider), item.tokens, this.#log);
      } catch {
        outcome = 'failed';
      }
      if (outcome === 'failed') {
        stillFailing = true;
        vault.keepRevocation?.({ ...item, attempts: item.attempts + 1 });
      } else {
        vault.removeRevocation?.(item.id);
        this.#log('info', 'revocation.retried', { providerId: item.providerId, outcome });
        settled ??= outcome;
      }
    }
    this.#revocationFailures = stillFailing ? this.#revocationFailures + 1 : 0;
    // The window still showing that sign-out learns how it ended.
    if (settled && this.#revocation?.retrying && !stillFailing && !this.#session) {
      this.#revocation = settled === 'gave_up' ? { outcome: 'failed', retrying: false } : { outcome: settled, retrying: false };
      this.#emit();
    }
    return { stillFailing, seen };
  }

  #persist(providerId: string, secret: Pick<StoredSession, 'refreshToken' | 'accessToken'>, user: UserInfo, dpopKey?: DpopKey): void {
    try {
      this.#opts.vault.save({ providerId, ...secret, user, savedAt: this.#clock(), ...(dpopKey ? { dpopKey: dpopKey.privateJwk } : {}) });
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
    if (this.#session === session) {
      this.#session = null;
      this.#clearRecovery();
    }
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


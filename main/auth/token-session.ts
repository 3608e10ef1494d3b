/**
 * One signed-in session's tokens: the access token lives only in memory and is
 * refreshed shortly before it expires; concurrent callers share a single
 * in-flight refresh; a rotated refresh token is persisted before it is used.
 */
import { BackoffWindow, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { AuthError } from './errors';
import { classifyRefreshFailure } from './refresh-outcome';
import type { BearerToken, Clock, Logger, UserInfo } from './types';

export type { BearerToken } from './types';

export interface TokenSet {
  accessToken?: string;
  tokenType: string;
  /** Epoch ms; undefined when the provider gave no lifetime. */
  expiresAt?: number;
  refreshToken?: string;
  idToken?: string;
}

export interface TokenSessionDeps {
  clock: Clock;
  logger: Logger;
  /** Refresh this long before `expiresAt`, so a token never expires in flight. */
  refreshSkewMs: number;
  /** Performs the refresh grant; returns the new token set (refresh token absent = unchanged). */
  refreshGrant(refreshToken: string): Promise<TokenSet>;
  /** Persists a rotated refresh token. Called before the new tokens are used. */
  persistRefreshToken(refreshToken: string): void;
  /** The provider refused the refresh (see refresh-outcome.ts): the session is over. */
  onRefreshRejected(err: AuthError): void;
  /**
   * The provider became unreachable (`retryInMs` until the next attempt is
   * allowed) or reachable again (`retryInMs` null).
   */
  onConnectivity?(offline: boolean, retryInMs: number | null): void;
  /** Default `DEFAULT_BACKOFF`. */
  backoff?: BackoffPolicy;
}

export class TokenSession {
  #tokens: TokenSet;
  #inflight: Promise<BearerToken> | null = null;
  #ended = false;
  /** Transient refresh failures: while backing off, callers cannot make a tight loop; failing means the provider is unreachable. */
  readonly #backoff: BackoffWindow<AuthError>;
  /** Counts refresh grants, for tests and the benchmark. */
  refreshCount = 0;

  constructor(
    readonly providerId: string,
    readonly user: UserInfo,
    tokens: TokenSet,
    private readonly deps: TokenSessionDeps,
  ) {
    this.#tokens = { ...tokens };
    this.#backoff = new BackoffWindow(deps.clock, deps.backoff ?? DEFAULT_BACKOFF);
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** True while the last refresh failed for a passing reason (network, 5xx, 429). */
  get offline(): boolean {
    return this.#backoff.failing;
  }

  get refreshToken(): string | undefined {
    return this.#tokens.refreshToken;
  }

  /**
   * A refresh token obtained outside a refresh (incremental consent gave the
   * account a new grant): the next refresh uses it. A session that had none
   * (a long-lived access token only) can refresh from now on.
   */
  adoptRefreshToken(refreshToken: string): void {
    if (!this.#ended) this.#tokens = { ...this.#tokens, refreshToken };
  }

  /** For sign-out: the tokens to revoke. Ends the session: no refresh result is applied afterwards. */
  end(): TokenSet {
    this.#ended = true;
    const tokens = this.#tokens;
    this.#tokens = { tokenType: tokens.tokenType };
    return tokens;
  }

  /** Marks the access token as expired (tests, "force expiry", and a provider that says so). */
  expireAccessToken(): void {
    this.#tokens = { ...this.#tokens, expiresAt: 0 };
  }

  /**
   * A usable access token. With `rejected`, the caller saw that token refused
   * (HTTP 401): refresh unless another caller already replaced it.
   */
  async accessToken(rejected?: string): Promise<BearerToken> {
    if (this.#ended) throw new AuthError('not_signed_in');
    const t = this.#tokens;
    const token = t.accessToken;
    const fresh = token !== undefined && (t.expiresAt === undefined || t.expiresAt - this.deps.refreshSkewMs > this.deps.clock());
    if (fresh && token !== rejected) return { token, type: t.tokenType };
    const backingOff = this.#inflight === null ? this.#backoff.blocked() : null;
    // Backing off: answer at once with the last failure instead of asking the provider again.
    if (backingOff) throw backingOff;
    return this.#shared();
  }

  /** The background retry while offline: refreshes now, whatever the access token's age. */
  async retryNow(): Promise<void> {
    if (this.#ended) return;
    await this.#shared();
  }

  #shared(): Promise<BearerToken> {
    this.#inflight ??= this.#refresh().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #refresh(): Promise<BearerToken> {
    const refreshToken = this.#tokens.refreshToken;
    if (!refreshToken) {
      const err = new AuthError('invalid_grant', 'Your sign-in has expired and cannot be renewed. Please sign in again.');
      this.#ended = true;
      this.deps.onRefreshRejected(err);
      throw err;
    }
    this.deps.logger('debug', 'refresh.start', { providerId: this.providerId });
    let next: TokenSet;
    try {
      this.refreshCount += 1;
      next = await this.deps.refreshGrant(refreshToken);
    } catch (err) {
      // Signed out meanwhile: whatever the provider said (sign-out revokes the token), the answer is "not signed in".
      if (this.#ended) throw new AuthError('not_signed_in');
      const verdict = classifyRefreshFailure(err, this.deps.clock());
      if (verdict.kind === 'ended') {
        this.#ended = true;
        this.deps.logger('info', 'refresh.rejected', { providerId: this.providerId, errorCode: verdict.error.code });
        this.deps.onRefreshRejected(verdict.error);
        throw verdict.error;
      }
      const delay = this.#backoff.failed(verdict.error, verdict.retryAfterMs);
      this.deps.logger('warn', 'refresh.failed_transient', {
        providerId: this.providerId,
        errorCode: verdict.error.code,
        failures: this.#backoff.failures,
        retryInMs: delay,
      });
      this.deps.onConnectivity?.(true, delay);
      throw verdict.error;
    }
    // Signed out while the refresh was in flight: the result must not resurrect the session.
    if (this.#ended) throw new AuthError('not_signed_in');
    if (!next.accessToken) throw new AuthError('invalid_response', 'The identity provider did not return an access token.');
    if (next.refreshToken && next.refreshToken !== refreshToken) {
      try {
        this.deps.persistRefreshToken(next.refreshToken);
      } catch (err) {
        // The session still works in memory; the person signs in again next start.
        this.deps.logger('warn', 'refresh.persist_failed', { providerId: this.providerId, errorCode: err instanceof AuthError ? err.code : 'internal_error' });
      }
    }
    this.#tokens = {
      ...next,
      refreshToken: next.refreshToken ?? refreshToken,
      idToken: next.idToken ?? this.#tokens.idToken,
    };
    this.deps.logger('debug', 'refresh.done', { providerId: this.providerId });
    if (this.#backoff.succeeded()) this.deps.onConnectivity?.(false, null);
    return { token: next.accessToken, type: next.tokenType };
  }
}

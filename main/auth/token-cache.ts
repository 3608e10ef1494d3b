/**
 * The one token cache: access tokens keyed by (account, API), the sign-in
 * token being the key `SIGN_IN` of its account — as MSAL keys credentials
 * by target. For every key the same rules:
 *
 * - freshness: a token is used until `refreshSkewMs` before it expires, or
 *   until a caller saw it refused (`rejected`);
 * - single flight: concurrent callers share one grant per key (and the
 *   account's `RefreshTokenHolder` runs one grant at a time);
 * - backoff: after a passing failure, callers are answered at once with that
 *   failure until the backoff delay (or Retry-After) has passed — no retry
 *   storm (`BackoffWindow`);
 * - connectivity: the sign-in token's passing failure shows the account as
 *   offline, and one background timer per account retries it until it
 *   succeeds (unref'd; cleared when the account ends and on dispose);
 * - forced refresh: a token an API refused while still fresh is refreshed at
 *   most once per `forcedRefreshWindowMs` for each key, unless the token
 *   changed meanwhile (an ordinary refresh, consent): an API that refuses
 *   every token cannot turn every call into a grant (issue 20, finding 3).
 *
 * What a grant's failure means was decided at the grant boundary
 * (refresh-grant.ts); here a verdict is only acted on.
 */
import { BackoffWindow, type BackoffPolicy } from './backoff';
import { AuthError } from './errors';
import type { GrantVerdict } from './refresh-outcome';
import type { BearerToken, Clock, Logger } from './types';

/** The key of an account's sign-in token. */
export const SIGN_IN = '';

export interface CachedToken {
  bearer: BearerToken;
  /** Epoch ms; absent when the provider gave no lifetime. */
  expiresAt?: number;
}

/** What a source's grant came to: a token, or the verdict on its failure. */
export type Acquired = ({ ok: true } & CachedToken) | { ok: false; verdict: GrantVerdict };

/** Where one account's tokens come from, and whom the cache tells what happened. */
export interface TokenSource {
  readonly providerId: string;
  /** A fresh token for `api` (`SIGN_IN`: the sign-in token). A rejection (e.g. `not_signed_in`) is passed on unchanged. */
  acquire(api: string): Promise<Acquired>;
  /** The provider refused the account's grant: the account is over. */
  onEnded(error: AuthError): void;
  /** The sign-in token's provider could not be reached (`true`) or can again (`false`). */
  onConnectivity(offline: boolean): void;
}

export interface TokenCacheDeps {
  clock: Clock;
  logger: Logger;
  /** Refresh this long before `expiresAt`, so a token never expires in flight. */
  refreshSkewMs: number;
  backoff: BackoffPolicy;
  forcedRefreshWindowMs: number;
}

interface Entry {
  token?: CachedToken;
  inflight: Promise<BearerToken> | null;
  /** Only for keys whose last grant failed for a passing reason. */
  backoff?: BackoffWindow<AuthError>;
  /** The last forced refresh: when, and the token it brought. */
  forced?: { at: number; token?: string };
}

interface Slot {
  source: TokenSource;
  entries: Map<string, Entry>;
  recovery?: ReturnType<typeof setTimeout>;
}

export class TokenCache {
  readonly #slots = new Map<string, Slot>();
  #disposed = false;

  constructor(private readonly deps: TokenCacheDeps) {}

  /** Starts (or replaces) an account's keys; `signIn` is a sign-in token already in hand. */
  open(accountId: string, source: TokenSource, signIn?: CachedToken): void {
    this.end(accountId);
    const entries = new Map<string, Entry>();
    if (signIn?.bearer.token) entries.set(SIGN_IN, { token: signIn, inflight: null });
    this.#slots.set(accountId, { source, entries });
  }

  /** A usable token for (account, API). */
  async token(accountId: string, api: string): Promise<BearerToken> {
    const { slot, entry } = this.#entry(accountId, api);
    const t = entry.token;
    if (t && this.#fresh(t)) return t.bearer;
    return this.#refresh(accountId, slot, api, entry);
  }

  /**
   * After an API refused `rejected`: a new token, the one another caller
   * already got, or `null` when that token's refresh was forced less than
   * `forcedRefreshWindowMs` ago (refreshing again would not help: the caller
   * returns the refusal as it is).
   */
  async retry(accountId: string, api: string, rejected: string): Promise<BearerToken | null> {
    const { slot, entry } = this.#entry(accountId, api);
    const t = entry.token;
    if (!t || !this.#fresh(t)) return this.#refresh(accountId, slot, api, entry);
    // Another caller's refresh already replaced it, or is replacing it now.
    if (t.bearer.token !== rejected) return t.bearer;
    if (entry.inflight) return entry.inflight;
    const now = this.deps.clock();
    const last = entry.forced;
    if (last?.token === rejected && now - last.at < this.deps.forcedRefreshWindowMs) {
      this.deps.logger('info', 'refresh.forced_again_refused', { providerId: slot.source.providerId, ...(api !== SIGN_IN ? { api } : {}) });
      return null;
    }
    const forced: NonNullable<Entry['forced']> = { at: now };
    entry.forced = forced;
    const bearer = await this.#refresh(accountId, slot, api, entry);
    forced.token = bearer.token;
    return bearer;
  }

  /** True while the account's last sign-in refresh failed for a passing reason (network, 5xx, 429). */
  isOffline(accountId: string): boolean {
    return this.#slots.get(accountId)?.entries.get(SIGN_IN)?.backoff?.failing === true;
  }

  /** Drops one key's token and backoff (consent has just changed what its grant covers). */
  forget(accountId: string, api: string): void {
    this.#slots.get(accountId)?.entries.delete(api);
  }

  /** For sign-out: the account's cached access tokens (to revoke); no result of a grant in flight is kept afterwards. */
  end(accountId: string): { signIn?: string; apis: string[] } {
    const slot = this.#slots.get(accountId);
    if (!slot) return { apis: [] };
    this.#slots.delete(accountId);
    clearTimeout(slot.recovery);
    const signIn = slot.entries.get(SIGN_IN)?.token?.bearer.token;
    const apis = [...slot.entries].flatMap(([key, e]) => (key !== SIGN_IN && e.token ? [e.token.bearer.token] : []));
    return { ...(signIn !== undefined ? { signIn } : {}), apis };
  }

  dispose(): void {
    this.#disposed = true;
    for (const slot of this.#slots.values()) clearTimeout(slot.recovery);
  }

  #entry(accountId: string, api: string): { slot: Slot; entry: Entry } {
    const slot = this.#slots.get(accountId);
    if (!slot) throw new AuthError('not_signed_in');
    let entry = slot.entries.get(api);
    if (!entry) slot.entries.set(api, (entry = { inflight: null }));
    return { slot, entry };
  }

  /** Joins the grant in flight, or answers from the backoff, or starts a grant. */
  #refresh(accountId: string, slot: Slot, api: string, entry: Entry): Promise<BearerToken> {
    if (entry.inflight) return entry.inflight;
    // Backing off: answer at once with the last failure instead of asking the provider again.
    const blocked = entry.backoff?.blocked();
    if (blocked) return Promise.reject(blocked);
    return this.#grant(accountId, slot, api, entry);
  }

  #fresh(t: CachedToken): boolean {
    return t.expiresAt === undefined || t.expiresAt - this.deps.refreshSkewMs > this.deps.clock();
  }

  #grant(accountId: string, slot: Slot, api: string, entry: Entry): Promise<BearerToken> {
    const { logger } = this.deps;
    const providerId = slot.source.providerId;
    entry.inflight ??= (async () => {
      if (api === SIGN_IN) logger('debug', 'refresh.start', { providerId });
      const got = await slot.source.acquire(api);
      // Ended while the grant was in flight: its result must not resurrect the account.
      if (this.#slots.get(accountId) !== slot) throw new AuthError('not_signed_in');
      if (!got.ok) throw this.#failed(accountId, slot, api, entry, got.verdict);
      entry.token = { bearer: got.bearer, ...(got.expiresAt !== undefined ? { expiresAt: got.expiresAt } : {}) };
      const recovered = entry.backoff?.succeeded() === true;
      delete entry.backoff;
      if (api === SIGN_IN) {
        logger('debug', 'refresh.done', { providerId });
        if (recovered) {
          clearTimeout(slot.recovery);
          slot.source.onConnectivity(false);
        }
      }
      return got.bearer;
    })().finally(() => {
      entry.inflight = null;
    });
    return entry.inflight;
  }

  /** Acts on a failed grant's verdict; returns the error the callers get. */
  #failed(accountId: string, slot: Slot, api: string, entry: Entry, verdict: GrantVerdict): AuthError {
    const { logger } = this.deps;
    const providerId = slot.source.providerId;
    if (verdict.kind === 'consent') return verdict.error;
    if (verdict.kind === 'ended') {
      logger('info', 'refresh.rejected', { providerId, ...(api !== SIGN_IN ? { api } : {}), errorCode: verdict.error.code });
      this.end(accountId);
      slot.source.onEnded(verdict.error);
      return verdict.error;
    }
    entry.backoff ??= new BackoffWindow(this.deps.clock, this.deps.backoff);
    const delay = entry.backoff.failed(verdict.error, verdict.retryAfterMs);
    if (api !== SIGN_IN) {
      // This API backs off; the account's connectivity stays its sign-in token's.
      logger('warn', 'api_token.failed_transient', { providerId, api, errorCode: verdict.error.code });
      return verdict.error;
    }
    logger('warn', 'refresh.failed_transient', { providerId, errorCode: verdict.error.code, failures: entry.backoff.failures, retryInMs: delay });
    this.#scheduleRecovery(accountId, slot, delay);
    slot.source.onConnectivity(true);
    return verdict.error;
  }

  /**
   * While the provider is unreachable, one timer per account retries the
   * sign-in refresh after the backoff delay, whatever the token's age: success
   * flips the account back online, a refusal ends it, another failure
   * schedules the next (longer) attempt.
   */
  #scheduleRecovery(accountId: string, slot: Slot, delayMs: number): void {
    clearTimeout(slot.recovery);
    if (this.#disposed) return;
    slot.recovery = setTimeout(() => {
      slot.recovery = undefined;
      const entry = slot.entries.get(SIGN_IN);
      if (this.#slots.get(accountId) !== slot || this.#disposed || !entry) return;
      this.#grant(accountId, slot, SIGN_IN, entry).then(
        () => {
          this.deps.logger('info', 'refresh.recovered', { providerId: slot.source.providerId });
        },
        () => {
          // Nothing to do: the outcome was acted on in #failed (the next attempt, or the account's end).
        },
      );
    }, delayMs);
    slot.recovery.unref();
  }
}

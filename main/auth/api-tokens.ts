/**
 * A token per API (RFC 8707 resource indicators, scope down-scoping).
 *
 * Each API entry of a profile may name its own `scopes`, `resource` and
 * `audience`; its access token comes from the account's refresh token by a
 * refresh grant carrying those parameters, is cached per (account, API) and
 * refreshed single-flight per (account, API).
 *
 * The refresh token itself has one home per account (`RefreshTokenHolder`):
 * grants that use it run one at a time, because with rotation a second
 * concurrent use of the same refresh token is a replay that providers answer
 * by revoking the whole grant (RFC 9700 §4.14.2; oidc-provider does so).
 * Other accounts never wait; another API of the same account waits only for
 * the one grant in flight, never for its callers.
 */
import { BackoffWindow, type BackoffPolicy } from './backoff';
import { AuthError } from './errors';
import type { ApiEntry, ProviderConfig } from './config';
import type { TokenSet } from './token-session';
import type { BearerToken, Clock } from './types';

/** An API of a provider as the core uses it: declared (`apis`) or from `apiBaseUrls`. */
export interface ResolvedApi {
  /** Cache key and the name callers use; `#<index>` for an unnamed `apiBaseUrls` entry. */
  key: string;
  baseUrl: string;
  /** True when the API has its own token (scopes, resource or audience); else it shares the sign-in token. */
  ownToken: boolean;
  entry?: ApiEntry;
}

/** Every API of a provider: `apiBaseUrls` first (a numeric `api` keeps its meaning), then the declared `apis`. */
export function providerApis(provider: ProviderConfig): ResolvedApi[] {
  const plain = provider.apiBaseUrls.map((baseUrl, i) => ({ key: `#${i}`, baseUrl, ownToken: false }));
  const declared = (provider.apis ?? []).map((entry) => ({
    key: entry.id,
    baseUrl: entry.baseUrl,
    ownToken: entry.scopes !== undefined || entry.resource !== undefined || entry.audience !== undefined,
    entry,
  }));
  return [...plain, ...declared];
}

/** The API a request names: an index into `providerApis`, or a declared API id. */
export function findApi(provider: ProviderConfig, api: number | string | undefined): ResolvedApi {
  const apis = providerApis(provider);
  const found = typeof api === 'string' ? apis.find((a) => a.entry?.id === api) : apis[api ?? 0];
  if (!found) throw new AuthError('host_not_allowed', 'There is no such API configured for this account’s provider.');
  return found;
}

/**
 * Resource indicators a sign-in asks for: every API with its own token whose
 * scopes are all among the sign-in scopes (so it is consented at sign-in).
 * The others need `requestConsent` first.
 */
export function signInResources(provider: ProviderConfig): string[] {
  const resources: string[] = [];
  for (const a of provider.apis ?? []) {
    if (a.resource !== undefined && (a.scopes ?? []).every((s) => provider.scopes.includes(s))) resources.push(a.resource);
  }
  return resources;
}

/** Refresh grant parameters that ask for exactly this API's token. */
export function apiGrantParams(entry: ApiEntry): Record<string, string> {
  return {
    ...(entry.scopes !== undefined ? { scope: entry.scopes.join(' ') } : {}),
    ...(entry.resource !== undefined ? { resource: entry.resource } : {}),
    ...(entry.audience !== undefined ? { audience: entry.audience } : {}),
  };
}

/** OAuth errors that mean "the grant does not cover what was asked": consent is needed, not a new sign-in. */
export const CONSENT_ERRORS = new Set(['invalid_scope', 'insufficient_scope', 'invalid_target']);

export function consentRequired(api: string, cause?: unknown): AuthError {
  return new AuthError('consent_required', `The API "${api}" needs a permission you have not granted to this app yet. Allow it to continue.`, { cause, api });
}

/** Scopes an API needs that a token response did not grant (an absent `scope` means all that was asked, RFC 6749 §5.1). */
export function missingScopes(entry: ApiEntry, grantedScope: string | undefined): string[] {
  if (entry.scopes === undefined || grantedScope === undefined) return [];
  const granted = new Set(grantedScope.split(' ').filter(Boolean));
  return entry.scopes.filter((s) => !granted.has(s));
}

export interface RefreshTokenHolderDeps {
  /** One refresh grant with optional extra parameters (scope, resource, audience). */
  grant(refreshToken: string, params: Record<string, string> | undefined): Promise<TokenSet & { scope?: string }>;
  /** Persists a rotated refresh token before it is used. */
  persist(refreshToken: string): void;
}

/**
 * What an ended holder leaves to revoke, once the grant in flight (if any) has
 * settled: that grant may have rotated the refresh token after sign-out read it.
 */
export interface EndedGrant {
  /** The refresh token current at the end: the rotated one if a grant in flight rotated it. */
  refreshToken: string | undefined;
  /** Refresh tokens rotated away after the end (consumed; still revoked, see `end`). */
  replaced: string[];
  /** Access tokens that grants in flight obtained after the end: nobody uses them. */
  accessTokens: string[];
}

/** The account's refresh token and the queue its grants run through (see the module comment). */
export class RefreshTokenHolder {
  #refreshToken: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #ended = false;
  /** Set once `end` has resolved: a grant settling later reports its tokens here instead. */
  #late: ((left: EndedGrant) => void) | undefined;
  #handedOver = false;
  readonly #left: EndedGrant = { refreshToken: undefined, replaced: [], accessTokens: [] };
  /** Refresh grants sent, per cache key (`''` for the sign-in token): for tests and the benchmark. */
  readonly grants = new Map<string, number>();

  constructor(
    refreshToken: string | undefined,
    private readonly deps: RefreshTokenHolderDeps,
  ) {
    this.#refreshToken = refreshToken;
  }

  get current(): string | undefined {
    return this.#refreshToken;
  }

  /** After consent: the new authorization's refresh token replaces this one (not once ended). */
  replace(refreshToken: string): void {
    if (!this.#ended) this.#refreshToken = refreshToken;
  }

  run(key: string, params?: Record<string, string>): Promise<TokenSet & { scope?: string }> {
    const next = this.#queue.then(async () => {
      if (this.#ended) throw new AuthError('not_signed_in');
      const refreshToken = this.#refreshToken;
      if (!refreshToken) throw new AuthError('invalid_grant', 'Your sign-in has expired and cannot be renewed. Please sign in again.');
      this.grants.set(key, (this.grants.get(key) ?? 0) + 1);
      const tokens = await this.deps.grant(refreshToken, params);
      if (this.#hasEnded()) {
        this.#settledAfterEnd(refreshToken, tokens);
        throw new AuthError('not_signed_in');
      }
      if (tokens.refreshToken && tokens.refreshToken !== refreshToken && this.#refreshToken === refreshToken) {
        this.deps.persist(tokens.refreshToken);
        this.#refreshToken = tokens.refreshToken;
      }
      return { ...tokens, refreshToken: this.#refreshToken };
    });
    this.#queue = next.catch(() => {
      // The queue only orders grants: this one's failure is the caller's (it holds `next`), and the next grant still runs.
    });
    return next;
  }

  /**
   * For sign-out: no grant starts from now on (`not_signed_in`), and the
   * promise resolves, once the grant in flight has settled, with the refresh
   * token that is current then — the one to revoke. A provider that rotated it
   * in that grant would otherwise keep the new token valid where revocation
   * revokes only the named token. The wait is bounded by `timeoutMs` (the
   * grant's own timeout), so sign-out never hangs; a grant that settles even
   * later hands its tokens to `late`. Never rejects.
   */
  end(timeoutMs: number, late?: (left: EndedGrant) => void): Promise<EndedGrant> {
    if (!this.#ended) {
      this.#ended = true;
      this.#late = late;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    return Promise.race([this.#queue, timedOut]).then(() => {
      clearTimeout(timer);
      this.#handedOver = true;
      return { refreshToken: this.#refreshToken, replaced: [...this.#left.replaced], accessTokens: [...this.#left.accessTokens] };
    });
  }

  /** Read after an await: `end` may have run meanwhile. */
  #hasEnded(): boolean {
    return this.#ended;
  }

  /** A grant sent before the end answered after it: its tokens are only for revocation. */
  #settledAfterEnd(sent: string, tokens: TokenSet): void {
    const rotated = tokens.refreshToken !== undefined && tokens.refreshToken !== sent && this.#refreshToken === sent ? tokens.refreshToken : undefined;
    if (rotated) this.#refreshToken = rotated;
    if (this.#handedOver) {
      if (rotated !== undefined || tokens.accessToken !== undefined)
        this.#late?.({ refreshToken: rotated, replaced: rotated ? [sent] : [], accessTokens: tokens.accessToken ? [tokens.accessToken] : [] });
      return;
    }
    if (rotated) this.#left.replaced.push(sent);
    if (tokens.accessToken) this.#left.accessTokens.push(tokens.accessToken);
  }
}

interface CachedToken {
  bearer: BearerToken;
  expiresAt?: number;
}

/**
 * What `acquire` resolves to when the grant failed for a passing reason
 * (refresh-outcome.ts's `transient` verdict): the caller gets `transient`,
 * and that API backs off. A refusal or a consent error is thrown instead.
 */
export interface TransientFailure {
  transient: AuthError;
  retryAfterMs?: number;
}

/**
 * One account's API tokens: cached per API, fetched single-flight per API,
 * and per API the same backoff as the sign-in token (`BackoffWindow`): while
 * the provider is down, calls to an API are answered with the last failure,
 * not with a new grant each.
 */
export class ApiTokens {
  readonly #cache = new Map<string, CachedToken>();
  readonly #inflight = new Map<string, Promise<BearerToken>>();
  /** Only for APIs whose last grant failed for a passing reason. */
  readonly #backoff = new Map<string, BackoffWindow<AuthError>>();
  #ended = false;

  constructor(
    private readonly deps: {
      clock: Clock;
      refreshSkewMs: number;
      /** The core's backoff policy, the one its sign-in tokens use. */
      backoff: BackoffPolicy;
      /** Gets a fresh token for the API (a refresh grant through the account's holder). */
      acquire(api: ResolvedApi): Promise<{ bearer: BearerToken; expiresAt?: number } | TransientFailure>;
    },
  ) {}

  /** A usable token for the API; with `rejected`, that token was refused (HTTP 401). */
  async token(api: ResolvedApi, rejected?: string): Promise<BearerToken> {
    if (this.#ended) throw new AuthError('not_signed_in');
    const cached = this.#cache.get(api.key);
    const fresh = cached && (cached.expiresAt === undefined || cached.expiresAt - this.deps.refreshSkewMs > this.deps.clock());
    if (cached && fresh && cached.bearer.token !== rejected) return cached.bearer;
    let inflight = this.#inflight.get(api.key);
    if (!inflight) {
      // Backing off: answer at once with the last failure instead of asking the provider again.
      const backingOff = this.#backoff.get(api.key)?.blocked();
      if (backingOff) throw backingOff;
      inflight = this.deps
        .acquire(api)
        .then((got) => {
          if (this.#ended) throw new AuthError('not_signed_in');
          if ('transient' in got) {
            let window = this.#backoff.get(api.key);
            if (!window) this.#backoff.set(api.key, (window = new BackoffWindow(this.deps.clock, this.deps.backoff)));
            window.failed(got.transient, got.retryAfterMs);
            throw got.transient;
          }
          this.#backoff.delete(api.key);
          this.#cache.set(api.key, got);
          return got.bearer;
        })
        .finally(() => this.#inflight.delete(api.key));
      this.#inflight.set(api.key, inflight);
    }
    return inflight;
  }

  /** Drops one API's cached token (it lacked a scope that consent has since added). */
  forget(key: string): void {
    this.#cache.delete(key);
    // Consent has just reached the provider: the next call asks it again rather than waiting out an old failure.
    this.#backoff.delete(key);
  }

  /** Marks every cached token expired (tests, "force expiry"). */
  expireAll(): void {
    for (const [key, t] of this.#cache) this.#cache.set(key, { ...t, expiresAt: 0 });
  }

  /** For sign-out: the cached access tokens to revoke; nothing is cached afterwards. */
  end(): string[] {
    this.#ended = true;
    const tokens = [...this.#cache.values()].map((t) => t.bearer.token);
    this.#cache.clear();
    this.#backoff.clear();
    return tokens;
  }
}

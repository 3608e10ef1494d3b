/**
 * The account's refresh token: its only home. Every grant that uses it (the
 * sign-in token's refresh and each API's own token) runs through this
 * holder's queue, one at a time, because with rotation a second concurrent
 * use of the same refresh token is a replay that providers answer by revoking
 * the whole grant (RFC 9700 §4.14.2; oidc-provider does so). Other accounts
 * never wait; another API of the same account waits only for the one grant in
 * flight, never for its callers. A rotated refresh token is persisted before
 * it is used.
 */
import { AuthError } from './errors';
import type { GrantVerdict } from './refresh-outcome';
import type { GrantedTokens, TokenSet } from './token-set';

/** What one grant came to: new tokens, or the verdict on its failure (refresh-outcome.ts). */
export type GrantResult = { ok: true; tokens: GrantedTokens } | { ok: false; verdict: GrantVerdict };

export interface RefreshTokenHolderDeps {
  /** One refresh grant with optional extra parameters (scope, resource, audience). Resolves with its verdict on failure. */
  grant(refreshToken: string, params: Record<string, string> | undefined, api: string | undefined): Promise<GrantResult>;
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

const NO_REFRESH_TOKEN = 'Your sign-in has expired and cannot be renewed. Please sign in again.';

export class RefreshTokenHolder {
  #refreshToken: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #ended = false;
  /** Set once `end` has resolved: a grant settling later reports its tokens here instead. */
  #late: ((left: EndedGrant) => void) | undefined;
  #handedOver = false;
  readonly #left: EndedGrant = { refreshToken: undefined, replaced: [], accessTokens: [] };

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

  /**
   * Runs one grant in the queue (`params` and `api` for an API's own token).
   * Rejects only with `not_signed_in` (ended); a failed grant resolves with its verdict.
   */
  run(params?: Record<string, string>, api?: string): Promise<GrantResult> {
    const next = this.#queue.then(async (): Promise<GrantResult> => {
      if (this.#ended) throw new AuthError('not_signed_in');
      const refreshToken = this.#refreshToken;
      if (!refreshToken) return { ok: false, verdict: { kind: 'ended', error: new AuthError('invalid_grant', NO_REFRESH_TOKEN) } };
      const result = await this.deps.grant(refreshToken, params, api);
      if (this.#hasEnded()) {
        if (result.ok) this.#settledAfterEnd(refreshToken, result.tokens);
        throw new AuthError('not_signed_in');
      }
      if (!result.ok) return result;
      const tokens = result.tokens;
      if (tokens.refreshToken && tokens.refreshToken !== refreshToken && this.#refreshToken === refreshToken) {
        this.deps.persist(tokens.refreshToken);
        this.#refreshToken = tokens.refreshToken;
      }
      return { ok: true, tokens: { ...tokens, refreshToken: this.#refreshToken } };
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

/**
 * Bounded, jittered exponential backoff that honours `Retry-After`, for
 * everything the core retries on its own (refresh while offline, a failed
 * revocation). One home, so a retry can never become a tight loop.
 *
 * @see RFC 9110 §10.2.3 (Retry-After)
 */
export interface BackoffPolicy {
  /** First delay, ms. Default 2 s. */
  baseMs: number;
  /** Upper bound for a computed delay, ms. Default 5 minutes. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 5 * 60_000 };

/** A server's Retry-After is obeyed, but never for longer than this: a hostile value must not park the app for days. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * The delay before attempt number `failures` (1 = after the first failure):
 * base·2^(failures-1), capped, with "equal jitter" (half fixed, half random)
 * so many clients waking together do not retry in lockstep; never shorter
 * than the server's Retry-After.
 */
export function backoffDelayMs(failures: number, policy: BackoffPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  const jittered = Math.round(exp / 2 + (exp / 2) * random());
  const floor = retryAfterMs === undefined ? 0 : Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS);
  return Math.max(jittered, floor, 1);
}

/** Parses Retry-After (delta-seconds or an HTTP-date) into ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only an HTTP-date (RFC 9110 §5.6.7) counts: Date.parse would also read "-1" or "1.5" as dates.
  if (!/^[A-Za-z]{3},? [\w -]+ \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(at - now, 0);
}

/**
 * The "no retry storm" rule for one thing the core refreshes (an account's
 * sign-in token, or one API's own token): after a passing failure, calls
 * before the backoff delay has passed are answered at once with that failure
 * instead of asking the provider again; a success clears it.
 */
export class BackoffWindow<E extends Error> {
  /** Consecutive passing failures; > 0 means the last attempt failed. */
  #failures = 0;
  /** No attempt before this time (clock ms). */
  #notBefore = 0;
  #lastFailure: E | null = null;

  constructor(
    private readonly clock: () => number,
    private readonly policy: BackoffPolicy,
  ) {}

  get failing(): boolean {
    return this.#failures > 0;
  }

  /** The failure to answer with while backing off; null when an attempt may go out. */
  blocked(): E | null {
    return this.#lastFailure !== null && this.clock() < this.#notBefore ? this.#lastFailure : null;
  }

  /** Records a passing failure; returns the delay before the next attempt (ms). */
  failed(error: E, retryAfterMs?: number): number {
    this.#failures += 1;
    const delay = backoffDelayMs(this.#failures, this.policy, retryAfterMs);
    this.#notBefore = this.clock() + delay;
    this.#lastFailure = error;
    return delay;
  }

  /** Records a success; true when it ends a run of failures. */
  succeeded(): boolean {
    const was = this.#failures > 0;
    this.#failures = 0;
    this.#notBefore = 0;
    this.#lastFailure = null;
    return was;
  }

  get failures(): number {
    return this.#failures;
  }
}

/**
 * Revocations that failed at sign-out (the provider refused or could not be
 * reached) are not silently lost: they are kept, encrypted, in the vault and
 * retried — at the next start, when the network returns and on a backoff
 * timer — until the provider takes them, or a bounded window (default 7 days)
 * or number of attempts (default 50) has passed.
 *
 * @see RFC 7009 (token revocation), SECURITY.md "Refresh and revocation rules"
 */
import * as client from 'openid-client';
import { backoffDelayMs, type BackoffPolicy } from './backoff';
import type { ProviderConfig } from './config';
import { revokeTokens, type TokensToRevoke } from './sign-out';
import type { Clock, Logger, RevocationState } from './types';
import type { PendingRevocation } from './vault-schemas';

/** Longest wait between two passes: the attempts must stretch over days of being offline. */
const MAX_DELAY_MS = 60 * 60_000;

/** Where failed revocations are kept (optional: without it a failed revocation is only reported). */
export interface RevocationStore {
  keepRevocation?(pending: PendingRevocation): void;
  pendingRevocations?(): PendingRevocation[];
  removeRevocation?(id: string): void;
}

export interface RevocationRetryDeps {
  store: RevocationStore;
  provider(id: string): ProviderConfig | undefined;
  config(provider: ProviderConfig): Promise<client.Configuration>;
  clock: Clock;
  logger: Logger;
  backoff: BackoffPolicy;
  windowMs: number;
  maxAttempts: number;
  /** Every kept revocation is settled: how they ended (given up counts as failed). */
  onSettled(outcome: RevocationState['outcome']): void;
}

export class RevocationRetry {
  readonly #deps: RevocationRetryDeps;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #run: Promise<void> | null = null;
  #failures = 0;
  #disposed = false;

  constructor(deps: RevocationRetryDeps) {
    this.#deps = deps;
  }

  /** How many revocations are waiting for a retry. */
  get pending(): number {
    return this.#deps.store.pendingRevocations?.().length ?? 0;
  }

  /**
   * Keeps a sign-out's revocation before it is tried (attempts 0, no retry
   * scheduled): an app that quits while sign-out waits — for a grant in flight,
   * for the provider — retries it at the next start instead of losing it. The
   * sign-out then `keep`s it under the same id when it fails, or `release`s it.
   * Returns the id, or undefined when there is nothing to keep or nowhere to keep it.
   */
  hold(providerId: string, tokens: TokensToRevoke): string | undefined {
    return this.#store(providerId, tokens, 0);
  }

  /** A held revocation that the provider took: it is not kept any longer. */
  release(id: string): void {
    this.#deps.store.removeRevocation?.(id);
  }

  /**
   * Keeps a failed revocation (replacing the held one with id `heldId`, if
   * given) and schedules a retry; false when there is nothing to keep or nowhere to keep it.
   */
  keep(providerId: string, tokens: TokensToRevoke, heldId?: string): boolean {
    if (this.#store(providerId, tokens, 1, heldId) === undefined) return false;
    this.#failures = 0;
    this.schedule();
    return true;
  }

  #store(providerId: string, tokens: TokensToRevoke, attempts: number, id = client.randomState().slice(0, 32)): string | undefined {
    const { store } = this.#deps;
    const { refreshToken, accessToken, replacedRefreshTokens = [], apiAccessTokens = [] } = tokens;
    if (store.keepRevocation === undefined || (refreshToken ?? accessToken ?? replacedRefreshTokens[0] ?? apiAccessTokens[0]) === undefined) return undefined;
    store.keepRevocation({
      id,
      providerId,
      tokens: {
        ...(refreshToken ? { refreshToken } : {}),
        ...(accessToken ? { accessToken } : {}),
        ...(replacedRefreshTokens.length > 0 ? { replacedRefreshTokens: [...replacedRefreshTokens] } : {}),
        ...(apiAccessTokens.length > 0 ? { apiAccessTokens: [...apiAccessTokens] } : {}),
      },
      firstFailedAt: this.#deps.clock(),
      attempts,
    });
    return id;
  }

  /** Schedules a pass (after the backoff delay unless `delayMs` is given); one at a time. */
  schedule(delayMs?: number): void {
    const { store, backoff } = this.#deps;
    if (this.#disposed || !store.pendingRevocations || this.#timer || this.#run) return;
    const delay = delayMs ?? backoffDelayMs(this.#failures + 1, { baseMs: backoff.baseMs, maxMs: Math.max(backoff.maxMs, MAX_DELAY_MS) });
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#run = this.#pass().then(
        ({ stillFailing, seen }) => {
          this.#run = null;
          // Also when one was kept (a sign-out) while this pass ran.
          const keptMeanwhile = (store.pendingRevocations?.() ?? []).some((p) => !seen.has(p.id));
          if (stillFailing || keptMeanwhile) this.schedule();
        },
        () => {
          this.#run = null;
        },
      );
    }, delay);
    this.#timer.unref();
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** One pass over the kept revocations: done → removed; too old or too often tried → given up; else kept. */
  async #pass(): Promise<{ stillFailing: boolean; seen: Set<string> }> {
    const { store, clock, logger, windowMs, maxAttempts } = this.#deps;
    const pending = store.pendingRevocations?.() ?? [];
    const seen = new Set(pending.map((p) => p.id));
    if (pending.length === 0) return { stillFailing: false, seen };
    let stillFailing = false;
    let settled: RevocationState['outcome'] | 'gave_up' | undefined;
    for (const item of pending) {
      if (this.#disposed) return { stillFailing: false, seen };
      const provider = this.#deps.provider(item.providerId);
      if (!provider || clock() - item.firstFailedAt > windowMs || item.attempts >= maxAttempts) {
        store.removeRevocation?.(item.id);
        logger('warn', 'revocation.given_up', { providerId: item.providerId, attempts: item.attempts });
        settled = 'gave_up';
        continue;
      }
      let outcome: RevocationState['outcome'];
      try {
        outcome = await revokeTokens(provider, await this.#deps.config(provider), item.tokens, logger);
      } catch {
        outcome = 'failed';
      }
      if (outcome === 'failed') {
        stillFailing = true;
        store.keepRevocation?.({ ...item, attempts: item.attempts + 1 });
      } else {
        store.removeRevocation?.(item.id);
        logger('info', 'revocation.retried', { providerId: item.providerId, outcome });
        settled ??= outcome;
      }
    }
    this.#failures = stillFailing ? this.#failures + 1 : 0;
    if (settled && !stillFailing) this.#deps.onSettled(settled === 'gave_up' ? 'failed' : settled);
    return { stillFailing, seen };
  }
}

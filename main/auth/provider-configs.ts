/**
 * Each provider's openid-client `Configuration`, resolved once (discovery or
 * explicit endpoints, provider-client.ts) and shared by sign-in, refresh,
 * revocation and userinfo. A failed resolution is not cached: the next
 * attempt tries again.
 */
import type * as client from 'openid-client';
import type { ProviderConfig } from './config';
import { resolveProvider } from './provider-client';
import type { Clock, FetchLike } from './types';

export class ProviderConfigs {
  readonly #resolved = new Map<string, Promise<client.Configuration>>();

  constructor(private readonly opts: { fetch: FetchLike; clock: Clock; timeoutSeconds: number; clockToleranceSeconds: number }) {}

  get(provider: ProviderConfig): Promise<client.Configuration> {
    let p = this.#resolved.get(provider.id);
    if (!p) {
      p = resolveProvider(provider, this.opts);
      p.catch(() => this.#resolved.delete(provider.id));
      this.#resolved.set(provider.id, p);
    }
    return p;
  }

  /** Drops a cached configuration: its profile changed (a connected API got a new client id). */
  forget(providerId: string): void {
    this.#resolved.delete(providerId);
  }
}

/**
 * Whether each API of a provider can take DPoP-bound tokens (RFC 9449).
 * DPoP is a property of the pair (provider, API): a provider that binds
 * tokens to a key is no use when the API receiving them knows only
 * `Authorization: Bearer` (RFC 6750) — it answers every call with 401, and a
 * public client's bound refresh token cannot fall back (RFC 9449 §5).
 *
 * An API's stance comes from the profile when it says (`apis[].dpop`,
 * `apiBaseUrlsDpop`), else from the API's own Protected Resource Metadata
 * (RFC 9728: `dpop_signing_alg_values_supported`,
 * `dpop_bound_access_tokens_required`), fetched with a short timeout and
 * cached. An API that publishes nothing is taken to know Bearer only: that is
 * what almost every API in the world is.
 */
import { providerApis } from './apis';
import type { ProviderConfig } from './config';
import { toErrorPayload } from './errors';
import { fetchResourceMetadata, type ResourceMetadata } from './resource-metadata';
import type { Clock, FetchLike, Logger } from './types';

/**
 * `accepts`: takes DPoP (and, as every RFC 9449 server, may take Bearer too); `requires`: refuses Bearer;
 * `bearer`: Bearer only (declared, or published metadata without DPoP); `unknown`: nothing declared or published.
 */
export type DpopStance = 'accepts' | 'requires' | 'bearer' | 'unknown';

export interface ApiDpopStance {
  /** The API's name in messages: its id, or its base URL for an `apiBaseUrls` entry. */
  api: string;
  /** Profile field that decides it, or would (for messages that name the fix). */
  field: string;
  stance: DpopStance;
  /** Where the stance came from. */
  source: 'profile' | 'metadata' | 'none';
}

export interface ApiDpopSupportOptions {
  fetch: FetchLike;
  clock: Clock;
  logger: Logger;
  /** For each metadata fetch. Default 3 s: a sign-in waits for it. */
  timeoutMs?: number;
  /** How long a fetched answer (metadata, or "none published") is reused. Default 10 minutes. */
  cacheMs?: number;
}

/** What published metadata says about DPoP. */
export function stanceOf(metadata: ResourceMetadata | null): DpopStance {
  if (!metadata) return 'unknown';
  if (metadata.dpopRequired) return 'requires';
  return metadata.dpopAlgs !== undefined && metadata.dpopAlgs.length > 0 ? 'accepts' : 'bearer';
}

export class ApiDpopSupport {
  readonly #opts: ApiDpopSupportOptions;
  readonly #cache = new Map<string, { at: number; metadata: Promise<ResourceMetadata | null> }>();

  constructor(opts: ApiDpopSupportOptions) {
    this.#opts = opts;
  }

  /** Every API that will receive the provider's tokens, with its stance; metadata fetched in parallel. */
  forProvider(provider: ProviderConfig): Promise<ApiDpopStance[]> {
    return Promise.all(
      providerApis(provider).map(async (api, i): Promise<ApiDpopStance> => {
        const name = api.entry?.id ?? api.baseUrl;
        const field = api.entry ? `apis.${(provider.apis ?? []).indexOf(api.entry)}.dpop` : 'apiBaseUrlsDpop';
        const declared = api.entry ? api.entry.dpop : provider.apiBaseUrlsDpop;
        if (declared !== undefined) return { api: name, field, stance: declared ? 'accepts' : 'bearer', source: 'profile' };
        const stance = stanceOf(await this.#metadata(api.baseUrl, provider.id, i));
        return { api: name, field, stance, source: stance === 'unknown' ? 'none' : 'metadata' };
      }),
    );
  }

  /** The cached metadata of one API, or a fetch; a failure counts as "none" for this sign-in only. */
  async #metadata(baseUrl: string, providerId: string, index: number): Promise<ResourceMetadata | null> {
    const now = this.#opts.clock();
    const hit = this.#cache.get(baseUrl);
    if (hit && now - hit.at < (this.#opts.cacheMs ?? 10 * 60_000)) return hit.metadata;
    const metadata = fetchResourceMetadata(baseUrl, { fetch: this.#opts.fetch, timeoutMs: this.#opts.timeoutMs ?? 3000 });
    this.#cache.set(baseUrl, { at: now, metadata });
    try {
      return await metadata;
    } catch (err) {
      // Unreachable or unusable metadata says nothing about DPoP: the API is taken to know Bearer only, and asked again next time.
      this.#cache.delete(baseUrl);
      this.#opts.logger('info', 'api.resource_metadata_unusable', { providerId, api: index, errorCode: toErrorPayload(err).code });
      return null;
    }
  }
}

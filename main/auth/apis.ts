/**
 * A provider's APIs, resolved in one place: which API a request names, which
 * base URLs its token may go to, and what a grant for its own token asks for
 * (RFC 8707 resource indicators, scope down-scoping).
 *
 * Each API entry of a profile may name its own `scopes`, `resource` and
 * `audience`; its access token then comes from the account's refresh token by
 * a refresh grant carrying those parameters (token-cache.ts keys it by
 * (account, API)). An API without them shares the sign-in token.
 */
import type { ApiEntry, ProviderConfig } from './config';
import { AuthError } from './errors';
import { SIGN_IN } from './token-cache';

/** An API of a provider as the core uses it: declared (`apis`) or from `apiBaseUrls`. */
export interface ResolvedApi {
  /** The name callers use; `#<index>` for an unnamed `apiBaseUrls` entry. */
  key: string;
  baseUrl: string;
  /** True when the API has its own token (scopes, resource or audience); else it shares the sign-in token. */
  ownToken: boolean;
  entry?: ApiEntry;
}

/**
 * Worked out once per provider: every API call asks. A parsed configuration is
 * never changed in place (a provider added later, api-connections.ts, is a new object).
 */
const apisOf = new WeakMap<ProviderConfig, readonly ResolvedApi[]>();
const targetOf = new WeakMap<ResolvedApi, CallTarget>();

/** Every API of a provider: `apiBaseUrls` first (a numeric `api` keeps its meaning), then the declared `apis`. */
export function providerApis(provider: ProviderConfig): readonly ResolvedApi[] {
  let apis = apisOf.get(provider);
  if (!apis) apisOf.set(provider, (apis = resolveApis(provider)));
  return apis;
}

function resolveApis(provider: ProviderConfig): ResolvedApi[] {
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
 * Where a call to `api` may go and with which token: an API with its own
 * token is called with only its own base URL allowed (redirects included), so
 * its token never reaches another API; the others share the sign-in token and
 * its base URLs. `index` is the API's place among `baseUrls`.
 */
export function callTarget(provider: ProviderConfig, api: ResolvedApi): CallTarget {
  let target = targetOf.get(api);
  if (!target) targetOf.set(api, (target = resolveTarget(provider, api)));
  return target;
}

interface CallTarget {
  readonly baseUrls: readonly string[];
  readonly index: number;
  readonly tokenKey: string;
}

function resolveTarget(provider: ProviderConfig, api: ResolvedApi): CallTarget {
  if (api.ownToken) return { baseUrls: [api.baseUrl], index: 0, tokenKey: api.key };
  const shared = providerApis(provider).filter((a) => !a.ownToken);
  return { baseUrls: shared.map((a) => a.baseUrl), index: shared.findIndex((a) => a.key === api.key), tokenKey: SIGN_IN };
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

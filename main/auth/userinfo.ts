/**
 * Who signed in: from the ID token's claims, completed by the userinfo
 * endpoint in one of two dialects — OIDC (`fetchUserInfo`, with the `sub`
 * check against the ID token) or a provider's plain JSON endpoint read by the
 * profile's paths; last, what the profile's `callback.identity` names in the
 * callback itself (e.g. Platform of Trust's `subject`). A failing userinfo
 * call never fails the sign-in.
 *
 * @see OpenID Connect Core 1.0 §5.3 (UserInfo endpoint)
 */
import * as client from 'openid-client';
import { authorizationHeader } from '../api/request-rules';
import { bodyLimitedFetch } from '../api/bounded-body';
import type { ProviderConfig } from './config';
import { AuthError } from './errors';
import { readJsonPath } from './json-path';
import { toAuthError } from './protocol-errors';
import type { TokenSet } from './token-set';
import type { BearerToken, FetchLike, Logger, UserInfo } from './types';

/** The subject when neither ID token, userinfo nor the callback names the person. */
export const UNKNOWN_SUBJECT = 'unknown';

export interface UserInfoDeps {
  fetch: FetchLike;
  logger: Logger;
  /** Upper bound for the userinfo request, in seconds. */
  timeoutSeconds: number;
  /** The session's DPoP handle when its access token is DPoP-bound (RFC 9449 §7). */
  dpop?: client.DPoPHandle;
}

/**
 * The person's id, name and email: from userinfo when the provider has it, else
 * the ID token, else the callback parameters the profile names.
 */
export async function resolveUserInfo(
  provider: ProviderConfig,
  config: client.Configuration,
  response: client.TokenEndpointResponseHelpers,
  tokens: TokenSet,
  deps: UserInfoDeps,
  callbackParams?: URLSearchParams,
): Promise<UserInfo> {
  const claims = response.claims();
  let source: Record<string, unknown> = claims ? { ...claims } : {};
  const endpoint = config.serverMetadata().userinfo_endpoint;
  // The ID token already says who it is: one network round trip fewer.
  const complete = typeof source.name === 'string' && typeof source.email === 'string';
  const accessToken = tokens.accessToken;
  if (endpoint && accessToken && !complete) {
    try {
      if (provider.scopes.includes('openid')) {
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- without an ID token there is no `sub` to check the userinfo answer against (OIDC Core §5.3.2 applies to ID-token flows); openid-client offers no other way to say so
        const expectedSubject = claims?.sub ?? client.skipSubjectCheck;
        source = { ...source, ...(await client.fetchUserInfo(config, accessToken, expectedSubject, deps.dpop ? { DPoP: deps.dpop } : undefined)) };
      } else {
        source = { ...source, ...(await plainUserInfo(provider, endpoint, { token: accessToken, type: tokens.tokenType }, deps)) };
      }
    } catch (err) {
      deps.logger('warn', 'userinfo.failed', { providerId: provider.id, errorCode: toAuthError(err, 'Userinfo').code });
    }
  }
  return userFromClaims(source, callbackIdentity(provider, callbackParams));
}

/** The person as the profile's `callback.identity` reads them from the callback's parameters. */
export function callbackIdentity(provider: ProviderConfig, params: URLSearchParams | undefined): Record<string, unknown> {
  const map = provider.callback?.identity;
  if (!map || !params) return {};
  const out: Record<string, unknown> = {};
  for (const field of ['sub', 'name', 'email'] as const) {
    const name = map[field];
    const value = name === undefined ? null : params.get(name);
    if (value !== null) out[field] = value;
  }
  return out;
}

/**
 * Picks the displayable fields; anything that is not a short string (or a
 * numeric id) is left out. `fallback` (the callback's identity) fills only
 * what the ID token and userinfo did not say.
 */
export function userFromClaims(source: Record<string, unknown>, fallback: Record<string, unknown> = {}): UserInfo {
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : typeof v === 'number' ? String(v) : undefined);
  const sub = str(source.sub) ?? str(source.id) ?? str(fallback.sub) ?? UNKNOWN_SUBJECT;
  const name = str(source.name) ?? str(source.preferred_username) ?? str(fallback.name);
  const email = str(source.email) ?? str(fallback.email);
  return { sub, ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

/** A non-OIDC userinfo endpoint: plain JSON, fields found by the profile's paths. */
async function plainUserInfo(provider: ProviderConfig, endpoint: string, bearer: BearerToken, deps: UserInfoDeps): Promise<Record<string, unknown>> {
  // Bounded like every provider body (bounded-body.ts): res.json() alone has no limit.
  const res = await bodyLimitedFetch(deps.fetch)(endpoint, {
    headers: { authorization: authorizationHeader(bearer), accept: 'application/json' },
    redirect: 'manual',
    signal: AbortSignal.timeout(deps.timeoutSeconds * 1000),
  });
  if (!res.ok) throw new AuthError(res.status >= 500 ? 'server_error' : 'invalid_response');
  const body: unknown = await res.json();
  const map = provider.userInfo ?? {};
  return {
    sub: readJsonPath(body, map.sub ?? 'sub') ?? readJsonPath(body, 'id'),
    name: readJsonPath(body, map.name ?? 'name'),
    email: readJsonPath(body, map.email ?? 'email'),
  };
}

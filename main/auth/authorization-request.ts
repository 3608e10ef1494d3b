/**
 * Building the authorization request (oauth4webapi's "request" half): the
 * parameters — reserved ones the core owns, the profile's extras, the
 * caller's prompt, PKCE (S256), nonce, resource indicators — and the URL the
 * browser opens, pushed first (PAR) or bound by `dpop_jkt`. No state is kept
 * here; the pending sign-in is sign-in-flow.ts's.
 *
 * @see RFC 6749 §4.1.1, RFC 7636 (PKCE), RFC 8707 (resource), RFC 9126 (PAR), RFC 9449 §10 (dpop_jkt)
 */
import * as client from 'openid-client';
import { fillAuthorizeParam, type ProviderConfig } from './config';
import type { DpopKey } from './dpop';
import { toAuthError } from './protocol-errors';

/** Authorization parameters the core owns; a profile may not override them. */
const RESERVED_AUTHORIZE_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'scope',
  'request_uri',
  'dpop_jkt',
]);

export interface AuthorizationInput {
  provider: ProviderConfig;
  redirectUri: string;
  state: string;
  /** Absent when the sign-in is not OpenID Connect (no `openid` scope). */
  nonce: string | undefined;
  /** S256 challenge of the verifier; absent when the profile sends no PKCE. */
  codeChallenge: string | undefined;
  /** The caller's parameters (prompt, login_hint, id_token_hint, audience). */
  params: Record<string, string>;
  scopes: readonly string[];
  /** RFC 8707: one `resource` parameter per API whose token this grant must be able to mint. */
  resources: readonly string[];
}

/** The authorization request's parameters (pure). */
export function authorizationParams(input: AuthorizationInput): URLSearchParams {
  const { provider, redirectUri, state, nonce, codeChallenge, params, scopes } = input;
  const extra = Object.fromEntries(
    Object.entries(provider.authorizeParams ?? {})
      .filter(([k]) => !RESERVED_AUTHORIZE_PARAMS.has(k))
      .map(([k, v]) => [k, fillAuthorizeParam(v, { redirect_uri: redirectUri, state })]),
  );
  // A caller's prompt adds to the profile's (e.g. `consent` from the profile, `login` to add a person).
  const prompt = [...new Set([extra.prompt, params.prompt].flatMap((p) => (p ?? '').split(' ')).filter(Boolean))].join(' ');
  const request = new URLSearchParams({
    ...extra,
    ...params,
    ...(prompt ? { prompt } : {}),
    redirect_uri: redirectUri,
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    ...(codeChallenge !== undefined ? { code_challenge: codeChallenge, code_challenge_method: 'S256' } : {}),
    state,
    ...(nonce !== undefined ? { nonce } : {}),
  });
  for (const resource of input.resources) request.append('resource', resource);
  return request;
}

/**
 * The URL the browser opens. With PAR (RFC 9126) the parameters go to the
 * provider directly and the URL carries only client_id and request_uri; the
 * PAR proof binds the code to the DPoP key. Without PAR, `dpop_jkt` does.
 */
export async function authorizationUrl(
  config: client.Configuration,
  request: URLSearchParams,
  opts: { par: boolean; dpopKey: DpopKey | undefined },
): Promise<URL> {
  if (opts.par) {
    try {
      return await client.buildAuthorizationUrlWithPAR(config, request, opts.dpopKey ? { DPoP: opts.dpopKey.handle(config) } : undefined);
    } catch (err) {
      throw toAuthError(err, 'Pushed authorization request');
    }
  }
  if (opts.dpopKey) request.set('dpop_jkt', await opts.dpopKey.thumbprint());
  return client.buildAuthorizationUrl(config, request);
}

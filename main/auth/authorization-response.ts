/**
 * Processing the callback of an accepted sign-in (oauth4webapi's "process"
 * half), checks in order: iss → error → code → token exchange (state, PKCE,
 * nonce and ID token checks by openid-client) → `iat` → token set → who
 * signed in. The code is exchanged at once: some providers let it live only
 * 30 seconds.
 *
 * @see RFC 9207 (iss), RFC 9126 §4 (expired request_uri), OpenID Connect Core 1.0 §3.1.3.7
 */
import * as client from 'openid-client';
import type { ProviderConfig } from './config';
import type { DpopKey } from './dpop';
import { AuthError } from './errors';
import { NO_PKCE, type PendingSignIn } from './pending-sign-ins';
import { authorizationResponseError } from './protocol-errors';
import { tokenSetFrom, type TokenSet } from './token-set';
import type { Clock, FetchLike, Logger, UserInfo } from './types';
import { resolveUserInfo } from './userinfo';

/** A callback accepted for a pending sign-in; `stateless` when it carried no `state` (declared by the profile). */
export interface AcceptedCallback {
  params: URLSearchParams;
  stateless: boolean;
}

/** What a completed authorization brought: the tokens, who signed in, what was granted, the key they are bound to. */
export interface Authorized {
  tokens: TokenSet & { accessToken: string };
  user: UserInfo;
  /** The token response's `scope`, when it named one. */
  granted: string[] | undefined;
  /** The sign-in's DPoP key, only when the provider issued DPoP-bound tokens (`token_type` DPoP). */
  dpopKey: DpopKey | undefined;
}

export const PUSHED_REQUEST_EXPIRED = 'The sign-in page expired before it was used. Please start the sign-in again.';

export interface CompletionDeps {
  fetch: FetchLike;
  logger: Logger;
  clock: Clock;
  timeoutSeconds: number;
  clockToleranceSeconds: number;
}

export async function completeAuthorization(
  provider: ProviderConfig,
  config: client.Configuration,
  pending: PendingSignIn<unknown>,
  accepted: AcceptedCallback,
  deps: CompletionDeps,
): Promise<Authorized> {
  const metadata = config.serverMetadata();
  const params = standardParams(provider, accepted.params);
  const iss = params.get('iss');
  if ((metadata.authorization_response_iss_parameter_supported && !iss) || (iss !== null && iss !== metadata.issuer)) {
    throw new AuthError('iss_mismatch');
  }
  const error = params.get('error');
  // RFC 9126 §4: the pushed request lives briefly (often 60 s); the person took longer.
  if (error === 'invalid_request_uri' && pending.pushed) throw new AuthError('sign_in_timeout', PUSHED_REQUEST_EXPIRED);
  if (error !== null) throw authorizationResponseError(params, pending.scopes ?? []);
  if (!params.get('code')) throw new AuthError('invalid_response', 'The sign-in response carried no authorization code.');

  // The exact redirect_uri of the authorization request, with the response's parameters.
  const currentUrl = new URL(pending.redirectUri);
  currentUrl.search = params.toString();
  const dpop = pending.dpopKey?.handle(config);
  const response = await client.authorizationCodeGrant(
    config,
    currentUrl,
    {
      ...(pending.codeVerifier !== NO_PKCE ? { pkceCodeVerifier: pending.codeVerifier } : {}),
      // ESCAPE HATCH: only for a profile declaring `callback.stateEchoed: false`, and only for a callback
      // that carried no state and was bound to this sign-in by its own loopback listener or by PKCE
      // (sign-in-flow.ts); the config refuses a profile with neither. See SECURITY.md.
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- openid-client has no other way to skip the state check; deprecated only as a warning, and guarded as described above.
      expectedState: accepted.stateless ? client.skipStateCheck : pending.state,
      ...(pending.nonce !== undefined ? { expectedNonce: pending.nonce, idTokenExpected: true } : {}),
    },
    provider.tokenRequest?.includeState ? { state: pending.state } : undefined,
    dpop ? { DPoP: dpop } : undefined,
  );
  assertIssuedNotInFuture(response, deps.clock, deps.clockToleranceSeconds);
  const tokens = tokenSetFrom(response, deps.clock);
  // Bound only when the provider says so (token_type DPoP): a provider that ignored the proof
  // issued Bearer tokens, which are sent as Bearer, and the unused key is not kept.
  const dpopKey = tokens.tokenType.toLowerCase() === 'dpop' ? pending.dpopKey : undefined;
  const user = await resolveUserInfo(
    provider,
    config,
    response,
    tokens,
    { fetch: deps.fetch, logger: deps.logger, timeoutSeconds: deps.timeoutSeconds, ...(dpop && dpopKey ? { dpop } : {}) },
    params,
  );
  const granted = typeof response.scope === 'string' ? response.scope.split(' ').filter(Boolean) : undefined;
  return { tokens, user, granted, dpopKey };
}

/** The profile names the provider's own code parameter: openid-client gets the standard shape. */
function standardParams(provider: ProviderConfig, received: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams(received);
  const codeParam = provider.callback?.codeParam;
  if (codeParam !== undefined && codeParam !== 'code') {
    params.delete('code');
    const value = params.get(codeParam);
    if (value !== null) params.set('code', value);
    params.delete(codeParam);
  }
  return params;
}

/**
 * openid-client checks `exp` (and `nbf`) against its tolerance, but not an
 * `iat` in the future: a computer whose clock is far behind the provider's
 * would sign in with times that make no sense. Same tolerance, same code.
 * @see OpenID Connect Core 1.0 §3.1.3.7 (12)
 */
function assertIssuedNotInFuture(response: client.TokenEndpointResponseHelpers, clock: Clock, toleranceSeconds: number): void {
  const iat = response.claims()?.iat;
  if (typeof iat === 'number' && iat > clock() / 1000 + toleranceSeconds) throw new AuthError('clock_skew');
}

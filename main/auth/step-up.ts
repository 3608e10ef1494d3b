/**
 * Step-up authentication (RFC 9470): an API answers that the person's sign-in
 * is not strong or recent enough for what was asked; the app asks the same
 * person to sign in again with the requirement as `acr_values` / `max_age`,
 * and keeps the new tokens only when the new ID token shows it was met.
 *
 * Pure functions; what they change in an account, and the authorization that
 * asks for the stronger sign-in, are step-up-flow.ts's.
 *
 * @see RFC 9470 §3 (challenge), §4 (authorization request), §5 (ID token check);
 *      OpenID Connect Core 1.0 §3.1.2.1 (acr_values, max_age), §2 (acr, auth_time)
 */
import { insufficientUserAuthentication, type StepUpRequirement } from '../api/bearer-challenge';
import { AuthError } from './errors';
import type { ApiResponse } from './types';

export type { StepUpRequirement } from '../api/bearer-challenge';

/** How the person authenticated, from a verified ID token: `acr` and `auth_time` (epoch seconds). */
export interface AuthContext {
  acr?: string;
  authTime?: number;
}

/**
 * The requirement an API response states, or null. RFC 9470 §3 answers with
 * 401; a 403 carrying the same challenge is read alike (some gateways use it).
 */
export function stepUpChallenge(response: Pick<ApiResponse, 'status' | 'headers'>): StepUpRequirement | null {
  if (response.status !== 401 && response.status !== 403) return null;
  return insufficientUserAuthentication(response.headers['www-authenticate']);
}

/** `acr` and `auth_time` from ID token claims (as openid-client returns them after its checks); anything ill-typed is absent. */
export function authContextOf(claims: Record<string, unknown> | undefined): AuthContext {
  if (!claims) return {};
  const { acr, auth_time: authTime } = claims;
  return {
    ...(typeof acr === 'string' && acr.length > 0 ? { acr } : {}),
    ...(typeof authTime === 'number' && Number.isFinite(authTime) ? { authTime } : {}),
  };
}

/**
 * Why `auth` does not meet `req` (words for the person), or null when it does.
 * `toleranceSeconds` is the core's clock tolerance: the provider's clock and
 * this computer's may differ (the same allowance as for ID token times).
 */
export function unmetRequirement(req: StepUpRequirement, auth: AuthContext, nowMs: number, toleranceSeconds: number): string | null {
  if (req.acrValues && !(auth.acr !== undefined && req.acrValues.includes(auth.acr))) {
    return auth.acr === undefined
      ? 'the identity provider did not say how you signed in'
      : 'the identity provider confirmed a weaker kind of sign-in than the one asked for';
  }
  if (req.maxAge !== undefined) {
    if (auth.authTime === undefined) return 'the identity provider did not say when you signed in';
    if (auth.authTime + req.maxAge + toleranceSeconds < nowMs / 1000) return 'the identity provider did not ask you to sign in again';
  }
  return null;
}

/** The authorization request parameters that state the requirement (RFC 9470 §4). */
export function stepUpParams(req: StepUpRequirement): Record<string, string> {
  return {
    ...(req.acrValues ? { acr_values: req.acrValues.join(' ') } : {}),
    ...(req.maxAge !== undefined ? { max_age: String(req.maxAge) } : {}),
  };
}

/** What is required, in words. ACR values are the provider's names and are shown as they are. */
function describe(req: StepUpRequirement): string {
  const parts: string[] = [];
  if (req.acrValues) parts.push(`a stronger sign-in (${req.acrValues.join(' or ')})`);
  if (req.maxAge !== undefined) {
    parts.push(req.maxAge < 60 ? 'a sign-in just now' : `a sign-in within the last ${Math.round(req.maxAge / 60)} minute${req.maxAge < 120 ? '' : 's'}`);
  }
  return parts.join(' and ');
}

/** The API asked for more than the current sign-in: the call is refused until the person steps up (`requestStepUp`). */
export function stepUpRequired(api: string | undefined, apiName: string, req: StepUpRequirement): AuthError {
  return new AuthError(
    'step_up_required',
    `${apiName} needs ${describe(req)}. Confirm it is you in your browser to continue.`,
    api !== undefined ? { api } : undefined,
  );
}

/** The new sign-in did not meet the requirement: nothing was replaced. */
export function stepUpFailed(reason: string): AuthError {
  return new AuthError('step_up_failed', `The stronger sign-in did not succeed: ${reason}. Nothing was changed; you are still signed in as before.`);
}

/**
 * The API asks for what the current sign-in already has: another sign-in would
 * bring the same answer again, so this is the API's error, not the person's task.
 */
export function stepUpAlreadyMet(apiName: string): AuthError {
  return new AuthError(
    'server_error',
    `${apiName} asked for a stronger sign-in that you already have. The API is not working as it should; try again later or contact its administrator.`,
  );
}

/**
 * `acr` / `auth_time` of an ID token the core already holds. It was verified
 * by openid-client when it arrived (code or refresh grant), so only its
 * payload is read here; a token that does not decode gives nothing.
 */
export function heldAuthContext(idToken: string | undefined): AuthContext {
  const payload = idToken?.split('.')[1];
  if (payload === undefined) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? authContextOf(claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

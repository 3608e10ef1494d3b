/**
 * What a failed refresh grant means for the account, decided in one place for
 * every path that refreshes (start-up `restore()`, an API call, the
 * background retry while offline, an API's own token) and applied once, at
 * the grant boundary (`grantVerdict`, called by refresh-grant.ts): everything
 * above it receives a verdict, never a raw error to map again.
 *
 * The rule (SECURITY.md "Refresh and revocation"):
 *
 * | What the token endpoint did                               | Session   |
 * |-----------------------------------------------------------|-----------|
 * | answered 4xx (not 408/429), JSON or not, any `error` value | ended     |
 * | answered 429 or 408                                        | kept, retried after Retry-After / backoff |
 * | a proxy answered 407 (not the provider)                     | kept, `proxy_auth_required`, retried |
 * | answered 5xx                                               | kept, retried with backoff |
 * | could not be reached, timed out, TLS or proxy failure       | kept, retried with backoff |
 * | answered 2xx/3xx with something unusable (captive portal)   | kept, retried with backoff |
 *
 * A definitive refusal must end the session: a session that stays "signed
 * in" while every call fails has no way out but a sign-out the person does
 * not know they need (issue 10). Everything else is the network or the
 * provider being unwell, which passes.
 */
import { ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { CONSENT_ERRORS, consentRequired } from './consent-errors';
import { AuthError, isAuthError } from './errors';
import { isResponseLike, toAuthError } from './protocol-errors';
import { parseRetryAfter } from './backoff';

export const SESSION_ENDED_MESSAGE = 'Your sign-in was ended by the provider. Sign in again.';

export type RefreshVerdict =
  /** The provider refused: the session is over; `error` is the reason the window shows. */
  | { kind: 'ended'; error: AuthError }
  /** Passing trouble: keep the session, retry no sooner than `retryAfterMs` when the server said so. */
  | { kind: 'transient'; error: AuthError; retryAfterMs?: number };

/** A refresh grant's verdict: a refresh verdict, or (for an API's own token) "the grant does not cover it". */
export type GrantVerdict = RefreshVerdict | { kind: 'consent'; error: AuthError };

/** The verdict of a failed refresh grant; `api` when it asked for that API's own token (consent is possible then). */
export function grantVerdict(err: unknown, now: number, api?: string): GrantVerdict {
  const mapped = toAuthError(err, 'Refresh');
  const cause = isAuthError(err) ? err.cause : err;
  if (api !== undefined && cause instanceof ResponseBodyError && CONSENT_ERRORS.has(cause.error))
    return { kind: 'consent', error: consentRequired(api, mapped) };
  return classifyRefreshFailure(mapped, now);
}

/** The HTTP answer behind an error, found by walking its causes (openid-client wraps the Response). */
function httpAnswer(err: unknown): { status: number; oauthError?: string; response?: Response } | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    if (current instanceof ResponseBodyError) return { status: current.status, oauthError: current.error, response: current.response };
    if (current instanceof WWWAuthenticateChallengeError) return { status: current.status, response: current.response };
    if (isResponseLike(current)) return { status: current.status, response: current };
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function classifyRefreshFailure(err: unknown, now: number): RefreshVerdict {
  const answer = httpAnswer(err);
  const mapped = isAuthError(err) ? err : toAuthError(err, 'Refresh');
  if (answer === undefined && (mapped.code === 'invalid_grant' || mapped.code === 'session_ended')) {
    // Already classified as a refusal further down (e.g. a seed provider's own refresh dialect).
    return { kind: 'ended', error: new AuthError(mapped.code, SESSION_ENDED_MESSAGE, { cause: err }) };
  }
  if (answer === undefined) {
    // No HTTP answer at all: offline, timeout, DNS, TLS, proxy — or our own check of a 2xx body.
    return { kind: 'transient', error: mapped };
  }
  const { status } = answer;
  if (status === 407) {
    // The proxy between us and the provider wants credentials: the provider has not said anything.
    return { kind: 'transient', error: new AuthError('proxy_auth_required', undefined, { cause: err }) };
  }
  if (status === 429 || status === 408) {
    const retryAfterMs = parseRetryAfter(answer.response?.headers.get('retry-after'), now);
    return {
      kind: 'transient',
      error: new AuthError('server_error', 'The identity provider is busy. The app will try again shortly.', { cause: err }),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.response?.headers.get('retry-after'), now);
    return { kind: 'transient', error: new AuthError('server_error', undefined, { cause: err }), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (status >= 400) {
    // `invalid_grant` keeps its name (the common case, RFC 6749 §5.2); any other refusal is `session_ended`.
    const code = answer.oauthError === 'invalid_grant' ? 'invalid_grant' : 'session_ended';
    return { kind: 'ended', error: new AuthError(code, SESSION_ENDED_MESSAGE, { cause: err }) };
  }
  return { kind: 'transient', error: mapped };
}

/**
 * Maps what openid-client / oauth4webapi / fetch throw onto the stable
 * AuthError codes. The original error is kept as `cause` for debugging but its
 * message is never shown: it can quote response bodies.
 */
import { AuthorizationResponseError, ClientError, ResponseBodyError } from 'openid-client';
import { AuthError, isAuthError, transportFailure, type AuthErrorCode } from './errors';

/** OAuth `error` values (RFC 6749 §4.1.2.1, §5.2; OIDC Core §3.1.2.6) to our codes. */
export function codeForOAuthError(error: string | undefined, status?: number): AuthErrorCode {
  switch (error) {
    case 'access_denied':
    case 'login_required':
    case 'consent_required':
    case 'interaction_required':
    case 'account_selection_required':
      return 'access_denied';
    case 'invalid_grant':
      return 'invalid_grant';
    case 'server_error':
    case 'temporarily_unavailable':
      return 'server_error';
    case 'invalid_client':
    case 'unauthorized_client':
    case 'invalid_scope':
    case 'unsupported_grant_type':
    case 'unsupported_response_type':
    case 'invalid_request':
      return 'invalid_config';
    default:
      if (status !== undefined && status >= 500) return 'server_error';
      // The endpoint does not exist (wrong URL or tenant): a configuration mistake.
      if (status === 404 || status === 405) return 'invalid_config';
      return 'invalid_response';
  }
}

/**
 * A fetch Response, also one from another realm: the host may inject a fetch
 * whose Response class is not this one (undici from npm, Electron's `net`).
 */
export function isResponseLike(value: unknown): value is Response {
  if (value instanceof Response) return true;
  if (value === null || typeof value !== 'object') return false;
  const v = value as { status?: unknown; headers?: { get?: unknown } };
  return typeof v.status === 'number' && typeof v.headers?.get === 'function';
}

function isNetworkFailure(err: unknown): boolean {
  if (err instanceof DOMException) return err.name === 'TimeoutError' || err.name === 'AbortError';
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return true;
  // Electron's net.fetch rejects with Chromium's error name (`net::ERR_CONNECTION_REFUSED`, `net::ERR_INTERNET_DISCONNECTED`…).
  if (err instanceof Error && err.message.startsWith('net::ERR_')) return true;
  // undici reports connection failures as `TypeError: fetch failed`.
  return err instanceof TypeError && /fetch failed|network|ECONNREFUSED|terminated/i.test(err.message);
}

export function toAuthError(err: unknown, context: string): AuthError {
  if (isAuthError(err)) return err;
  // openid-client wraps what its customFetch threw (bounded-body.ts's "too large"): that is already ours.
  if (err instanceof ClientError && isAuthError(err.cause)) return err.cause;
  if (err instanceof ResponseBodyError) {
    const code = codeForOAuthError(err.error, err.status);
    return new AuthError(code, messageFor(code, context, { error: err.error, scope: (err.cause as { scope?: unknown }).scope }), { cause: err });
  }
  if (err instanceof AuthorizationResponseError) {
    const code = codeForOAuthError(err.error);
    return new AuthError(code, messageFor(code, context, { error: err.error, scope: err.cause.get('scope') }), { cause: err });
  }
  // An ID token dated in the future or already expired by this computer's clock.
  if ((err as { code?: unknown } | null)?.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') return new AuthError('clock_skew', undefined, { cause: err });
  const transport = transportFailure(err);
  if (transport) return transport;
  if (isNetworkFailure(err)) return new AuthError('network_error', undefined, { cause: err });
  if (err instanceof ClientError) {
    // A non-conforming response with a 5xx status is the server failing, not lying.
    const cause = err.cause;
    if (isResponseLike(cause) && cause.status >= 500) return new AuthError('server_error', undefined, { cause: err });
    if (isResponseLike(cause) && (cause.status === 404 || cause.status === 405)) {
      return new AuthError('invalid_config', `${context}: the provider has no such endpoint (HTTP ${cause.status}). Check the provider's URLs.`, {
        cause: err,
      });
    }
    if (isNetworkFailure(cause)) return new AuthError('network_error', undefined, { cause: err });
    return new AuthError('invalid_response', `${context}: the server's response was not valid.`, { cause: err });
  }
  return new AuthError('internal_error', undefined, { cause: err });
}

/**
 * The error of an authorization response (RFC 6749 §4.1.2.1) that reached the
 * redirect URI, worded as the same error from the token endpoint: an
 * `invalid_scope` names the scope refused (the response's `scope`, as
 * oidc-provider sends it, else the scopes that were asked for).
 */
export function authorizationResponseError(params: URLSearchParams, askedScopes: readonly string[]): AuthError {
  const error = params.get('error') ?? undefined;
  const code = codeForOAuthError(error);
  return new AuthError(code, messageFor(code, 'Sign-in', { error, scope: params.get('scope'), askedScopes }));
}

/** One scope list (RFC 6749 §3.3 scope-tokens), short enough to show; a provider's text in any other shape is not quoted. */
const SCOPE_LIST = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

function scopeToShow(scope: unknown): string | undefined {
  return typeof scope === 'string' && scope.length <= 200 && SCOPE_LIST.test(scope) ? scope : undefined;
}

interface OAuthErrorDetail {
  error?: string | undefined;
  /** The provider's `scope` with an `invalid_scope` (untrusted: quoted only when it is a scope list). */
  scope?: unknown;
  /** What the request asked for, named when the provider does not say which scope it refused. */
  askedScopes?: readonly string[];
}

function messageFor(code: AuthErrorCode, context: string, detail: OAuthErrorDetail = {}): string | undefined {
  switch (code) {
    case 'invalid_config': {
      const advice = 'Check the client ID, redirect URI and scopes.';
      if (detail.error !== 'invalid_scope') return `${context}: the provider rejected this app's request. ${advice}`;
      const refused = scopeToShow(detail.scope);
      const which = refused
        ? `the scope "${refused}"`
        : detail.askedScopes?.length
          ? `one of the scopes asked for ("${detail.askedScopes.join(' ')}")`
          : 'a scope asked for';
      return `${context}: the provider rejected this app's request: it refused ${which}. ${advice}`;
    }
    case 'server_error':
      return `${context}: the identity provider reported a server error. Try again later.`;
    default:
      return undefined;
  }
}

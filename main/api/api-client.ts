/**
 * Authenticated requests on the renderer's behalf. The token is attached here,
 * in the main process, and only to allow-listed API base URLs. A 401 leads to
 * one refresh and one retry, never a loop; redirects are followed by hand and
 * only while they stay inside the allow-list. A step-up challenge (RFC 9470)
 * is returned as it is: no refresh can satisfy it. A DPoP-bound token goes out with
 * a fresh proof on every request (and every redirect hop); a resource server's
 * `use_dpop_nonce` challenge gets exactly one retry with its nonce.
 */
import { drainBounded, readBoundedText } from './bounded-body';
import { AuthError, transportFailure } from '../auth/errors';
import type { ApiRequest, ApiResponse, BearerToken, DpopProofSigner, FetchLike, Logger } from '../auth/types';
import { insufficientUserAuthentication } from './bearer-challenge';
import { isUseDpopNonceChallenge, parseDpopNonce } from './dpop-challenge';
import { authorizationHeader, isCallerSettableHeader, isDpopToken } from './request-rules';
import { isAllowedRedirect, resolveApiUrl } from './resolve-url';

export interface ApiClientDeps {
  baseUrls: readonly string[];
  fetch: FetchLike;
  logger: Logger;
  /**
   * The current token; with `rejected`, that token was refused and must be
   * refreshed — or `null` when refreshing again would not help (the same
   * token's refresh was just forced): the refusal is then returned as it is.
   */
  accessToken(rejected?: string): Promise<BearerToken | null>;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /**
   * For APIs that answer an expired token with another error status and a
   * message rather than 401: an error body matching this means "refresh and
   * retry once" too.
   */
  expiredTokenPattern?: RegExp;
  /** Signs DPoP proofs when the session's tokens are DPoP-bound (RFC 9449 §7). */
  dpop?: DpopProofSigner;
}

/** Response headers the renderer may see; everything else (Set-Cookie…) stays in main. */
const EXPOSED_HEADERS = ['content-type', 'content-language', 'cache-control', 'etag', 'last-modified', 'www-authenticate', 'retry-after'];
const MAX_REDIRECTS = 3;

/**
 * For a body being drained or cancelled only to free the connection: if that
 * fails there is nothing to recover, and the answer (or error) already in hand
 * is what the caller gets.
 */
function ignoreFailure(): void {
  // Deliberately nothing: see above.
}

export async function apiRequest(deps: ApiClientDeps, req: ApiRequest): Promise<ApiResponse> {
  // Refused rather than stripped: a caller that sets Cookie or X-Forwarded-Host
  // expects it to be sent, and silently dropping it would hide the mistake.
  const refused = Object.keys(req.headers ?? {}).find((name) => !isCallerSettableHeader(name));
  if (refused !== undefined) {
    throw new AuthError(
      'invalid_request',
      'A request header is not one the caller may set (only content negotiation, conditional, caching and tracing headers are).',
    );
  }
  const url = resolveApiUrl(deps.baseUrls, req.path, req.query, typeof req.api === 'number' ? req.api : 0);
  let bearer = await deps.accessToken();
  // Only a retry may be refused; the first call always has a token (or throws).
  if (bearer === null) throw new AuthError('not_signed_in');
  const maxBytes = deps.maxResponseBytes ?? 5 * 1024 * 1024;
  let first = await send(deps, req, url, bearer);
  if (first.status === 401 && isDpopToken(bearer) && deps.dpop && isUseDpopNonceChallenge(first.headers.get('www-authenticate'))) {
    // RFC 9449 §9: the nonce came with this answer and is remembered by now; one retry, never a loop.
    await drainBounded(first, DRAIN_LIMIT_BYTES);
    deps.logger('debug', 'api.dpop_nonce_retry', {});
    first = await send(deps, req, url, bearer);
  }
  // RFC 9470: a refreshed token carries the same sign-in and would be refused alike; the core asks the person instead.
  if (first.status === 401 && insufficientUserAuthentication(first.headers.get('www-authenticate'))) return toApiResponse(first, maxBytes);
  if (first.status !== 401) {
    const result = await toApiResponse(first, maxBytes);
    // Any error status the API chooses (400, 403, 500…), never a success: retrying a request that succeeded could repeat its effect.
    const expired = deps.expiredTokenPattern !== undefined && result.status >= 400 && deps.expiredTokenPattern.test(result.body);
    if (!expired) return result;
    const next = await deps.accessToken(bearer.token);
    if (next === null) return result;
    bearer = next;
  } else {
    const next = await deps.accessToken(bearer.token);
    if (next === null) return toApiResponse(first, maxBytes);
    await first.body?.cancel().catch(ignoreFailure);
    bearer = next;
  }
  deps.logger('info', 'api.token_rejected_retry', { status: first.status });
  return toApiResponse(await send(deps, req, url, bearer), maxBytes);
}

/**
 * An error body is read to its end so the connection goes back to the
 * keep-alive pool for the retry; at most 16 KiB of it after decoding, then it
 * is cancelled.
 */
const DRAIN_LIMIT_BYTES = 16 * 1024;

function tooLarge(): AuthError {
  return new AuthError('invalid_response', 'The API response is too large to pass to the window.');
}

async function send(deps: ApiClientDeps, req: ApiRequest, firstUrl: URL, bearer: BearerToken): Promise<Response> {
  let url = firstUrl;
  let method = req.method;
  let body = req.body;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const headers = callerHeaders(req.headers);
    headers.authorization = authorizationHeader(bearer);
    // A proof per request and per hop: it names this method and URL (RFC 9449 §4.2).
    const dpop = isDpopToken(bearer) ? deps.dpop : undefined;
    if (dpop) headers.dpop = await dpop.proof(method, url, bearer.token);
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await deps.fetch(url, {
        method,
        headers,
        body: method === 'GET' ? undefined : body,
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw transportFailure(err) ?? new AuthError('network_error', undefined, { cause: err });
    }
    if (dpop) {
      const nonce = parseDpopNonce(response.headers.get('dpop-nonce'));
      if (nonce !== null) dpop.rememberNonce(url, nonce);
    }
    if (response.status < 300 || response.status >= 400 || response.status === 304) return response;
    const location = response.headers.get('location');
    await response.body?.cancel().catch(ignoreFailure);
    if (!location) return response;
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new AuthError('invalid_response', 'The API answered with a redirect to an invalid address.');
    }
    // The same path checks as a path asked for directly, on the Location as given and as parsed (finding 4).
    if (!isAllowedRedirect(location, next, deps.baseUrls)) {
      deps.logger('warn', 'api.redirect_refused', { origin: next.origin });
      throw new AuthError('host_not_allowed', 'The API redirected to an address this app may not call with your sign-in.');
    }
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
  throw new AuthError('invalid_response', 'The API redirected too many times.');
}

/**
 * The caller's headers by lower-case name, repeats joined as `Headers` would; a plain
 * object because fetch copies its `headers` into a list of its own anyway.
 */
function callerHeaders(given: Record<string, string> | undefined): Record<string, string> {
  // No prototype: a name can only ever be a header (the allow-list already refused the rest).
  const headers = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(given ?? {})) {
    const key = name.toLowerCase();
    const before = headers[key];
    headers[key] = before === undefined ? value : `${before}, ${value}`;
  }
  return headers;
}

async function toApiResponse(response: Response, maxBytes: number): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  for (const name of EXPOSED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  // Counted after decoding: a declared length is the compressed size (finding 2, SECURITY.md).
  const text = await readBoundedText(response, maxBytes, tooLarge);
  return { status: response.status, headers, body: text };
}

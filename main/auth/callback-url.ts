/**
 * Parses a redirect URL that reached the app (deep link or loopback request)
 * into an authorization response, with the checks in the order that matters:
 * size → shape (scheme/host/path) → duplicate parameters → state. Anything
 * that is not clearly ours is *ignored*, never allowed to end a genuine
 * pending sign-in: a forged link from another local app must not be a way to
 * cancel the person's real sign-in.
 *
 * @see RFC 6749 §4.1.2 (authorization response), RFC 8252 §7 (native redirects)
 */

/** A generous bound: real callbacks are a few hundred characters. */
export const MAX_CALLBACK_URL_LENGTH = 8192;

/** Parameters that must appear at most once (RFC 6749 §3.1). */
const SINGLE_VALUED = ['state', 'code', 'error', 'error_description', 'iss'] as const;

export type CallbackParse =
  | { kind: 'ignored'; reason: 'too_long' | 'unparseable' | 'not_our_redirect' | 'duplicate_parameter' | 'no_state' }
  | { kind: 'response'; state: string; url: URL; params: URLSearchParams }
  /**
   * No `state`, at a redirect URI whose sign-in was declared stateless (a
   * provider that does not echo it): the caller must bind it another way
   * (its own loopback listener, or PKCE).
   */
  | { kind: 'stateless'; target: string; url: URL; params: URLSearchParams };

export interface CallbackParseOptions {
  /** Redirect URIs where a callback without `state` is expected (else it is ignored as `no_state`). */
  statelessRedirectUris?: readonly string[];
  /** More parameters that must appear at most once (a profile's code or identity parameters). */
  singleValued?: readonly string[];
}

/** Normalizes a redirect URI for comparison: no query, no fragment, lower-case scheme and host. */
export function redirectTarget(url: URL): string {
  const u = new URL(url.href);
  u.search = '';
  u.hash = '';
  return u.href;
}

export function parseCallbackUrl(raw: string, expectedRedirectUris: readonly string[], opts: CallbackParseOptions = {}): CallbackParse {
  if (typeof raw !== 'string' || raw.length > MAX_CALLBACK_URL_LENGTH) return { kind: 'ignored', reason: 'too_long' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { kind: 'ignored', reason: 'unparseable' };
  }
  const target = redirectTarget(url);
  const isTarget = (expected: string) => {
    try {
      return redirectTarget(new URL(expected)) === target;
    } catch {
      return false;
    }
  };
  if (!expectedRedirectUris.some(isTarget)) return { kind: 'ignored', reason: 'not_our_redirect' };

  let params: URLSearchParams;
  try {
    params = url.searchParams;
    // Force decoding of every pair now: a malformed escape must not throw later.
    for (const _ of params) void _;
  } catch {
    return { kind: 'ignored', reason: 'unparseable' };
  }
  for (const name of [...SINGLE_VALUED, ...(opts.singleValued ?? [])]) {
    if (params.getAll(name).length > 1) return { kind: 'ignored', reason: 'duplicate_parameter' };
  }
  const state = params.get('state');
  if (state === null && (opts.statelessRedirectUris ?? []).some(isTarget)) return { kind: 'stateless', target, url, params };
  if (!state) return { kind: 'ignored', reason: 'no_state' };
  return { kind: 'response', state, url, params };
}

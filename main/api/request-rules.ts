/**
 * Rules for what the app sends to a provider or an API on the person's
 * behalf, shared by every caller: the IPC validator (renderer input) and the
 * core's `request()` (library callers) both use these, so one fix covers both.
 */
import type { BearerToken } from '../auth/types';

/**
 * The only headers a caller (the renderer over IPC, or a library caller of
 * `request()`) may set: content negotiation, conditional requests, caching
 * and tracing. Everything else is refused — an allow-list, because a deny-list
 * cannot know every header some gateway honours. What it keeps out:
 * credentials (`authorization`, `dpop`, `cookie`: the main process owns them),
 * framing (`content-length`, `transfer-encoding`, hop-by-hop: smuggling) and
 * routing (`host`, `proxy-*`, `x-original-url`, `x-rewrite-url`,
 * `x-forwarded-*`, `forwarded`, `x-http-method-override`: a gateway that
 * honours them moves the request, and its token, past the path-prefix check
 * in resolve-url.ts).
 */
const CALLER_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'accept-language',
  'content-type',
  'content-language',
  'cache-control',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
  'prefer',
  'idempotency-key',
  'x-request-id',
  'x-correlation-id',
  'traceparent',
  'tracestate',
]);

export function isCallerSettableHeader(name: string): boolean {
  return CALLER_HEADERS.has(name.toLowerCase());
}

/**
 * The `Authorization` header value for a token. Some providers answer
 * `token_type: "bearer"`; RFC 6750 §2.1 spells the scheme `Bearer`, and a few
 * resource servers compare it case-sensitively.
 */
export function authorizationHeader(token: BearerToken): string {
  const scheme = /^bearer$/i.test(token.type) ? 'Bearer' : isDpopToken(token) ? 'DPoP' : token.type;
  return `${scheme} ${token.token}`;
}

/**
 * A DPoP-bound token (`token_type` DPoP, RFC 9449 §5): sent with the `DPoP`
 * scheme and a proof. Anything else, Bearer included, is sent as issued.
 */
export function isDpopToken(token: BearerToken): boolean {
  return /^dpop$/i.test(token.type);
}

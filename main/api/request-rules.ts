/**
 * Rules for what the app sends to a provider or an API on the person's
 * behalf, shared by every caller: the IPC validator (renderer input) and the
 * core's `request()` (library callers) both use these, so one fix covers both.
 */
import type { BearerToken } from '../auth/types';

/**
 * Headers no caller may choose. The main process owns credentials
 * (`authorization`, `dpop`, `cookie`), routing (`host`, `proxy-*`) and framing
 * (`content-length`, `transfer-encoding` and the hop-by-hop headers): letting
 * a caller set them would allow token substitution or request smuggling.
 */
const FORBIDDEN_HEADERS = new Set([
  'authorization',
  'dpop',
  'cookie',
  'cookie2',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

export function isForbiddenHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  return FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-');
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

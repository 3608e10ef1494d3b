/**
 * Resolves the renderer's `{ path, query }` against the provider's configured
 * API base URLs. The result is always inside one base URL: same scheme, host,
 * port and path prefix. Anything else is `host_not_allowed`, so the person's
 * token never leaves for a host they did not configure.
 */
import { AuthError } from '../auth/errors';

function notAllowed(): AuthError {
  return new AuthError('host_not_allowed');
}

/**
 * More rounds than any honest path needs. A segment still changing after them
 * is refused rather than sent: something decodes it again further on, and what
 * it would become was not checked (four levels of `%25` before).
 */
const MAX_DECODE_ROUNDS = 8;

/** Percent-decodes until nothing changes, so `%25252e%25252e` is seen as `..`. */
function fullyDecoded(segment: string): string {
  let current = segment;
  for (let i = 0; i < MAX_DECODE_ROUNDS; i += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      throw notAllowed();
    }
    if (next === current) return current;
    current = next;
  }
  throw notAllowed();
}

// Control characters (C0, DEL, C1) anywhere in a decoded segment: no API path
// has one, and servers differ in whether they strip them ("..%00" → "..").
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** What some server may drop or fold before it resolves dots: whitespace and invisible format characters. */
const IGNORABLE = /[\s\p{Cf}]/gu;

/** RFC 3986 unreserved characters: a segment of only these decodes and NFKC-folds to itself. */
const UNRESERVED = /^[A-Za-z0-9._~-]*$/;
const DOTS = /^\.+$/;

/**
 * A segment that is, or decodes to, a run of dots ("." "..", also "..."), or
 * hides a separator, is refused — also with `;parameters` after it
 * ("..;/admin", servlet containers strip them before they resolve the dots),
 * with whitespace or invisible characters around the dots ("..%20", "%09..")
 * and in look-alike forms NFKC folds to dots or separators (full-width "．．",
 * "／", one-dot leader "․").
 */
function refuseDotSegments(path: string): void {
  for (const segment of path.split('/')) {
    // Unreserved ASCII only: nothing to decode or fold, so only "all dots" can be wrong (the common case, checked cheaply).
    if (UNRESERVED.test(segment)) {
      if (DOTS.test(segment)) throw notAllowed();
      continue;
    }
    const decoded = fullyDecoded(segment);
    if (CONTROL.test(decoded)) throw notAllowed();
    const folded = decoded.normalize('NFKC');
    if (/[/\\]/.test(decoded) || /[/\\]/.test(folded)) throw notAllowed();
    const name = (folded.split(';', 1)[0] ?? '').replace(IGNORABLE, '');
    if (DOTS.test(name)) throw notAllowed();
  }
}

export function resolveApiUrl(baseUrls: readonly string[], path: string, query?: Record<string, string>, apiIndex = 0): URL {
  const baseRaw = baseUrls[apiIndex];
  if (baseRaw === undefined) throw notAllowed();
  const base = new URL(baseRaw);
  // A trailing space is refused too: the URL parser would drop it, so what is sent would not be what was asked.
  // eslint-disable-next-line no-control-regex -- control characters in an API path are exactly what is rejected here
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || /[\\\u0000-\u001f\u007f#?]| $/.test(path)) {
    throw notAllowed();
  }
  // As given: the URL parser would resolve "." and ".." (also "%2e%2e") away before the check below saw them.
  refuseDotSegments(path);
  const basePath = base.pathname.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(`${base.origin}${basePath}${path}`);
  } catch {
    throw notAllowed();
  }
  // And as the parser left it, which is what is sent: it strips trailing spaces, so
  // "/%252e%252e " passes the check above and goes out as "/%252e%252e" — ".." to a
  // server that decodes twice (found by test/unit/fuzz-trust-boundaries.test.ts).
  refuseDotSegments(url.pathname.slice(basePath.length));
  if (!isWithinBase(url, base)) throw notAllowed();
  if (query) {
    for (const [key, value] of Object.entries(query)) url.searchParams.append(key, value);
  }
  return url;
}

/** True when `url` is on the base's origin and under its path. */
export function isWithinBase(url: URL, base: URL): boolean {
  if (url.origin !== base.origin || url.protocol !== base.protocol || url.username !== '' || url.password !== '') return false;
  const basePath = base.pathname.replace(/\/+$/, '');
  return basePath === '' || url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);
}

export function isWithinAnyBase(url: URL, baseUrls: readonly string[]): boolean {
  return baseUrls.some((b) => isWithinBase(url, new URL(b)));
}

/** The path of a Location value as the server wrote it: no scheme, authority, query or fragment. */
function pathAsGiven(location: string): string {
  let rest = location.split('#', 1)[0]?.split('?', 1)[0] ?? '';
  rest = rest.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, '');
  if (/^[/\\]{2}/.test(rest)) rest = rest.replace(/^[/\\]{2}[^/\\]*/, '');
  return rest;
}

/**
 * Whether the token may follow an API's redirect: the same path checks as a
 * renderer's own path (a hostile API answering `302 /api-a/..;/api-b/secret`
 * must not get what asking directly would not), on the `Location` as given and
 * as parsed (`next`, what would be sent), and inside a base.
 */
export function isAllowedRedirect(location: string, next: URL, baseUrls: readonly string[]): boolean {
  try {
    refuseDotSegments(pathAsGiven(location));
    refuseDotSegments(next.pathname);
  } catch {
    return false;
  }
  return isWithinAnyBase(next, baseUrls);
}

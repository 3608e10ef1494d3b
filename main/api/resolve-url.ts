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

/** Percent-decodes repeatedly (bounded) so `%252e%252e` is seen as `..`. */
function fullyDecoded(segment: string): string {
  let current = segment;
  for (let i = 0; i < 3; i += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      throw notAllowed();
    }
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * A segment that is, or decodes to, "." or "..", or hides a separator, is
 * refused — also with `;parameters` after it ("..;/admin"), which servlet
 * containers strip before they resolve the dots.
 */
function refuseDotSegments(path: string): void {
  for (const segment of path.split('/')) {
    const decoded = fullyDecoded(segment);
    const name = decoded.split(';', 1)[0];
    if (name === '.' || name === '..' || decoded.includes('/') || decoded.includes('\\')) throw notAllowed();
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

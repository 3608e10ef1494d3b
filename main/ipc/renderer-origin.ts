/**
 * What "our renderer" is: the one origin `app://renderer`. The IPC sender
 * check, the navigation rules and the `app:` protocol handler all ask this
 * module, so they cannot disagree. Electron-free, so the IPC layer can use it
 * and the platform adapters (which import `electron`) sit above it.
 */
export const APP_SCHEME = 'app';
const RENDERER_HOST = 'renderer';
export const RENDERER_ORIGIN = `${APP_SCHEME}://${RENDERER_HOST}`;
export const RENDERER_INDEX_URL = `${RENDERER_ORIGIN}/index.html`;

/** An origin the sender check trusts, parsed once: the scheme and the host with its port. */
interface TrustedOrigin {
  protocol: string;
  host: string;
}

/**
 * Parses the origins a host app serves its renderer from (`app://renderer`,
 * `http://localhost:5173` in development, `file://` for pages loaded from
 * disk). Compared by scheme and host, not `URL.origin`: for non-special
 * schemes such as `app:` the WHATWG origin is the opaque "null", which would
 * match every such URL. Throws on anything that is not a bare origin, so a
 * typo (a path, a wildcard) fails at start-up instead of trusting too much.
 */
function parseTrustedOrigin(origin: string): TrustedOrigin {
  let parsed: URL | null = null;
  try {
    parsed = new URL(origin);
  } catch {
    // reported below
  }
  const bare =
    parsed !== null && parsed.username === '' && parsed.password === '' && parsed.search === '' && parsed.hash === '' && /^\/?$/.test(parsed.pathname);
  if (parsed === null || !bare || (parsed.host === '' && parsed.protocol !== 'file:'))
    throw new TypeError(`"${origin}" is not an origin the renderer can be served from (e.g. "app://renderer", "http://localhost:5173" or "file://")`);
  return { protocol: parsed.protocol, host: parsed.host };
}

/**
 * A predicate that is true only for URLs on exactly one of `origins`: no
 * user info, no other port, no look-alike host (`app://renderer.evil/`,
 * `app://renderer@evil/`, `app://x@renderer/`). Parsed with `URL`, never
 * compared as text. `file://` trusts every page loaded from disk; the sender
 * check still requires the app's own window.
 */
export function rendererUrlMatcher(origins: readonly string[]): (url: string) => boolean {
  const trusted = origins.map(parseTrustedOrigin);
  // The window asks with the same URL on every message: a repeat of the last match is not parsed again.
  let lastMatch: string | undefined;
  return (url) => {
    if (typeof url !== 'string') return false;
    if (url === lastMatch) return true;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.username !== '' || parsed.password !== '') return false;
    const matches = trusted.some((t) => t.protocol === parsed.protocol && t.host === parsed.host);
    if (matches) lastMatch = url;
    return matches;
  };
}

/** True only for URLs on exactly `app://renderer`, this app's own renderer. */
export const isRendererUrl: (url: string) => boolean = rendererUrlMatcher([RENDERER_ORIGIN]);

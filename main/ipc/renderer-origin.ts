/**
 * What "our renderer" is: the one origin `app://renderer`. The IPC sender
 * check, the navigation rules and the `app:` protocol handler all ask this
 * module, so they cannot disagree. Electron-free, so the IPC layer can use it
 * and the platform adapters (which import `electron`) sit above it.
 */
export const APP_SCHEME = 'app';
const RENDERER_HOST = 'renderer';
const RENDERER_ORIGIN = `${APP_SCHEME}://${RENDERER_HOST}`;
export const RENDERER_INDEX_URL = `${RENDERER_ORIGIN}/index.html`;

/**
 * True only for URLs on exactly `app://renderer`: no user info, no port, no
 * look-alike host (`app://renderer.evil/`, `app://renderer@evil/`,
 * `app://x@renderer/`). Parsed with `URL`, never compared as text.
 */
export function isRendererUrl(url: string): boolean {
  if (typeof url !== 'string') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host === RENDERER_HOST &&
    parsed.hostname === RENDERER_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/**
 * The renderer is served from `app://renderer/…` rather than `file://`:
 * a standard, secure scheme gives it a real origin (so `'self'` in the CSP
 * and the IPC sender check mean something) and keeps `file://` — which can
 * reach the whole disk — out of the picture.
 */
import path from 'node:path';
import { protocol } from 'electron';
import { nodeFsPromises } from '../auth/lazy-builtins';
import { APP_SCHEME, isRendererUrl } from '../ipc/renderer-origin';

/**
 * Sent with every HTML page. Everything comes from the app itself; no inline
 * script, no plugins, no frames, no form posts anywhere. The renderer reaches
 * the network only through the preload's IPC bridge.
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Must run before `app` is ready (Electron's rule for privileged schemes). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves `rootDir` at `app://renderer/`. Call after ready. */
export function serveRenderer(rootDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rootDir));
}

/**
 * Maps a request URL to a file under `rootDir`, or null when the URL is not
 * ours or would leave `rootDir` (`..`, encoded `%2e%2e%2f`, backslashes,
 * NUL). The resolved path must stay under the root: checked after
 * resolution, not by looking for `..` in the text.
 */
export function resolveRendererPath(rootDir: string, requestUrl: string): string | null {
  if (!isRendererUrl(requestUrl)) return null;
  const url = new URL(requestUrl);
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const root = path.resolve(rootDir);
  const resolved = path.resolve(root, `.${pathname}`);
  if (!resolved.startsWith(root + path.sep)) return null;
  return resolved;
}

export function createAppProtocolHandler(
  rootDir: string,
  read: (file: string) => Promise<Uint8Array> = (file) => nodeFsPromises().readFile(file),
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method Not Allowed');
    const file = resolveRendererPath(rootDir, request.url);
    if (file === null) return plain(403, 'Forbidden');
    let body: Uint8Array;
    try {
      body = await read(file);
    } catch {
      return plain(404, 'Not Found');
    }
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const headers: Record<string, string> = {
      'Content-Type': type,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    };
    if (type.startsWith('text/html')) headers['Content-Security-Policy'] = RENDERER_CSP;
    return new Response(request.method === 'HEAD' ? null : Buffer.from(body), { status: 200, headers });
  };
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
}

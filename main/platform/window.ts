/**
 * The one app window, locked down the way Electron's security checklist asks:
 * isolated, sandboxed, no Node in the renderer, no navigation away from the
 * app's own origin, no new windows, no `<webview>`, no permissions.
 */
import { BrowserWindow, type Session, type WebContents, type WebPreferences } from 'electron';
import { noopLogger } from '../auth/log';
import type { Logger } from '../auth/types';
import { isRendererUrl } from '../ipc/renderer-origin';

export interface MainWindowOptions {
  preloadPath: string;
  /** Usually `RENDERER_INDEX_URL` (`app://renderer/index.html`). */
  url: string;
  title?: string;
  /**
   * DevTools (Ctrl+Shift+I). Off unless asked for: the composition root asks
   * only in a development run (`!app.isPackaged`), so a packaged build has none.
   */
  devTools?: boolean;
  logger?: Logger;
}

/** The renderer's webPreferences; pure so a test can assert every flag. */
export function secureWebPreferences(preloadPath: string, opts: { devTools?: boolean } = {}): WebPreferences {
  return {
    preload: preloadPath,
    // A packaged build ships without DevTools: they would let anyone at the keyboard script the trusted page.
    devTools: opts.devTools === true,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    // Middle-click (auxclick) could open links outside the window-open handler's view.
    disableBlinkFeatures: 'Auxclick',
  };
}

/** Keeps `contents` on the app's origin; anything else is refused. */
const hardened = new WeakSet<WebContents>();

/**
 * `isAllowed`: where the page may navigate by itself (default: this app's renderer, `app://renderer`);
 * `installAuth` passes the host's renderer origins.
 */
export function hardenWebContents(contents: WebContents, opts: Pick<MainWindowOptions, 'logger'> & { isAllowed?: (url: string) => boolean } = {}): void {
  // Called for the main window and again from `web-contents-created` for every contents: once is enough.
  if (hardened.has(contents)) return;
  hardened.add(contents);
  const log = opts.logger ?? noopLogger;
  const isAllowed = opts.isAllowed ?? isRendererUrl;
  denyDownloads(contents.session, log);
  const refuse = (kind: string) => (event: { url: string; preventDefault(): void }) => {
    if (isAllowed(event.url)) return;
    event.preventDefault();
    log('warn', 'window.navigation_blocked', { kind, origin: originOf(event.url) });
  };
  contents.on('will-navigate', refuse('navigate'));
  contents.on('will-frame-navigate', refuse('frame-navigate'));
  contents.on('will-redirect', refuse('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('warn', 'window.webview_blocked');
  });
  // Denied, and never handed to the system browser: the UI has no external links, and
  // opening what an injected page asks for would be a channel around connect-src 'none'.
  contents.setWindowOpenHandler(({ url }) => {
    log('info', 'window.open_denied', { origin: originOf(url) });
    return { action: 'deny' };
  });
}

const downloadsDenied = new WeakSet<Session>();

/**
 * A download the page starts (a link with `download`, a navigation to a file)
 * would open a save dialog on the page's behalf: the app downloads nothing, so
 * every one is cancelled. Per session, once: contents share their session.
 */
function denyDownloads(session: Session, log: Logger): void {
  if (downloadsDenied.has(session)) return;
  downloadsDenied.add(session);
  session.on('will-download', (event, item) => {
    event.preventDefault();
    log('warn', 'window.download_blocked', { origin: originOf(item.getURL()) });
  });
}

/**
 * No camera, microphone, notifications, geolocation, clipboard reading, … : the app needs none.
 * One exception: the app's own page may WRITE to the clipboard ("Copy link", "Copy code" use
 * `navigator.clipboard.writeText`, which Chromium asks as `clipboard-sanitized-write`).
 */
function denyAllPermissions(session: Session): void {
  const allowed = (permission: string, url: string | undefined) => permission === CLIPBOARD_WRITE && url !== undefined && isRendererUrl(url);
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(allowed(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowed(permission, requestingOrigin));
}

const CLIPBOARD_WRITE = 'clipboard-sanitized-write';

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 960,
    height: 720,
    title: opts.title ?? 'OIDC Desktop',
    show: false,
    webPreferences: secureWebPreferences(opts.preloadPath, { devTools: opts.devTools === true }),
  });
  denyAllPermissions(win.webContents.session);
  hardenWebContents(win.webContents, opts);
  win.once('ready-to-show', () => {
    win.show();
  });
  void win.loadURL(opts.url).catch((err: unknown) => {
    (opts.logger ?? noopLogger)('error', 'window.load_failed', { message: err instanceof Error ? err.message : 'unknown' });
  });
  return win;
}

/** Logged instead of the full URL: a URL can carry a code or a token in its query. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid';
  }
}

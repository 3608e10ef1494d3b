/**
 * The main-process glue as one call, for this app and for any Electron app
 * that wants its sign-in (`oidc-desktop/main`): the OS deep links of the
 * sign-in scheme (macOS `open-url`, Windows/Linux `second-instance` argv, a
 * cold start's own argv), the OS protocol registration, the vault
 * (`safeStorage` ciphertext in electron-store), Electron's `net` for every
 * provider and API request, the core, and the IPC handlers behind the sender
 * check, with session changes pushed to the window.
 *
 * It is async but registers every listener synchronously, before its first
 * `await`: called before `ready` (as it must be for a cold start by the link
 * on macOS), the `open-url` that arrives before `ready` is not lost. It
 * resolves once the app is ready and the core exists; links that arrived in
 * between are handed over then, in order (DeepLinkInbox).
 *
 * What stays with the host app: its window, the single-instance lock
 * (without it Windows and Linux start a second process for each link instead
 * of raising `second-instance`), and its renderer's own protocol.
 */
import path from 'node:path';
import { ipcMain as electronIpcMain, type App, type BrowserWindow } from 'electron';
import { createAuthCore, type AuthCoreOptions } from '../auth/auth-core';
import { parseAppConfig, SCHEME_RE, type AppConfig } from '../auth/config';
import { DiscoveryStore } from '../auth/discovery-store';
import { AuthError, isAuthError } from '../auth/errors';
import type { AuthCore, Cipher, FetchLike, KeyValueStore, Logger, UrlOpener } from '../auth/types';
import { Vault } from '../auth/vault';
import { DeepLinkInbox, extractDeepLink } from '../deep-link';
import type { AppInfo } from '../ipc/contract-types';
import { registerIpcHandlers, type IpcMainLike } from '../ipc/handlers';
import { RENDERER_ORIGIN, rendererUrlMatcher } from '../ipc/renderer-origin';
import { createSenderCheck, forwardSessionChanges } from '../ipc/renderer-window';
import { runCleanups, type Cleanup } from './cleanups';
import { createElectronStoreKv } from './electron-store-kv';
import { hardenWebContents } from './window';
import { createNetFetch, installProxyLogin, proxyLoginAnswer, type ProxyCredentials } from './net-fetch';
import { createSafeStorageCipher } from './safe-storage-cipher';
import { createShellOpener } from './shell-opener';

/** The part of Electron's `app` the glue uses. */
export type AuthApp = Pick<App, 'on' | 'removeListener' | 'whenReady' | 'isReady' | 'setAsDefaultProtocolClient'>;

/** The part of a `BrowserWindow` the glue uses: IPC sender, session pushes, focus on a link. */
export type AuthWindow = Pick<BrowserWindow, 'isDestroyed' | 'isMinimized' | 'restore' | 'show' | 'focus'> & {
  readonly webContents: Pick<BrowserWindow['webContents'], 'id' | 'send'>;
};

/**
 * The configuration, known at once (the usual case), or only after `ready`
 * (this app's demo provider picks its port then): the scheme must be known
 * before, to catch the links of a cold start.
 */
export type AuthConfigSource = { config: AppConfig } | { scheme: string; config: () => Promise<AppConfig> };

/** What `installAuth` needs from the host app; everything but `app`, `config` and `getWindow` has a default. */
export type InstallAuthOptions = AuthConfigSource & {
  /** Electron's `app`. */
  app: AuthApp;
  /** The window the renderer runs in, or null while there is none: only its web contents may use the IPC channels. */
  getWindow: () => AuthWindow | null;
  /**
   * Where the renderer is served from, compared by scheme and host
   * (`rendererUrlMatcher`). Default `app://renderer`. `file://` trusts any
   * page from disk in that window; a development server is e.g.
   * `http://localhost:5173`.
   */
  rendererOrigins?: readonly string[];
  /**
   * Every web contents created after this call gets the window rules the page's `window.auth`
   * depends on (`hardenWebContents`): it navigates by itself only to `rendererOrigins` — never to
   * a `file:` page, since a file dropped on the window would otherwise load there with the preload
   * and pass the sender check —, opens no new window, attaches no `<webview>`, downloads nothing.
   * Default true; `false` leaves all of that to the host.
   */
  hardenWebContents?: boolean;
  /** Default: `electron`'s `ipcMain`. */
  ipcMain?: IpcMainLike;
  /** Structured logs; never given a token, code or verifier. Default: none. */
  logger?: Logger;
  /**
   * `process.argv`, `process.defaultApp`, `process.execPath`: a cold start's
   * link, and how the OS must start the app in development
   * (`electron path/to/app`). Defaults: this process's.
   */
  argv?: readonly string[];
  defaultApp?: boolean;
  execPath?: string;
  /** The electron-store file in userData that holds the ciphertext. Default `vault` (vault.json). */
  storeName?: string;
  /** Replaces the safeStorage cipher (e.g. a hardware-backed one). */
  cipher?: Cipher;
  /** Replaces the electron-store file. */
  store?: KeyValueStore;
  /** Replaces `shell.openExternal` (which only ever gets a vetted https/loopback URL). */
  openUrl?: UrlOpener;
  /** Replaces Electron's `net` (system proxy settings and the OS trust store); `proxyCredentials` then does not reach its requests. */
  fetch?: FetchLike;
  /**
   * Credentials for a proxy that asks for them: given once per request, only to the proxy they
   * name (`proxyLoginAnswer`); without it a proxy challenge fails the request with `proxy_auth_required`.
   */
  proxyCredentials?: () => ProxyCredentials | null;
  /** The core's own tuning (timeouts, clock, app name); the glue supplies config, vault, network and opener. */
  core?: Omit<AuthCoreOptions, 'config' | 'vault' | 'discovery' | 'openUrl' | 'fetch' | 'logger'>;
  /** Builds the core; default `createAuthCore`. A host wraps it to observe the core before the first link reaches it. */
  createCore?: (options: AuthCoreOptions) => AuthCore | Promise<AuthCore>;
  /**
   * What the window's `getAppInfo` answers: the product name it shows in its heading and title, and its
   * language (main/i18n/strings.ts). Default: no name (the window says "Sign in"), English.
   */
  appInfo?: AppInfo | (() => AppInfo);
};

export interface InstalledAuth {
  /** The auth core the page drives through `window.auth`, for the main process's own use (e.g. `core.request`). */
  core: AuthCore;
  /** The configuration in effect (the resolved one when it came late). */
  config: AppConfig;
  /**
   * Removes the IPC handlers and listeners and disposes the core (call it on `will-quit`). Never rejects:
   * a step that throws is logged (`app.cleanup_failed`, its error code only) and the rest still run.
   */
  dispose(): Promise<void>;
}

const silent: Logger = () => undefined;
/** electron-store makes `<userData>/<storeName>.json` of it: a name, never a path out of userData. */
const STORE_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,64}$/;

/**
 * Wires sign-in into the host's Electron app: deep links and the OS protocol
 * registration at once, then (after `ready`) vault, network, core and IPC.
 * Rejects, having removed everything it added, when the configuration's
 * scheme is not the registered one (`invalid_config`) or the core cannot be
 * built.
 */
export async function installAuth(options: InstallAuthOptions): Promise<InstalledAuth> {
  const { app } = options;
  const log = options.logger ?? silent;
  // Checked before anything is registered with the OS or Electron: the scheme (the configuration's
  // is checked again once it is parsed), the store's file name, the renderer origins.
  const scheme = 'scheme' in options ? options.scheme : options.config.scheme;
  if (typeof scheme !== 'string' || !SCHEME_RE.test(scheme))
    throw new AuthError('invalid_config', `scheme ${JSON.stringify(scheme)} must be a reverse-DNS name such as "com.example.desktop" (RFC 8252 §7.1).`);
  if (options.storeName !== undefined && !STORE_NAME.test(options.storeName))
    throw new AuthError('invalid_config', `storeName "${options.storeName}" must be a plain file name (letters, digits, ".", "_", "-"), not a path.`);
  let isRenderer: (url: string) => boolean;
  try {
    isRenderer = rendererUrlMatcher(options.rendererOrigins ?? [RENDERER_ORIGIN]);
  } catch (err) {
    throw new AuthError('invalid_config', `rendererOrigins: ${(err as Error).message}.`, { cause: err });
  }
  const argv = options.argv ?? process.argv;
  const cleanups: Cleanup[] = [];

  if (options.hardenWebContents !== false) {
    // A programmatic load (loadURL/loadFile) is not a `will-navigate`: only what the page itself starts is refused.
    const isAllowed = (url: string) => isRenderer(url) && !url.startsWith('file:');
    const onContents = (_event: Electron.Event, contents: Electron.WebContents) => {
      hardenWebContents(contents, { logger: log, isAllowed });
    };
    app.on('web-contents-created', onContents);
    cleanups.push(() => {
      app.removeListener('web-contents-created', onContents);
    });
  }

  registerProtocolClient(app, scheme, { argv, defaultApp: options.defaultApp ?? process.defaultApp, execPath: options.execPath ?? process.execPath }, log);

  const inbox = new DeepLinkInbox();
  // macOS delivers links by event, possibly before `ready` (a cold start by the link). Electron's docs
  // suggest `will-finish-launching` for the listener; added at once, it is there before that too, and a
  // host that calls this after `will-finish-launching` (but before `ready`) does not lose its links.
  const onOpenUrl = (event: Electron.Event, url: string) => {
    event.preventDefault();
    inbox.deliver(extractDeepLink([url], scheme));
  };
  // Windows/Linux: the OS starts a second process with the link in argv; it quits and we get its argv.
  const onSecondInstance = (_event: Electron.Event, secondArgv: string[]) => {
    inbox.deliver(extractDeepLink(secondArgv, scheme));
    focus(options.getWindow());
  };
  app.on('open-url', onOpenUrl);
  app.on('second-instance', onSecondInstance);
  cleanups.push(() => {
    app.removeListener('open-url', onOpenUrl);
    app.removeListener('second-instance', onSecondInstance);
  });
  inbox.deliver(extractDeepLink(argv, scheme));

  const dispose = () => runCleanups(cleanups, log);

  try {
    await app.whenReady();
    // Parsed again: a host written in JavaScript may hand in a plain object; parsing a parsed
    // configuration gives the same configuration (the packaged app reads back what the build wrote).
    const config = parseAppConfig(typeof options.config === 'function' ? await options.config() : options.config);
    if (config.scheme !== scheme) {
      throw new AuthError('invalid_config', `The configuration's scheme (${config.scheme}) is not the one the app registered (${scheme}).`);
    }
    // After `ready`: safeStorage only encrypts then, and electron-store reads userData.
    const cipher = options.cipher ?? createSafeStorageCipher();
    const store = options.store ?? createElectronStoreKv({ name: options.storeName ?? 'vault' });
    const vault = new Vault({ cipher, store, allowWeakStorage: config.allowWeakStorage ?? false, logger: log });
    // APIs connected by URL and the app's registrations: beside the vault, same cipher, same storage verdict.
    const discovery = new DiscoveryStore({ cipher, store, status: () => vault.status(), logger: log });
    // One decision for every proxy challenge: the app's `login` event and each request's own (net-fetch.ts).
    const proxyLogin = options.proxyCredentials ? proxyLoginAnswer({ credentials: options.proxyCredentials, logger: log }) : undefined;
    if (proxyLogin) cleanups.push(installProxyLogin(proxyLogin));
    const core = await (options.createCore ?? createAuthCore)({
      ...options.core,
      config,
      vault,
      discovery,
      openUrl: options.openUrl ?? createShellOpener(),
      logger: log,
      fetch: options.fetch ?? createNetFetch(undefined, proxyLogin),
    });
    cleanups.push(() => core.dispose());
    cleanups.push(
      registerIpcHandlers({
        ipcMain: options.ipcMain ?? electronIpcMain,
        core,
        isTrustedSender: createSenderCheck(options.getWindow, isRenderer),
        // A function is asked after `ready`: Electron's `app.getLocale()` is only valid then.
        appInfo: (typeof options.appInfo === 'function' ? options.appInfo() : options.appInfo) ?? { productName: '', version: '', language: 'en' },
      }),
    );
    cleanups.push(forwardSessionChanges(core, options.getWindow));
    inbox.attach((url) => {
      try {
        const handled = core.handleRedirect(url);
        log('info', 'deep_link.received', { handled });
        // The browser handed the sign-in back: the window comes to the front (macOS and a cold start get no second-instance).
        if (handled) focus(options.getWindow());
      } catch (err) {
        log('warn', 'deep_link.failed', { errorCode: isAuthError(err) ? err.code : 'internal_error' });
      }
    });
    void core.restore();
    return { core, config, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Tells the OS to start this app for `<scheme>:` links. */
function registerProtocolClient(app: AuthApp, scheme: string, proc: { argv: readonly string[]; defaultApp: boolean; execPath: string }, log: Logger): void {
  let ok: boolean;
  if (proc.defaultApp) {
    // `electron path/to/app`: the OS must start electron WITH our script, or the link would open a bare Electron.
    // The script is the first argument that is not a switch (`electron --inspect=0 .` as Playwright starts it).
    const script = proc.argv.slice(1).find((arg) => !arg.startsWith('-'));
    ok = script !== undefined && app.setAsDefaultProtocolClient(scheme, proc.execPath, [path.resolve(script)]);
  } else {
    ok = app.setAsDefaultProtocolClient(scheme);
  }
  log(ok ? 'info' : 'warn', 'app.protocol_client', { scheme, registered: ok });
}

function focus(win: AuthWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

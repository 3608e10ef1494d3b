/**
 * Composition root: the Electron app's lifecycle, wired to the Electron-free
 * auth core.
 *
 * Start-up order matters:
 * 1. before `ready`: read the configuration (to know our URI scheme), take the
 *    single-instance lock, register the `app:` scheme, then `installAuth`
 *    (main/platform/install-auth.ts, the same glue other apps get from
 *    `oidc-desktop/main`) registers the deep-link listeners and the OS
 *    protocol handler and queues a cold start's own argv link;
 * 2. on `ready`: serve the renderer, start the demo provider if there is no
 *    configuration; installAuth builds vault → core → IPC and hands the queued
 *    deep links to the core; then the window opens.
 *
 * `main()` is exported (and only auto-runs outside vitest) so the wiring can be
 * tested with `vi.mock('electron')`; every collaborator can be overridden.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, type BrowserWindow } from 'electron';
import { DEMO_SCHEME, demoAppConfig, loadAppConfig } from './app-config';
import type { AuthCoreOptions } from './auth/auth-core';
import type { AppConfig } from './auth/config';
import { isAuthError } from './auth/errors';
import { nodeChildProcess, nodeFsPromises } from './auth/lazy-builtins';
import { jsonLinesLogger } from './auth/log';
import type { AuthCore, Cipher, KeyValueStore, Logger, LogLevel, UrlOpener } from './auth/types';
import type { DemoProvider } from './demo/demo-provider';
import { RENDERER_INDEX_URL } from './ipc/renderer-origin';
import { registerAppScheme, serveRenderer } from './platform/app-protocol';
import { readAdminConfig } from './platform/admin-config';
import { installAppMenu } from './platform/app-menu';
import { runCleanups, type Cleanup } from './platform/cleanups';
import { format, languageFor } from './i18n/strings';
import { createMainWindow } from './platform/window';
import { proxyCredentialsFromEnv } from './platform/net-fetch';
import { installAuth } from './platform/install-auth';
import { registerAppImageScheme, runsAsAppImage } from './platform/appimage-scheme';
import { DEFAULT_DESKTOP_NAMES, DESKTOP_NAMES_FILE, loadDesktopNames, type DesktopNames } from './desktop-names';
import os from 'node:os';

const DEMO_REDIRECT_URI = `${DEMO_SCHEME}:/callback`;

export interface MainDeps {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** `app.isPackaged`: false in a development run (`electron .`); decides DevTools and where configuration may come from. */
  packaged: boolean;
  /** `process.defaultApp`: true when run as `electron path/to/main.js` (development). */
  defaultApp: boolean;
  execPath: string;
  /** `process.platform`: what the AppImage registration and the quit-on-last-window rule depend on. */
  platform: NodeJS.Platform;
  paths: { preload: string; renderer: string };
  logger: Logger;
  /** The configuration; `packaged` decides which sources may supply it (app-config.ts). */
  loadConfig: (packaged: boolean) => AppConfig | null;
  startDemo: (opts: { redirectUris: string[]; stateFile?: string }) => Promise<Pick<DemoProvider, 'issuer' | 'apiBaseUrl' | 'clientId' | 'close'>>;
  /**
   * The sign-in glue's collaborators, for tests; each defaults to installAuth's own (the
   * safeStorage cipher, electron-store, the shell opener, createAuthCore). The network is always
   * Electron's `net`, with the proxy answer of `proxyCredentialsFromEnv`.
   */
  createCore?: (opts: AuthCoreOptions) => AuthCore | Promise<AuthCore>;
  createCipher?: () => Cipher;
  createStore?: () => KeyValueStore;
  openUrl?: UrlOpener;
  /** The product and Linux executable names the package was built with (dist/config/desktop-names.json). */
  desktopNames: () => DesktopNames;
  registerAppImageScheme: typeof registerAppImageScheme;
}

/** What a running app is made of (returned for tests and for orderly shutdown). */
export interface AppContext {
  config: AppConfig;
  core: AuthCore;
  window(): BrowserWindow | null;
}

export interface MainHandle {
  /** The scheme the app registered, or null when it quit before choosing one. */
  scheme: string | null;
  /** Resolves once the core and window exist; null when the app is quitting instead. */
  ready: Promise<AppContext | null>;
}

function defaultDeps(): MainDeps {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const logger = jsonLinesLogger(logLevelFrom(process.env.OIDC_DESKTOP_LOG), (line) => process.stdout.write(`${line}\n`));
  return {
    argv: process.argv,
    env: process.env,
    packaged: app.isPackaged,
    defaultApp: process.defaultApp,
    execPath: process.execPath,
    platform: process.platform,
    // The build puts the bundle in dist/main, the preload in dist/preload, the renderer in dist/renderer.
    paths: { preload: path.join(here, '../preload/index.cjs'), renderer: path.join(here, '../renderer') },
    logger,
    // Read lazily, after a possible OIDC_DESKTOP_USER_DATA override. The packaged
    // configuration is written by the build (scripts/build-app-config.ts) next to dist/main.
    loadConfig: (packaged) =>
      loadAppConfig({
        env: process.env,
        readFile: (p) => readFileSync(p, 'utf8'),
        userDataDir: app.getPath('userData'),
        packagedConfigPath: path.join(here, '../config/app.config.json'),
        // Packaged: overrides only from where an administrator writes (never userData or the environment).
        packaged,
        readAdminConfig: () =>
          readAdminConfig({
            platform: process.platform,
            names: loadDesktopNames((p) => readFileSync(p, 'utf8'), path.join(here, '../config', DESKTOP_NAMES_FILE)),
          }),
      }),
    desktopNames: () => loadDesktopNames((p) => readFileSync(p, 'utf8'), path.join(here, '../config', DESKTOP_NAMES_FILE)),
    registerAppImageScheme,
    // Loaded only without a configuration: oidc-provider and koa cost ~270 ms to import, and a package
    // built for a real provider does not contain them (dist/main/demo/ is left out).
    startDemo: async (opts) => (await import('./demo/demo-provider')).startDemoProvider(opts),
  };
}

function logLevelFrom(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}

export function main(overrides: Partial<MainDeps> = {}): MainHandle {
  const deps: MainDeps = { ...defaultDeps(), ...overrides };
  const log = deps.logger;

  // Lets tests and side-by-side installs keep their own vault, config and single-instance lock.
  const userDataOverride = deps.env.OIDC_DESKTOP_USER_DATA?.trim();
  if (userDataOverride) app.setPath('userData', path.resolve(userDataOverride));

  // The OS locale picks the window's, menu's and dialogs' language (main/i18n/strings.ts). Electron's
  // app.getLocale() is valid only after `ready`; until then (a dialog about the configuration) ICU's,
  // asked only then: the first Intl.DateTimeFormat loads ICU's locale data, ~18 ms of every start.
  const languageBeforeReady = () => languageFor(Intl.DateTimeFormat().resolvedOptions().locale);
  const languageAfterReady = () => languageFor(app.getLocale());
  let config: AppConfig | null;
  try {
    config = deps.loadConfig(deps.packaged);
  } catch (err) {
    // showErrorBox is safe before `ready`; the message names the file and field, never a secret.
    const language = languageBeforeReady();
    dialog.showErrorBox(format(language, 'dialog.invalidConfig'), isAuthError(err) ? err.message : format(language, 'dialog.configUnreadable'));
    log('error', 'app.invalid_config', { errorCode: isAuthError(err) ? err.code : 'internal_error' });
    app.quit();
    return { scheme: null, ready: Promise.resolve(null) };
  }
  const scheme = config?.scheme ?? DEMO_SCHEME;

  if (!app.requestSingleInstanceLock()) {
    // Another instance owns the window and the pending sign-ins; it receives our argv via `second-instance`.
    log('info', 'app.second_instance_quitting');
    app.quit();
    return { scheme, ready: Promise.resolve(null) };
  }

  registerAppScheme();

  let mainWindow: BrowserWindow | null = null;
  const cleanups: Cleanup[] = [];
  installQuitCleanup(cleanups, log);

  // The sign-in glue, exactly as another app gets it from `oidc-desktop/main`: its deep-link and
  // protocol registration happen now, before `ready`; it resolves once the core exists.
  const productName = productNameFor(deps, log);
  const appInfo = () => ({ productName, version: app.getVersion(), language: languageAfterReady() });
  const auth = installAuth({
    app,
    scheme,
    // Asked after `ready`: Electron's locale is valid only then.
    appInfo,
    config: async () => config ?? (await startDemo(deps, cleanups, log)),
    getWindow: () => mainWindow,
    argv: deps.argv,
    defaultApp: deps.defaultApp,
    execPath: deps.execPath,
    logger: log,
    proxyCredentials: () => proxyCredentialsFromEnv(deps.env),
    ...(deps.createCipher ? { cipher: deps.createCipher() } : {}),
    ...(deps.createStore ? { store: deps.createStore() } : {}),
    ...(deps.openUrl ? { openUrl: deps.openUrl } : {}),
    ...(deps.createCore ? { createCore: deps.createCore } : {}),
  });
  // On quit: the glue's IPC handlers, listeners and core (nothing to undo when it never started;
  // that failure is reported once, below).
  cleanups.push(async () => (await auth.catch(() => null))?.dispose());

  // Every web contents, not only the main window's, gets the navigation and window-open rules:
  // installAuth installs them (`hardenWebContents`, on by default) — one home for the app and its hosts.
  app.on('window-all-closed', () => {
    if (deps.platform !== 'darwin') app.quit();
  });

  const ready = app.whenReady().then(async (): Promise<AppContext | null> => {
    try {
      serveRenderer(deps.paths.renderer);
      const { core, config: effective } = await auth;
      installAppMenu({
        ...appInfo(),
        packaged: deps.packaged,
        platform: deps.platform,
        noticesPath: path.join(path.dirname(deps.paths.preload), '../main/THIRD_PARTY_NOTICES.txt'),
      });

      const openWindow = () => {
        // The product's name until the page sets its own title, which the window then follows (state by state).
        mainWindow = createMainWindow({ preloadPath: deps.paths.preload, url: RENDERER_INDEX_URL, devTools: !deps.packaged, logger: log, title: productName });
        mainWindow.on('closed', () => {
          mainWindow = null;
        });
      };
      openWindow();
      app.on('activate', () => {
        if (mainWindow === null) openWindow();
      });

      registerAsAppImage(deps, scheme, log);
      log('info', 'app.ready', { providers: effective.providers.length, demo: config === null });
      return { config: effective, core, window: () => mainWindow };
    } catch (err) {
      log('error', 'app.start_failed', { errorCode: isAuthError(err) ? err.code : 'internal_error' });
      const after = languageAfterReady();
      dialog.showErrorBox(format(after, 'dialog.startFailed'), isAuthError(err) ? err.message : format(after, 'dialog.startFailedDetail'));
      app.quit();
      return null;
    }
  });
  return { scheme, ready };
}

/**
 * AppImages have no installer: registers the scheme for this user on first run,
 * under the names the package was built with. Never fails the start: without
 * it, only a sign-in that returns by the scheme is affected.
 */
function registerAsAppImage(deps: MainDeps, scheme: string, log: Logger): void {
  // The names are read only where they are used: elsewhere a damaged file must not even be logged as an AppImage problem.
  if (!runsAsAppImage(deps.env, deps.platform)) return;
  let names: DesktopNames;
  try {
    names = deps.desktopNames();
  } catch (err) {
    log('warn', 'appimage.scheme_skipped', { reason: isAuthError(err) ? err.message : 'the packaged names could not be read' });
    return;
  }
  void deps.registerAppImageScheme({
    env: deps.env,
    platform: deps.platform,
    scheme,
    appName: names.productName,
    desktopId: names.executableName,
    homeDir: os.homedir(),
    readFile: (f) => nodeFsPromises().readFile(f, 'utf8'),
    writeFile: (f, data) => nodeFsPromises().writeFile(f, data, { mode: 0o644 }),
    mkdir: async (dir) => {
      await nodeFsPromises().mkdir(dir, { recursive: true });
    },
    exec: async (file, args) => {
      await new Promise<void>((resolve, reject) =>
        nodeChildProcess().execFile(file, [...args], { timeout: 5000 }, (err: Error | null) => {
          if (err) reject(err);
          else resolve();
        }),
      );
    },
    logger: log,
  });
}

/** The name the window and menu show; a damaged names file costs the name, not the start. */
function productNameFor(deps: MainDeps, log: Logger): string {
  try {
    return deps.desktopNames().productName;
  } catch (err) {
    log('warn', 'app.product_name_default', { reason: isAuthError(err) ? err.message : 'the packaged names could not be read' });
    return DEFAULT_DESKTOP_NAMES.productName;
  }
}

async function startDemo(deps: MainDeps, cleanups: Cleanup[], log: Logger): Promise<AppConfig> {
  // The demo keeps its port and grants in userData, so a saved sign-in survives a restart.
  const demo = await deps.startDemo({ redirectUris: [DEMO_REDIRECT_URI], stateFile: path.join(app.getPath('userData'), 'demo-provider.json') });
  // First in the list, so it runs last: the core (installAuth's dispose) stops before its provider does.
  cleanups.unshift(() => demo.close());
  log('info', 'app.demo_provider_started', { issuer: demo.issuer });
  return demoAppConfig(demo);
}

/** Runs the cleanups (core, IPC, demo server) once, bounded, before the process exits. */
function installQuitCleanup(cleanups: Cleanup[], log: Logger): void {
  let done = false;
  app.on('will-quit', (event) => {
    if (done) return;
    event.preventDefault();
    done = true;
    const all = runCleanups(cleanups, log);
    const bounded = Promise.race([all, new Promise((resolve) => setTimeout(resolve, 3000))]);
    void bounded.then(() => {
      log('info', 'app.quit');
      app.quit();
    });
  });
}

if (!process.env.VITEST) main();

/**
 * The composition root under a fake `electron`: lifecycle, single-instance
 * lock, deep-link routing, IPC sender check, session push, demo provider.
 * Everything but Electron is real: the demo provider (oidc-provider on
 * 127.0.0.1), the auth core, the vault on a real file, the IPC handlers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electronModule);

import { AuthError } from '../../main/auth/errors';
import { createAuthCore } from '../../main/auth/auth-core';
import { JsonFileStore } from '../../main/auth/json-file-store';
import type { AuthCore, LogLevel, UrlOpener } from '../../main/auth/types';
import { startDemoProvider } from '../../main/demo/demo-provider';
import { IPC_CHANNELS } from '../../main/ipc/contract-types';
import { main, type AppContext, type MainDeps, type MainHandle } from '../../main/index';
import { DEFAULT_OPENING_LIMIT } from '../../main/auth/opening-limit';
import { createShellOpener } from '../../main/platform/shell-opener';
import { createTestCipher } from '../helpers/aes-cipher';
import { SCHEME } from '../helpers/core-rig';
import { app, dialog, fakeEvent, FakeBrowserWindow, Menu, resetFakeElectron, shell, state } from './fake-electron';

const LINK = `${SCHEME}:/callback?code=abc&state=xyz`;

let tmp: string;
let logs: { level: LogLevel; event: string; fields?: Record<string, unknown> }[];
let cores: AuthCore[];
let redirectSpies: MockInstance<AuthCore['handleRedirect']>[];
let demos: { close(): Promise<void> | void; issuer: string }[];
let running: MainHandle[];

beforeEach(() => {
  resetFakeElectron();
  tmp = mkdtempSync(path.join(tmpdir(), 'main-test-'));
  logs = [];
  cores = [];
  redirectSpies = [];
  demos = [];
  running = [];
});

afterEach(async () => {
  // Quit every app started by the test, so demo providers and timers stop.
  for (const handle of running) {
    const ctx = await handle.ready;
    if (ctx) await quit();
  }
  rmSync(tmp, { recursive: true, force: true });
});

function deps(overrides: Partial<MainDeps> = {}): Partial<MainDeps> {
  return {
    argv: ['/opt/App/app'],
    env: {},
    defaultApp: false,
    execPath: '/opt/App/app',
    // The same on every OS the suite runs on: tests that depend on it say which.
    platform: 'linux',
    logger: (level, event, fields) => logs.push({ level, event, ...(fields ? { fields } : {}) }),
    loadConfig: () => null,
    startDemo: async (opts) => {
      const demo = await startDemoProvider(opts);
      demos.push(demo);
      return demo;
    },
    createCore: (opts) => {
      const core = createAuthCore(opts);
      redirectSpies.push(vi.spyOn(core, 'handleRedirect'));
      cores.push(core);
      return core;
    },
    createCipher: () => createTestCipher(),
    createStore: () => new JsonFileStore(path.join(tmp, 'vault.json')),
    openUrl: vi.fn<UrlOpener>(async () => {}),
    ...overrides,
  };
}

/** Runs `main()`, lets Electron become ready, waits for the core and window. */
async function boot(overrides: Partial<MainDeps> = {}): Promise<AppContext> {
  const handle = main(deps(overrides));
  running.push(handle);
  app.fireReady();
  const ctx = await handle.ready;
  expect(ctx, JSON.stringify(logs)).not.toBeNull();
  return ctx!;
}

/** Emits `will-quit` as Electron does and waits for the cleanup to call `app.quit()` again. */
async function quit(): Promise<void> {
  const before = app.quit.mock.calls.length;
  const e = fakeEvent();
  app.emit('will-quit', e);
  await vi.waitFor(
    () => {
      expect(app.quit.mock.calls.length).toBeGreaterThan(before);
    },
    { timeout: 5000 },
  );
}

/** The `handleRedirect` spy on the i-th core built (spied on as the core is created). */
const handleRedirect = (i = 0) => redirectSpies[i]!;

describe('single instance', () => {
  it('lock denied → quits at once, registers nothing, never builds a core', async () => {
    app.requestSingleInstanceLock.mockReturnValue(false);
    const createCore = vi.fn();
    const handle = main(deps({ argv: ['/opt/App/app', LINK], createCore }));
    app.fireReady();
    expect(await handle.ready).toBeNull();
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(app.listenerCount('second-instance')).toBe(0);
    expect(app.listenerCount('will-finish-launching')).toBe(0);
    expect(app.setAsDefaultProtocolClient).not.toHaveBeenCalled();
    expect(state.privilegedSchemes).toEqual([]);
    expect(createCore).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });
});

describe('configuration', () => {
  it('invalid config → error box with the validation message, quit, no lock taken', async () => {
    const handle = main(
      deps({
        loadConfig: () => {
          throw new AuthError('invalid_config', '/etc/app/config.json: The provider configuration is not valid:\n- providers.0.clientId: clientId is required');
        },
      }),
    );
    expect(await handle.ready).toBeNull();
    expect(dialog.showErrorBox).toHaveBeenCalledWith('Invalid configuration', expect.stringContaining('providers.0.clientId: clientId is required'));
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(app.requestSingleInstanceLock).not.toHaveBeenCalled();
  });

  it('no config → demo provider started with the private-use redirect, stopped on quit', async () => {
    const ctx = await boot();
    expect(demos).toHaveLength(1);
    expect(ctx.config.scheme).toBe(SCHEME);
    expect(ctx.config.providers[0]?.id).toBe('demo');
    const discovery = `${demos[0]!.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    expect((await fetch(discovery)).status).toBe(200);

    await quit();
    running = [];
    await expect(fetch(discovery, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });

  it('a configured provider → no demo provider, its scheme registered', async () => {
    const demo = await startDemoProvider({ redirectUris: ['com.acme.tool:/callback'] });
    try {
      const ctx = await boot({
        loadConfig: () => ({
          scheme: 'com.acme.tool',
          providers: [{ id: 'acme', displayName: 'Acme', issuer: demo.issuer, clientId: demo.clientId, scopes: ['openid'], apiBaseUrls: [demo.apiBaseUrl] }],
        }),
      });
      expect(demos).toHaveLength(0);
      expect(ctx.core.listProviders()).toEqual([{ id: 'acme', displayName: 'Acme' }]);
      expect(app.setAsDefaultProtocolClient).toHaveBeenCalledWith('com.acme.tool');
    } finally {
      await quit();
      running = [];
      await demo.close();
    }
  });
});

describe('AppImage self-registration', () => {
  const appImageEnv = { APPIMAGE: '/home/u/Apps/Acme Desk.AppImage' };

  it('registers the scheme under the product and executable names the package was built with', async () => {
    const registerAppImageScheme = vi.fn<MainDeps['registerAppImageScheme']>(() => Promise.resolve('skipped'));
    await boot({ env: appImageEnv, desktopNames: () => ({ productName: 'Acme Desk', executableName: 'acme-desk' }), registerAppImageScheme });
    expect(registerAppImageScheme).toHaveBeenCalledTimes(1);
    expect(registerAppImageScheme.mock.calls[0]![0]).toMatchObject({ env: appImageEnv, scheme: SCHEME, appName: 'Acme Desk', desktopId: 'acme-desk' });
  });

  it('without packaged names (a source tree, npm start) it uses the defaults of the committed configuration', async () => {
    const registerAppImageScheme = vi.fn<MainDeps['registerAppImageScheme']>(() => Promise.resolve('skipped'));
    await boot({ env: appImageEnv, registerAppImageScheme });
    expect(registerAppImageScheme.mock.calls[0]![0]).toMatchObject({ appName: 'OIDC Desktop', desktopId: 'oidc-desktop' });
  });

  it.each([
    ['not an AppImage (no APPIMAGE)', 'linux', {}],
    ['macOS', 'darwin', appImageEnv],
    ['Windows', 'win32', appImageEnv],
  ] as const)('%s: nothing is registered, and damaged packaged names cost only the product name', async (_label, platform, env) => {
    const registerAppImageScheme = vi.fn<MainDeps['registerAppImageScheme']>(() => Promise.resolve('skipped'));
    const desktopNames = vi.fn<MainDeps['desktopNames']>(() => {
      throw new AuthError('invalid_config', 'damaged');
    });
    const ctx = await boot({ platform, env, desktopNames, registerAppImageScheme });
    expect(registerAppImageScheme).not.toHaveBeenCalled();
    // The window still gets a name: the default one (getAppInfo), with the reason logged.
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', event: 'app.product_name_default' }));
    expect(ctx.config.providers.length).toBeGreaterThan(0);
    expect(logs.map((l) => l.event)).not.toContain('appimage.scheme_skipped');
    expect(logs.map((l) => l.event)).toContain('app.ready');
  });

  it('packaged names that cannot be read skip the registration, not the start', async () => {
    const registerAppImageScheme = vi.fn<MainDeps['registerAppImageScheme']>(() => Promise.resolve('skipped'));
    await boot({
      env: appImageEnv,
      desktopNames: () => {
        throw new AuthError('invalid_config', 'dist/config/desktop-names.json is not valid (executableName): run `npm run build` again.');
      },
      registerAppImageScheme,
    });
    expect(registerAppImageScheme).not.toHaveBeenCalled();
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', event: 'appimage.scheme_skipped' }));
    expect(logs.map((l) => l.event)).toContain('app.ready');
  });
});

describe("network: every provider and API request goes through Electron's net", () => {
  it("the core is built with Electron's net (the default createFetch): the provider is reached through it", async () => {
    const ctx = await boot();
    const signingIn = ctx.core.signIn();
    signingIn.catch(() => {});
    await vi.waitFor(
      () => {
        expect(state.netFetches.some((u) => u.endsWith('/.well-known/openid-configuration'))).toBe(true);
      },
      { timeout: 5000 },
    );
    expect(state.netFetches.every((u) => u.startsWith(demos[0]!.issuer))).toBe(true);
    ctx.core.cancelSignIn();
    await expect(signingIn).rejects.toMatchObject({ code: 'sign_in_cancelled' });
  });

  /** Emits Electron's `login` event (docs/api/app.md "Event: 'login'") as a proxy or server challenge would. */
  const login = (isProxy: boolean, firstAuthAttempt: boolean, host = 'proxy.corp', port = 3128) => {
    const e = fakeEvent();
    const callback = vi.fn();
    app.emit('login', e, null, { url: 'https://idp.example/token', firstAuthAttempt }, { isProxy, scheme: 'basic', host, port, realm: 'corp' }, callback);
    return { prevented: e.defaultPrevented, callback };
  };
  const PROXY_ENV = { OIDC_DESKTOP_PROXY_USER: 'alice', OIDC_DESKTOP_PROXY_PASSWORD: 'pw-never-logged', OIDC_DESKTOP_PROXY_HOST: 'Proxy.Corp:3128' };

  it('proxy credentials go only to the configured proxy host: a proxy chosen by WPAD, or one on another port, gets nothing', async () => {
    await boot({ env: PROXY_ENV });
    for (const [host, port] of [
      ['wpad-proxy.attacker.example', 3128],
      ['proxy.corp.attacker.example', 3128],
      ['proxy.corp', 8080],
    ] as const) {
      const other = login(true, true, host, port);
      expect(other.prevented, host).toBe(false);
      expect(other.callback, host).not.toHaveBeenCalled();
    }
    expect(login(true, true, 'PROXY.corp', 3128).callback).toHaveBeenCalledWith('alice', 'pw-never-logged');
    expect(logs.some((l) => l.event === 'net.proxy_auth_requested' && l.fields?.refused === 'not_the_configured_proxy')).toBe(true);
  });

  it('proxy credentials without OIDC_DESKTOP_PROXY_HOST are offered to no proxy at all', async () => {
    await boot({ env: { OIDC_DESKTOP_PROXY_USER: 'alice', OIDC_DESKTOP_PROXY_PASSWORD: 'pw-never-logged' } });
    const first = login(true, true);
    expect(first.prevented).toBe(false);
    expect(first.callback).not.toHaveBeenCalled();
  });

  it('a proxy asking for a password gets the configured one once; a server challenge or a second attempt is not answered', async () => {
    await boot({ env: PROXY_ENV });
    const first = login(true, true);
    expect(first.prevented).toBe(true);
    expect(first.callback).toHaveBeenCalledWith('alice', 'pw-never-logged');
    const again = login(true, false);
    expect(again.prevented).toBe(false);
    expect(again.callback).not.toHaveBeenCalled();
    const server = login(false, true);
    expect(server.prevented).toBe(false);
    expect(server.callback).not.toHaveBeenCalled();
    expect(JSON.stringify(logs)).not.toContain('pw-never-logged');
    expect(logs.some((l) => l.event === 'net.proxy_auth_requested')).toBe(true);
  });

  it('without configured proxy credentials the challenge is left to Electron (cancelled → proxy_auth_required)', async () => {
    await boot();
    const e = fakeEvent();
    const callback = vi.fn();
    app.emit(
      'login',
      e,
      null,
      { url: 'https://idp.example/token', firstAuthAttempt: true },
      { isProxy: true, scheme: 'basic', host: 'proxy.corp', port: 3128, realm: 'corp' },
      callback,
    );
    expect(e.defaultPrevented).toBe(false);
    expect(callback).not.toHaveBeenCalled();
  });

  it('the login listener is removed on quit', async () => {
    await boot();
    expect(app.listenerCount('login')).toBe(1);
    await quit();
    running = [];
    expect(app.listenerCount('login')).toBe(0);
  });
});

describe('protocol client registration', () => {
  it('packaged: setAsDefaultProtocolClient(scheme)', async () => {
    await boot();
    expect(app.setAsDefaultProtocolClient).toHaveBeenCalledTimes(1);
    expect(app.setAsDefaultProtocolClient).toHaveBeenCalledWith(SCHEME);
  });

  it('development (process.defaultApp): electron is registered with our script as argument', async () => {
    await boot({ defaultApp: true, execPath: '/usr/lib/electron/electron', argv: ['/usr/lib/electron/electron', 'dist/main/index.js'] });
    expect(app.setAsDefaultProtocolClient).toHaveBeenCalledWith(SCHEME, '/usr/lib/electron/electron', [path.resolve('dist/main/index.js')]);
  });

  it('development started with switches first (electron --inspect=0 .): the script, not the switch, is registered', async () => {
    await boot({
      defaultApp: true,
      execPath: '/usr/lib/electron/electron',
      argv: ['/usr/lib/electron/electron', '--inspect=0', '--remote-debugging-port=0', '.'],
    });
    expect(app.setAsDefaultProtocolClient).toHaveBeenCalledWith(SCHEME, '/usr/lib/electron/electron', [path.resolve('.')]);
  });

  it('the app: scheme is registered as privileged before ready, and served after', async () => {
    const handle = main(deps());
    running.push(handle);
    expect(state.privilegedSchemes).toEqual([expect.objectContaining({ scheme: 'app' })]);
    expect(state.protocolHandlers.has('app')).toBe(false);
    app.fireReady();
    expect(await handle.ready).not.toBeNull();
    expect(state.protocolHandlers.has('app')).toBe(true);
  });
});

describe('deep-link routing', () => {
  it('cold start: a link in process.argv is handed to the core once it exists', async () => {
    await boot({ argv: ['/opt/App/app', LINK] });
    expect(handleRedirect()).toHaveBeenCalledTimes(1);
    expect(handleRedirect()).toHaveBeenCalledWith(LINK);
  });

  it('cold start without a link → nothing', async () => {
    await boot({ argv: ['/opt/App/app', '--enable-logging'] });
    expect(handleRedirect()).not.toHaveBeenCalled();
  });

  it('second-instance with a valid link → handleRedirect once, window focused', async () => {
    await boot();
    const win = FakeBrowserWindow.instances[0]!;
    win.minimized = true;
    app.emit('second-instance', fakeEvent(), ['C:\\App\\app.exe', '--allow-file-access-from-files', LINK], 'C:\\');
    expect(handleRedirect()).toHaveBeenCalledTimes(1);
    expect(handleRedirect()).toHaveBeenCalledWith(LINK);
    expect(win.restore).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
  });

  it.each<[string, string[]]>([
    ['flags and no link', ['C:\\App\\app.exe', '--allow-file-access-from-files', '--inspect=9229']],
    ['two links', ['C:\\App\\app.exe', LINK, `${SCHEME}:/callback?code=2&state=2`]],
    ['our scheme smuggled inside a flag', ['C:\\App\\app.exe', `--x=${LINK}`]],
    ['another scheme', ['C:\\App\\app.exe', 'com.evil.app:/callback?code=a&state=b']],
  ])('second-instance with %s → the core is not called', async (_name, argv) => {
    await boot();
    app.emit('second-instance', fakeEvent(), argv, 'C:\\');
    expect(handleRedirect()).not.toHaveBeenCalled();
  });

  it('a callback the core takes brings the window to the front (macOS open-url has no second-instance); one it ignores does not', async () => {
    const handle = main(deps());
    running.push(handle);
    app.emit('will-finish-launching');
    app.fireReady();
    await handle.ready;
    const win = FakeBrowserWindow.instances[0]!;
    win.minimized = true;
    handleRedirect().mockReturnValueOnce(false);
    app.emit('open-url', fakeEvent(), LINK);
    expect(win.focus).not.toHaveBeenCalled();
    handleRedirect().mockReturnValueOnce(true);
    app.emit('open-url', fakeEvent(), `${SCHEME}:/callback?code=2&state=2`);
    expect(win.restore).toHaveBeenCalled();
    expect(win.show).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
  });

  it('open-url is registered at once (before will-finish-launching, and only once), prevented, and routed', async () => {
    const handle = main(deps());
    running.push(handle);
    expect(app.listenerCount('open-url')).toBe(1);
    app.emit('will-finish-launching');
    expect(app.listenerCount('open-url')).toBe(1);

    // macOS delivers the launching link before ready: it must be queued, not lost.
    const early = fakeEvent();
    app.emit('open-url', early, LINK);
    expect(early.defaultPrevented).toBe(true);

    app.fireReady();
    await handle.ready;
    expect(handleRedirect()).toHaveBeenCalledTimes(1);
    expect(handleRedirect()).toHaveBeenCalledWith(LINK);

    const late = fakeEvent();
    app.emit('open-url', late, `${SCHEME}:/callback?code=2&state=2`);
    expect(late.defaultPrevented).toBe(true);
    expect(handleRedirect()).toHaveBeenCalledTimes(2);

    app.emit('open-url', fakeEvent(), 'com.evil.app:/callback?code=3');
    expect(handleRedirect()).toHaveBeenCalledTimes(2);
  });

  it('a real pending sign-in is settled through second-instance (error response → access_denied)', async () => {
    const openUrl = vi.fn<UrlOpener>(async () => {});
    // The demo offers PAR (RFC 9126): the parameters are pushed, so they are read from the pushed request.
    const pushed: string[] = [];
    const ctx = await boot({
      openUrl,
      createCore: (opts) => {
        const base = opts.fetch ?? globalThis.fetch;
        const core = createAuthCore({
          ...opts,
          fetch: async (input: string | URL | Request, init?: RequestInit) => {
            const url = input instanceof Request ? input.url : String(input);
            if (url.endsWith('/request') && (typeof init?.body === 'string' || init?.body instanceof URLSearchParams)) pushed.push(init.body.toString());
            return base(input, init);
          },
        });
        redirectSpies.push(vi.spyOn(core, 'handleRedirect'));
        cores.push(core);
        return core;
      },
    });
    const signIn = ctx.core.signIn('demo');
    await vi.waitFor(
      () => {
        expect(openUrl).toHaveBeenCalledTimes(1);
      },
      { timeout: 10_000 },
    );
    const authorizeUrl = new URL(openUrl.mock.calls[0]![0]);
    const params = authorizeUrl.searchParams.has('request_uri') ? new URLSearchParams(pushed[0]) : authorizeUrl.searchParams;
    const stateParam = params.get('state')!;
    expect(params.get('redirect_uri')).toBe(`${SCHEME}:/callback`);

    const callback = `${SCHEME}:/callback?error=access_denied&state=${encodeURIComponent(stateParam)}&iss=${encodeURIComponent(ctx.config.providers[0]!.issuer ?? '')}`;
    app.emit('second-instance', fakeEvent(), ['C:\\App\\app.exe', '--original-process-start-time=1', callback], 'C:\\');
    await expect(signIn).rejects.toMatchObject({ code: 'access_denied' });
    expect(handleRedirect()).toHaveBeenCalledTimes(1);
    expect(handleRedirect()).toHaveReturnedWith(true);
  });
});

describe('IPC and the window', () => {
  it('a German OS locale: getAppInfo says de with the product name and version; the app menu is installed in German', async () => {
    app.locale = 'de-AT';
    await boot({ desktopNames: () => ({ productName: 'Acme Desktop', executableName: 'acme-desktop' }) });
    const win = FakeBrowserWindow.instances[0]!;
    const ours = { senderFrame: { url: 'app://renderer/index.html' }, sender: { id: win.webContents.id } };
    expect(await state.ipcHandlers.get(IPC_CHANNELS.getAppInfo)!(ours, undefined)).toEqual({
      ok: true,
      data: { productName: 'Acme Desktop', version: '0.0.0-test', language: 'de' },
    });
    expect(Menu.applicationMenu?.map((m) => m.label)).toContain('Bearbeiten');
    // The window is named after the product before the page sets its own title.
    expect(win.options.title).toBe('Acme Desktop');
  });

  it('one secure window on app://renderer; IPC accepted only from it', async () => {
    await boot();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const win = FakeBrowserWindow.instances[0]!;
    expect(win.loadURL).toHaveBeenCalledWith('app://renderer/index.html');
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });

    const getSession = state.ipcHandlers.get(IPC_CHANNELS.getSession);
    expect(getSession).toBeDefined();
    const ours = { senderFrame: { url: 'app://renderer/index.html' }, sender: { id: win.webContents.id } };
    expect(await getSession!(ours, undefined)).toMatchObject({ ok: true, data: { status: 'signed_out' } });

    for (const event of [
      { senderFrame: { url: 'https://evil.example/' }, sender: { id: win.webContents.id } },
      { senderFrame: { url: 'app://renderer/index.html' }, sender: { id: win.webContents.id + 1000 } },
      { senderFrame: null, sender: { id: win.webContents.id } },
    ]) {
      expect(await getSession!(event, undefined)).toMatchObject({ ok: false });
    }
  });

  it('session changes are pushed to the window on auth:session-changed', async () => {
    const ctx = await boot();
    const win = FakeBrowserWindow.instances[0]!;
    const signIn = ctx.core.signIn('demo');
    await vi.waitFor(
      () => {
        expect(win.webContents.send).toHaveBeenCalledWith(IPC_CHANNELS.sessionChanged, expect.objectContaining({ status: 'signing_in' }));
      },
      {
        timeout: 10_000,
      },
    );
    ctx.core.cancelSignIn();
    await expect(signIn).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    await vi.waitFor(() => {
      expect(win.webContents.send).toHaveBeenLastCalledWith(IPC_CHANNELS.sessionChanged, expect.objectContaining({ status: 'signed_out' }));
    });
  });

  it('quitting removes the IPC handlers and disposes the core', async () => {
    await boot();
    expect(state.ipcHandlers.size).toBeGreaterThan(0);
    const dispose = vi.spyOn(cores[0]!, 'dispose');
    await quit();
    running = [];
    expect(state.ipcHandlers.size).toBe(0);
    expect(dispose).toHaveBeenCalledTimes(1);
  });

  it('logs are JSON-safe and carry no deep-link query', async () => {
    await boot({ argv: ['/opt/App/app', LINK] });
    const text = JSON.stringify(logs);
    expect(text).not.toContain('code=abc');
    expect(text).not.toContain('xyz');
  });
});

describe('the system browser opens only for the app, and rarely (finding 5)', () => {
  it('window.open from the page never reaches the system browser, 100 times over', async () => {
    await boot({ openUrl: createShellOpener() });
    const wc = FakeBrowserWindow.instances[0]!.webContents;
    for (let i = 0; i < 100; i += 1) expect(wc.windowOpenHandler!({ url: `https://evil.example/${i}` })).toEqual({ action: 'deny' });
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('IPC signIn in a loop opens the browser at most DEFAULT_OPENING_LIMIT.max times; the rest are refused with invalid_request', async () => {
    const ctx = await boot({ openUrl: createShellOpener() });
    const win = FakeBrowserWindow.instances[0]!;
    const signIn = state.ipcHandlers.get(IPC_CHANNELS.signIn)!;
    const ours = { senderFrame: { url: 'app://renderer/index.html' }, sender: { id: win.webContents.id } };
    const answers: Promise<unknown>[] = [];
    for (let i = 0; i < DEFAULT_OPENING_LIMIT.max + 3; i += 1) {
      const opened = shell.openExternal.mock.calls.length;
      let settled = false;
      const answer = signIn(ours, { providerId: 'demo' }).finally(() => {
        settled = true;
      });
      answers.push(answer);
      // Each sign-in supersedes the one before: wait until this one has opened the browser or been refused.
      await vi.waitFor(
        () => {
          expect(shell.openExternal.mock.calls.length > opened || settled).toBe(true);
        },
        { timeout: 10_000 },
      );
    }
    expect(shell.openExternal).toHaveBeenCalledTimes(DEFAULT_OPENING_LIMIT.max);
    expect(await answers.at(-1)).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('too many') as unknown } });
    ctx.core.cancelSignIn();
    await Promise.all(answers);
  });
});

describe('configuration sources follow app.isPackaged (finding 1)', () => {
  it.each([true, false])('packaged %s: loadConfig is told so', async (packaged) => {
    const seen: boolean[] = [];
    await boot({
      packaged,
      loadConfig: (p) => {
        seen.push(p);
        return null;
      },
    });
    expect(seen).toEqual([packaged]);
  });
});

describe('DevTools only in a development run (checklist)', () => {
  it.each([
    [true, false],
    [false, true],
  ])('packaged %s → devTools %s', async (packaged, devTools) => {
    await boot({ packaged });
    expect(FakeBrowserWindow.instances[0]!.options.webPreferences).toMatchObject({ devTools });
  });

  it('app.isPackaged decides when the composition root is not told', async () => {
    app.isPackaged = true;
    await boot();
    expect(FakeBrowserWindow.instances[0]!.options.webPreferences).toMatchObject({ devTools: false });
  });
});

describe('every web contents is hardened', () => {
  it('contents created later (not the main window) get the navigation and window-open rules', async () => {
    await boot();
    const { FakeWebContents } = await import('./fake-electron');
    const other = new FakeWebContents();
    app.emit('web-contents-created', fakeEvent(), other);
    expect(other.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const download = fakeEvent();
    other.session.emit('will-download', download, { getURL: () => 'https://evil.example/x.exe' }, other);
    expect(download.defaultPrevented).toBe(true);
    const nav = fakeEvent('https://evil.example/');
    other.emit('will-navigate', nav);
    expect(nav.defaultPrevented).toBe(true);
  });
});

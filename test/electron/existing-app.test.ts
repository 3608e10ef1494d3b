/**
 * Proof from outside: the package as npm would install it, in an app that is
 * not this one.
 *
 * `npm pack` of dist-pkg/ (built by scripts/build-package.ts) → the tarball
 * installed into a fresh copy of examples/existing-app/ (its runtime
 * dependencies from npm's cache or the registry; `electron` and
 * `@types/node`, its dev dependencies, linked from this repository because
 * the Electron binary cannot be downloaded here) → `tsc` over the example
 * with `moduleResolution: nodenext` → the example's own main.ts runs under
 * the fake Electron (test/electron/fake-electron.ts), its preload bundle and
 * page run in real Chromium with `ipcRenderer` carried to the main process's
 * handlers, and a second Chromium plays the system browser against the demo
 * provider. The example imports nothing from this repository's folders (a
 * test below reads its imports).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electronModule);

import { DEMO_SCHEME, demoAppConfig } from '../../main/app-config';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { IPC_CHANNELS } from '../../main/ipc/contract-types';
import { CHROMIUM_MISSING, launchChromium } from '../helpers/chromium';
import { launchSystemBrowser, type SystemBrowser } from '../helpers/system-browser';
import { until } from '../helpers/until';
import { app, fakeEvent, FakeBrowserWindow, resetFakeElectron, shell, state } from './fake-electron';

const root = path.resolve(import.meta.dirname, '../..');
const exampleDir = path.join(root, 'examples', 'existing-app');
const docPath = path.join(root, 'docs', 'add-sign-in-to-an-existing-app.md');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const shellOnWindows = process.platform === 'win32';

let work: string;
let appDir: string;
let tarball: string;
let demo: DemoProvider | undefined;
let chromium: Browser | null = null;
let systemBrowser: SystemBrowser | null = null;

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    shell: shellOnWindows,
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The text between `// --- sign-in: <name> ---` and its end marker (`#` in YAML). */
function markedBlock(file: string, name: string): string {
  const text = readFileSync(path.join(exampleDir, file), 'utf8');
  const c = file.endsWith('.yml') ? '#' : '//';
  const re = new RegExp(`^[ \\t]*${c} --- sign-in: ${name} ---\\n([^]*?)^[ \\t]*${c} --- end sign-in: ${name} ---`, 'm');
  const m = re.exec(text);
  if (m?.[1] === undefined) throw new Error(`${file} has no "sign-in: ${name}" block`);
  return m[1];
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'existing-app-'));
  run(npm, ['run', '--silent', 'build:package'], root);
  const packed = JSON.parse(run(npm, ['pack', './dist-pkg', '--json', '--pack-destination', work], root)) as { filename: string }[];
  tarball = path.join(work, packed[0]!.filename);

  // A fresh copy of the example, as its developer has it, with the package from the tarball.
  appDir = path.join(work, 'app');
  cpSync(exampleDir, appDir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
  const manifest = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const devDependencies = Object.keys(manifest.devDependencies ?? {});
  delete manifest.devDependencies;
  manifest.dependencies['oidc-desktop'] = pathToFileURL(tarball).href;
  writeFileSync(path.join(appDir, 'package.json'), JSON.stringify(manifest, null, 2));
  // --legacy-peer-deps: the peer (electron) is the app's own, linked below, not a second copy.
  run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', '--no-package-lock'], appDir);
  for (const dev of devDependencies) {
    const target = path.join(appDir, 'node_modules', dev);
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(path.join(root, 'node_modules', dev), target, 'junction');
  }

  demo = await startDemoProvider({ redirectUris: [`${DEMO_SCHEME}:/callback`] });
  writeFileSync(path.join(appDir, 'auth.config.json'), JSON.stringify(demoAppConfig(demo)));
}, 240_000);

afterAll(async () => {
  await systemBrowser?.close();
  await chromium?.close();
  await demo?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the built entry points, their declarations and manifest, and no sources, tests or demo provider', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(files.every((f) => f.startsWith('package/'))).toBe(true);
    for (const f of [
      'core.js',
      'main.js',
      'preload.js',
      'preload.cjs',
      'renderer.js',
      'types/entries/core.d.ts',
      'types/entries/main.d.ts',
      'package.json',
      'README.md',
      'CHANGELOG.md',
    ])
      expect(files).toContain(`package/${f}`);
    const ts = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    expect(ts).toEqual([]);
    expect(files.filter((f) => /demo|test|\.map$|\/dist\/|node_modules/.test(f))).toEqual([]);
    const bundles = files
      .filter((f) => f.endsWith('.js') || f.endsWith('.cjs'))
      .map((f) => readFileSync(path.join(appDir, 'node_modules', 'oidc-desktop', f.slice('package/'.length)), 'utf8'));
    // Nothing of the demo provider (oidc-provider, koa) is bundled in; the runtime dependencies stay imports.
    // (A comment may name oidc-provider; its code, the demo's koa and its entry may not appear.)
    for (const text of bundles)
      expect(text).not.toMatch(/from ["'](oidc-provider|koa)["']|require\(["'](oidc-provider|koa)["']\)|startDemoProvider|DEMO_ACCOUNT/);
    expect(bundles.join('\n')).toMatch(/from ["']openid-client["']/);
  });

  it('declares its runtime dependencies, and electron as a peer', () => {
    const inner = JSON.parse(readFileSync(path.join(appDir, 'node_modules', 'oidc-desktop', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(inner.dependencies as object).sort()).toEqual(['electron-store', 'jose', 'openid-client', 'zod']);
    expect(inner.peerDependencies).toEqual({ electron: '>=45' });
    expect(inner).not.toHaveProperty('main');
    expect(inner).not.toHaveProperty('devDependencies');
    expect(inner).not.toHaveProperty('scripts');
  });
});

describe('examples/existing-app', () => {
  it('imports only the package, electron and Node built-ins: nothing from this repository', () => {
    for (const file of ['main.ts', 'preload.ts', 'renderer.js', 'renderer.d.ts']) {
      const text = readFileSync(path.join(exampleDir, file), 'utf8');
      const specs = [...text.matchAll(/(?:from\s+|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      expect(specs.length, file).toBeGreaterThan(0);
      for (const spec of specs) expect(spec, `${file}: ${spec}`).toMatch(/^(oidc-desktop(\/(main|preload|renderer))?|electron|node:[a-z/]+)$/);
    }
  });

  it('type-checks against the installed package (strict, moduleResolution nodenext, declarations checked too)', () => {
    const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(appDir, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);

  it('a type error in the app is found (the check is not vacuous)', () => {
    const broken = path.join(work, 'broken');
    cpSync(appDir, broken, { recursive: true, dereference: false, filter: (src) => !src.startsWith(path.join(appDir, 'node_modules')) });
    symlinkSync(path.join(appDir, 'node_modules'), path.join(broken, 'node_modules'), 'junction');
    const main = path.join(broken, 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace("rendererOrigins: ['file://']", "rendererOrigins: 'file://'"));
    const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(broken, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    expect(tsc.status).not.toBe(0);
    expect(tsc.stdout).toMatch(/main\.ts\(\d+,\d+\): error TS2322/);
  }, 60_000);

  it('the docs page shows exactly its main, preload, renderer and electron-builder snippets', () => {
    const doc = readFileSync(docPath, 'utf8');
    for (const [file, name] of [
      ['main.ts', 'main'],
      ['preload.ts', 'preload'],
      ['renderer.d.ts', 'renderer types'],
      ['renderer.js', 'renderer'],
      ['electron-builder.yml', 'scheme'],
    ] as const)
      expect(doc, `${file} "${name}"`).toContain(markedBlock(file, name));
    // "≈14 lines" and "1 line" are kept honest (the imports and the error handling included).
    expect(
      markedBlock('main.ts', 'main')
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== '').length,
    ).toBeLessThanOrEqual(14);
    expect(markedBlock('preload.ts', 'preload').trim().split('\n')).toHaveLength(2);
  });
});

describe('examples/existing-app as a second instance (Windows/Linux: the OS starts one per sign-in link)', () => {
  it('quits and sets nothing up: no protocol registration, no deep-link listener, no IPC handler, no window once ready', async () => {
    resetFakeElectron();
    app.requestSingleInstanceLock.mockReturnValue(false);
    const argv = process.argv;
    // The link it was started with belongs to the first instance, which gets it by `second-instance`.
    process.argv = ['/opt/Existing App/existing-app', `${DEMO_SCHEME}:/callback?code=not-for-this-process&state=s`];
    try {
      await import(`${pathToFileURL(path.join(appDir, 'main.ts')).href}?second-instance`);
      // Electron's app.quit() before `ready` only marks the app quitting (shell/browser/browser.cc:
      // Browser::Shutdown waits, "no message loop available so we are in early stage"), the script
      // runs on, and DidFinishLaunching still resolves whenReady(): the example must not act on it.
      app.fireReady();
      await app.whenReady();
      await new Promise((resolve) => setImmediate(resolve));
      expect(app.quit).toHaveBeenCalled();
      expect(app.setAsDefaultProtocolClient).not.toHaveBeenCalled();
      expect(app.listenerCount('second-instance') + app.listenerCount('open-url')).toBe(0);
      expect(state.ipcHandlers.size).toBe(0);
      expect(FakeBrowserWindow.instances).toHaveLength(0);
      expect(shell.openExternal).not.toHaveBeenCalled();
    } finally {
      process.argv = argv;
      resetFakeElectron();
    }
  });
});

describe.skipIf(CHROMIUM_MISSING !== null)(`signs in through its main process and its page${CHROMIUM_MISSING ? ` (skipped: ${CHROMIUM_MISSING})` : ''}`, () => {
  let page: Page;
  let win: FakeBrowserWindow;

  beforeAll(async () => {
    // The preload as the example's developer builds it (its "build" script).
    await build({
      absWorkingDir: appDir,
      entryPoints: ['preload.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
      outfile: 'preload.cjs',
      logLevel: 'warning',
    });

    chromium = await launchChromium();
    systemBrowser = await launchSystemBrowser({
      browser: chromium,
      captureSchemes: [`${DEMO_SCHEME}:`],
      // Windows/Linux: the OS starts a second instance with the link, which hands it over.
      onRedirect: (url) => app.emit('second-instance', fakeEvent(), ['/opt/Existing App/existing-app', url], '/'),
      autoLogin: { ...demo!.credentials, consent: 'allow' },
    });
    shell.openExternal.mockImplementation((url) => systemBrowser!.open(url));

    // The example's main process, as Electron would start it.
    process.argv = ['/opt/Existing App/existing-app'];
    await import(pathToFileURL(path.join(appDir, 'main.ts')).href);
    app.fireReady();
    await until(() => FakeBrowserWindow.instances.length === 1 && state.ipcHandlers.has(IPC_CHANNELS.signIn), 15_000, 'window and IPC handlers');
    win = FakeBrowserWindow.instances[0]!;
    const webPreferences = win.options.webPreferences as Record<string, unknown>;
    expect(webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: path.join(appDir, 'preload.cjs') });
    expect(win.loadFile).toHaveBeenCalledWith(path.join(appDir, 'index.html'));

    // The page in Chromium with the example's preload bundle: its `require('electron')` gets a
    // contextBridge that sets window[key] and an ipcRenderer carried to the fake ipcMain's handlers,
    // with the event Electron would build (this frame's URL, the window's web contents).
    const context = await chromium.newContext();
    page = await context.newPage();
    await page.exposeBinding('__ipcInvoke', async (source, channel: string, payload: unknown) => {
      const handler = state.ipcHandlers.get(channel);
      if (!handler) throw new Error(`no handler for ${channel}`);
      return handler({ senderFrame: { url: source.frame.url() }, sender: { id: win.webContents.id } }, payload);
    });
    win.webContents.send.mockImplementation((channel, ...args) => {
      void page.evaluate(
        ([c, a]) => {
          (window as unknown as { __ipcPush(c: string, a: unknown[]): void }).__ipcPush(c, a);
        },
        [channel, args] as const,
      );
    });
    const preload = readFileSync(path.join(appDir, 'preload.cjs'), 'utf8');
    await page.addInitScript(`(() => {
      const listeners = new Map();
      window.__ipcPush = (channel, args) => { for (const l of listeners.get(channel) ?? []) l({ sender: null }, ...args); };
      const electron = {
        contextBridge: { exposeInMainWorld: (key, api) => { Object.defineProperty(window, key, { value: Object.freeze(api) }); } },
        ipcRenderer: {
          invoke: (channel, payload) => window.__ipcInvoke(channel, payload),
          on: (channel, l) => { listeners.set(channel, [...(listeners.get(channel) ?? []), l]); },
          removeListener: (channel, l) => { listeners.set(channel, (listeners.get(channel) ?? []).filter((x) => x !== l)); },
        },
      };
      const module = { exports: {} };
      const require = (name) => { if (name === 'electron') return electron; throw new Error('a sandboxed preload cannot require ' + name); };
      (function (require, module, exports) { ${preload}\n })(require, module, module.exports);
    })();`);
    await page.goto(pathToFileURL(path.join(appDir, 'index.html')).href);
  }, 120_000);

  it('the page starts signed out, with its sign-in button', async () => {
    await expect.poll(() => page.textContent('#status')).toBe('Signed out');
    expect(await page.isVisible('#sign-in')).toBe(true);
  });

  it('Sign in → the provider in the system browser → the deep link → signed in, pushed to the page', async () => {
    await page.click('#sign-in');
    await expect.poll(() => page.textContent('#status'), { timeout: 30_000 }).toMatch(/^Signed in as /);
    expect(systemBrowser!.errors).toEqual([]);
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
    expect(shell.openExternal.mock.calls[0]![0]).toMatch(new RegExp(`^${demo!.issuer.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    expect(await page.isVisible('#sign-out')).toBe(true);
  }, 60_000);

  it('the main process holds the session; the page never received a token', async () => {
    const session = (await state.ipcHandlers.get(IPC_CHANNELS.getSession)!(
      { senderFrame: { url: page.url() }, sender: { id: win.webContents.id } },
      undefined,
    )) as {
      ok: boolean;
      data: { status: string };
    };
    expect(session).toMatchObject({ ok: true, data: { status: 'signed_in' } });
    const pushed = JSON.stringify(win.webContents.send.mock.calls);
    expect(pushed).not.toMatch(/access_token|refresh_token|id_token|eyJ[\w-]+\.eyJ/);
    expect(await page.evaluate(() => JSON.stringify(window.localStorage) + document.body.innerHTML)).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it('IPC from another window, or from a page not on the allowed origins, is refused', async () => {
    const signOut = state.ipcHandlers.get(IPC_CHANNELS.signOut)!;
    await expect(signOut({ senderFrame: { url: page.url() }, sender: { id: win.webContents.id + 1000 } }, undefined)).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    await expect(signOut({ senderFrame: { url: 'https://evil.example/' }, sender: { id: win.webContents.id } }, undefined)).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    await expect.poll(() => page.textContent('#status')).toMatch(/^Signed in as /);
  });

  it('Sign out from the page → signed out', async () => {
    await page.click('#sign-out');
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Signed out');
  });
});

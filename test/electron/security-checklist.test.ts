/**
 * Electron security checklist (https://www.electronjs.org/docs/latest/tutorial/security)
 * items not already proved by window.test.ts, platform.test.ts, main.test.ts
 * and ipc-handlers.test.ts: the exact webPreferences (no extra keys), every
 * protection installed before the page loads, the app:// scheme's
 * privileges, no file:// anywhere, the CSP (meta and header), the preload's
 * surface, a renderer without Node or Electron, and that SECURITY.md cites
 * only tests that exist.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../main/ipc/contract-types';

const root = path.resolve(import.meta.dirname, '../..');

/** Everything the code under test asked of the fake Electron, in order. */
const calls: string[] = [];
const exposed: Record<string, unknown> = {};
const invoked: [string, unknown][] = [];
const rendererListeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
const privileged: unknown[] = [];

vi.mock('electron', () => {
  class Session {
    setPermissionRequestHandler() {
      calls.push('setPermissionRequestHandler');
    }
    setPermissionCheckHandler() {
      calls.push('setPermissionCheckHandler');
    }
    on(event: string) {
      calls.push(`session.on:${event}`);
      return this;
    }
  }
  class WebContents {
    readonly session = new Session();
    on(event: string) {
      calls.push(`on:${event}`);
      return this;
    }
    setWindowOpenHandler() {
      calls.push('setWindowOpenHandler');
    }
  }
  class BrowserWindow {
    static last: BrowserWindow | null = null;
    readonly webContents = new WebContents();
    constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
      BrowserWindow.last = this;
      calls.push('new BrowserWindow');
    }
    once() {
      return this;
    }
    loadURL(url: string) {
      calls.push(`loadURL:${url}`);
      return Promise.resolve();
    }
    loadFile(file: string) {
      calls.push(`loadFile:${file}`);
      return Promise.resolve();
    }
  }
  return {
    BrowserWindow,
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
    ipcRenderer: {
      invoke: (channel: string, payload: unknown) => {
        invoked.push([channel, payload]);
        return Promise.resolve();
      },
      on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => void rendererListeners.set(channel, listener),
      removeListener: (channel: string, listener: unknown) => {
        if (rendererListeners.get(channel) === listener) rendererListeners.delete(channel);
      },
    },
    protocol: { handle: () => {}, registerSchemesAsPrivileged: (schemes: unknown[]) => void privileged.push(...schemes) },
  };
});

beforeEach(() => {
  calls.length = 0;
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((p) => p[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

function assertStrictCsp(csp: string): void {
  const d = directives(csp);
  expect(d.get('default-src')).toEqual(["'none'"]);
  expect(d.get('script-src')).toEqual(["'self'"]);
  expect(d.get('connect-src')).toEqual(["'none'"]);
  expect(d.get('base-uri')).toEqual(["'none'"]);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|\*|http:|https:/);
}

function metaCsp(): string {
  const html = readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
  expect(meta).not.toBeNull();
  return meta![1]!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) return sourceFiles(rel);
    return /\.(ts|html)$/.test(name) ? [rel] : [];
  });
}

describe('security checklist', () => {
  it('#2–#4, #6, #8, #9, #11 webPreferences are exactly the secure set: no extra keys that could loosen them', async () => {
    const { secureWebPreferences } = await import('../../main/platform/window');
    // toEqual, not toMatchObject: a key added later (enableRemoteModule,
    // enableBlinkFeatures, additionalArguments, …) must be a visible decision.
    expect(secureWebPreferences('/p/preload.cjs')).toEqual({
      preload: '/p/preload.cjs',
      devTools: false,
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
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('#9 no experimental or extra Blink features; Auxclick disabled', async () => {
    const { secureWebPreferences } = await import('../../main/platform/window');
    const prefs = secureWebPreferences('/p/preload.cjs');
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.enableBlinkFeatures).toBeUndefined();
    expect(String(prefs.disableBlinkFeatures).split(',')).toContain('Auxclick');
  });

  it('#5, #13, #14 every protection is installed before the page starts loading', async () => {
    const { createMainWindow } = await import('../../main/platform/window');
    createMainWindow({ preloadPath: '/app/preload.cjs', url: 'app://renderer/index.html' });
    const load = calls.findIndex((c) => c.startsWith('loadURL:'));
    expect(load).toBeGreaterThan(0);
    const before = calls.slice(0, load);
    for (const guard of [
      'setPermissionRequestHandler',
      'setPermissionCheckHandler',
      'on:will-navigate',
      'on:will-frame-navigate',
      'on:will-redirect',
      'on:will-attach-webview',
      'setWindowOpenHandler',
      'session.on:will-download',
    ]) {
      expect(before, guard).toContain(guard);
    }
  });

  it('#18 the renderer comes from app://renderer, never file://', async () => {
    const { createMainWindow } = await import('../../main/platform/window');
    const { registerAppScheme } = await import('../../main/platform/app-protocol');
    const { RENDERER_INDEX_URL } = await import('../../main/ipc/renderer-origin');
    expect(RENDERER_INDEX_URL).toBe('app://renderer/index.html');
    createMainWindow({ preloadPath: '/app/preload.cjs', url: RENDERER_INDEX_URL });
    expect(calls.filter((c) => c.startsWith('load'))).toEqual(['loadURL:app://renderer/index.html']);
    // The scheme is standard and secure, and gets no privilege that would weaken the page's CSP or CORS.
    registerAppScheme();
    expect(privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    // Nothing in the main process loads a file: URL or uses loadFile.
    for (const file of sourceFiles('main')) {
      const text = readFileSync(path.join(root, file), 'utf8');
      expect(text, file).not.toMatch(/\.loadFile\(|loadURL\(\s*['"`]file:|pathToFileURL\([^)]*\)\.href\s*\)/);
    }
  });

  it('#7 CSP: the renderer page carries a strict policy in a meta tag, and loads nothing remote', () => {
    const html = readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
    assertStrictCsp(metaCsp());
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i); // no inline script
    expect(html).not.toMatch(/\s(?:src|href)="(?:https?:)?\/\//i); // no remote script, style or icon
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers
  });

  it('#7 CSP: the app:// protocol sends a header at least as strict as the meta policy', async () => {
    const { RENDERER_CSP } = await import('../../main/platform/app-protocol');
    assertStrictCsp(RENDERER_CSP);
    const header = directives(RENDERER_CSP);
    expect(header.get('frame-ancestors')).toEqual(["'none'"]);
    expect(header.get('object-src')).toEqual(["'none'"]);
    // Every directive the page sets, the header sets to the same sources: the two cannot drift apart.
    for (const [name, values] of directives(metaCsp())) expect(header.get(name), name).toEqual(values);
  });

  it('#20 the preload exposes one named function per message and nothing generic', async () => {
    await import('../../preload/index');
    const api = exposed.auth as Record<string, unknown>;
    expect(Object.keys(exposed)).toEqual(['auth']);
    expect(Object.keys(api).sort()).toEqual([
      'addAccount',
      'cancelSignIn',
      'connectApi',
      'getAppInfo',
      'getSession',
      'listAccounts',
      'listProviders',
      'onSessionChanged',
      'planApiConnection',
      'request',
      'requestConsent',
      'requestStepUp',
      'setActiveAccount',
      'signIn',
      'signOut',
      'signOutAll',
    ]);
    for (const fn of Object.values(api)) expect(typeof fn).toBe('function');
    // Each function reaches exactly its own channel, whatever the page passes.
    invoked.length = 0;
    await (api.getSession as (x: unknown) => Promise<void>)('auth:sign-out');
    await (api.request as (x: unknown) => Promise<void>)({ method: 'GET', path: '/me' });
    expect(invoked.map(([c]) => c)).toEqual([IPC_CHANNELS.getSession, IPC_CHANNELS.request]);
    const source = readFileSync(path.join(root, 'preload/expose-auth-bridge.ts'), 'utf8');
    expect(source).not.toMatch(/ipcRenderer\.send\(|invoke:\s*\(|exposeInMainWorld\([^)]*ipcRenderer\b/);
  });

  it('#20 onSessionChanged hands the page the state only, never the IPC event (whose sender reaches ipcRenderer)', async () => {
    await import('../../preload/index');
    const api = exposed.auth as { onSessionChanged(listener: (...args: unknown[]) => void): () => void };
    const received: unknown[][] = [];
    const unsubscribe = api.onSessionChanged((...args) => received.push(args));
    const listener = rendererListeners.get(IPC_CHANNELS.sessionChanged);
    expect(listener).toBeDefined();
    const state = { status: 'signed_out' };
    listener!({ sender: { send: () => {} }, ports: [] }, state);
    expect(received).toEqual([[state]]);
    unsubscribe();
    expect(rendererListeners.has(IPC_CHANNELS.sessionChanged)).toBe(false);
    expect(() => api.onSessionChanged('alert(1)' as never)).toThrow(TypeError);
  });

  it('#2 the renderer imports neither Node nor Electron: it can only use window.auth', () => {
    const RENDERER_PACKAGES = new Set(['uqr']);
    // The strings table is shared with the main process; it stays importable by the page because it imports nothing.
    const SHARED_RUNTIME = new Set(['../main/i18n/strings']);
    expect(readFileSync(path.join(root, 'main/i18n/strings.ts'), 'utf8')).not.toMatch(/^\s*import\s/m);
    for (const file of sourceFiles('renderer').filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(path.join(root, file), 'utf8');
      const imports = [...text.matchAll(/^\s*import\s+(type\s+)?[^'"]*['"]([^'"]+)['"]/gm)];
      for (const [, typeOnly, spec] of imports) {
        // Type-only imports of the shared contract vanish at build time.
        if (typeOnly) continue;
        // Packages bundled into the page: pure browser code with no dependency of their own (uqr: the QR encoder of the device sign-in panel).
        if (spec !== undefined && (RENDERER_PACKAGES.has(spec) || SHARED_RUNTIME.has(spec))) continue;
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\//);
      }
      expect(text, file).not.toMatch(/\brequire\(|from ['"](?:electron|node:)|process\.|ipcRenderer/);
    }
  });

  it('no token-shaped name anywhere in the renderer sources', () => {
    for (const file of sourceFiles('renderer')) {
      expect(readFileSync(path.join(root, file), 'utf8'), file).not.toMatch(/access_?token|refresh_?token|id_?token|accessToken|refreshToken/i);
    }
  });
});

describe('SECURITY.md claims only what tests prove', () => {
  const doc = readFileSync(path.join(root, 'SECURITY.md'), 'utf8');

  it('every test file it cites exists', () => {
    const cited = [...new Set([...doc.matchAll(/`(test\/[\w./-]+\.(?:test|spec)\.ts)`/g)].map((m) => m[1]!))];
    expect(cited.length).toBeGreaterThan(10);
    for (const file of cited) expect(() => statSync(path.join(root, file)), file).not.toThrow();
  });

  it('every quoted test name it cites is in the file cited just before it', () => {
    // Citations read `test/x.test.ts` "test name" or "a…" / "…b" for a prefix/suffix.
    let checked = 0;
    for (const line of doc.split('\n')) {
      let file: string | null = null;
      for (const m of line.matchAll(/`(test\/[\w./-]+\.(?:test|spec)\.ts)`|"([^"]{8,})"/g)) {
        if (m[1]) {
          file = m[1];
          continue;
        }
        if (!file) continue;
        const source = readFileSync(path.join(root, file), 'utf8');
        for (const part of m[2]!
          .split('…')
          .map((p) => p.trim())
          .filter((p) => p.length >= 6)) {
          expect(source, `"${part}" in ${file}`).toContain(part);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});

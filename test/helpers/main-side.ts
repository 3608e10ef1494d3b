/**
 * The main process without Electron, for a renderer in a browser: the demo
 * provider on 127.0.0.1, the real auth core over a real Vault (JsonFileStore,
 * AES-GCM cipher), the real IPC handlers behind an in-memory `ipcMain`, and a
 * Chromium playing the system browser whose `com.example.desktop:` redirects
 * go to `core.handleRedirect` — the entry point the OS deep link reaches in
 * the app. The renderer e2e (Playwright bindings) and `npm run preview`
 * (HTTP) each put their own transport in front of `ipc`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { demoAppConfig } from '../../main/app-config';
import { createAuthCore, type AuthCoreOptions } from '../../main/auth/auth-core';
import type { AppConfig } from '../../main/auth/config';
import { JsonFileStore } from '../../main/auth/json-file-store';
import type { AuthCore, Cipher } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import type { AppInfo } from '../../main/ipc/contract-types';
import { registerIpcHandlers, type IpcInvokeEventLike } from '../../main/ipc/handlers';
import { createTestCipher } from './aes-cipher';
import { REDIRECT_URI, SCHEME } from './core-rig';
import { InMemoryIpcMain, TEST_APP_INFO } from './ipc-harness';
import { launchSystemBrowser, type AutoLogin } from './system-browser';
import { TestVault as Vault } from './test-vault';

export interface MainSide {
  core: AuthCore;
  vault: Vault;
  demo: DemoProvider;
  ipc: InMemoryIpcMain;
  /** Authorization URLs the core asked the "OS" to open. */
  opened: string[];
  /** Opens the URL in the system-browser Chromium. */
  openInBrowser(url: string): Promise<void>;
  /** Who the system browser signs in as (mutable). */
  person: AutoLogin;
  /** Runs before the main side's own cleanups (a transport, a page). */
  onClose(cleanup: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export interface MainSideOptions {
  /** The origin the renderer is served from: the sender check trusts exactly it (the app trusts app://renderer). */
  trustedOrigin: () => string;
  /** The system browser logs in as the demo user by itself. */
  autoLogin: boolean;
  /** Open each authorization URL in the system browser at once (the preview); else only record it (tests open it when they choose). */
  openAtOnce?: boolean;
  cipher?: Cipher;
  config?: (demo: DemoProvider) => AppConfig;
  core?: Partial<AuthCoreOptions>;
  appInfo?: AppInfo;
  /** The Chromium to play the system browser in (the preview may pass a headed one). */
  browser?: Browser;
}

export async function startMainSide(opts: MainSideOptions): Promise<MainSide> {
  const demo = await startDemoProvider({ redirectUris: [REDIRECT_URI] });
  const dir = mkdtempSync(path.join(tmpdir(), 'main-side-'));
  const cleanups: (() => Promise<void> | void)[] = [
    () => demo.close(),
    () => {
      rmSync(dir, { recursive: true, force: true });
    },
  ];
  const close = async () => {
    // Each step bounded: a stuck cleanup must not eat a test's whole time budget.
    for (const cleanup of cleanups.splice(0)) await Promise.race([Promise.resolve(cleanup()).catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  };
  try {
    const vault = new Vault({ cipher: opts.cipher ?? createTestCipher(), store: new JsonFileStore(path.join(dir, 'vault.json')) });
    const opened: string[] = [];
    // Assigned below, before any sign-in can start.
    let openInBrowser: (url: string) => Promise<void> = () => Promise.resolve();
    const core = createAuthCore({
      config: (opts.config ?? demoAppConfig)(demo),
      vault,
      openUrl: (url) => {
        opened.push(url);
        // Like shell.openExternal: returns once the page is opening.
        if (opts.openAtOnce) void openInBrowser(url);
        return Promise.resolve();
      },
      // As the app: five minutes to finish signing in (the waiting view shows the time left).
      signInTimeoutMs: 5 * 60_000,
      ...opts.core,
    });
    cleanups.unshift(() => core.dispose());

    const person: AutoLogin = { ...demo.credentials, consent: 'allow' };
    const browser = await launchSystemBrowser({
      captureSchemes: [`${SCHEME}:`],
      onRedirect: (url) => {
        core.handleRedirect(url);
      },
      ...(opts.autoLogin ? { autoLogin: person } : {}),
      ...(opts.browser ? { browser: opts.browser } : {}),
    });
    openInBrowser = (url) => browser.open(url);
    cleanups.unshift(() => browser.close());

    const ipc = new InMemoryIpcMain();
    const isTrustedSender = (event: IpcInvokeEventLike) => event.senderFrame !== null && new URL(event.senderFrame.url).origin === opts.trustedOrigin();
    cleanups.unshift(registerIpcHandlers({ ipcMain: ipc, core, isTrustedSender, appInfo: opts.appInfo ?? TEST_APP_INFO }));

    return {
      core,
      vault,
      demo,
      ipc,
      opened,
      openInBrowser: (url) => browser.open(url),
      person,
      onClose: (cleanup) => cleanups.unshift(cleanup),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * A stand-in for the `electron` module where no Electron binary can run.
 * Used as `vi.mock('electron', async () => (await import('./fake-electron')).electronModule)`.
 *
 * It records what the glue code asks of Electron (event listeners, window
 * options, protocol handlers) so tests can fire the events the OS would and
 * assert the outcome. `safeStorage` encrypts for real (AES-256-GCM), with a
 * switchable backend name.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, vi } from 'vitest';
import { createTestCipher } from '../helpers/aes-cipher';

export interface FakeEvent {
  preventDefault: () => void;
  defaultPrevented: boolean;
  url: string;
}

export function fakeEvent(url = ''): FakeEvent {
  const e: FakeEvent = {
    url,
    defaultPrevented: false,
    preventDefault: () => {
      e.defaultPrevented = true;
    },
  };
  return e;
}

type PermissionRequestHandler = (wc: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
type PermissionCheckHandler = (wc: unknown, permission: string, origin: string, details: unknown) => boolean;

/** Electron's Session is an EventEmitter (`will-download`, …: docs/api/session.md "Instance Events"). */
export class FakeSession extends EventEmitter {
  requestHandler: PermissionRequestHandler | null = null;
  checkHandler: PermissionCheckHandler | null = null;
  setPermissionRequestHandler(h: PermissionRequestHandler | null) {
    this.requestHandler = h;
  }
  setPermissionCheckHandler(h: PermissionCheckHandler | null) {
    this.checkHandler = h;
  }
}

let nextWebContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextWebContentsId++;
  readonly session = new FakeSession();
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly send = vi.fn<(channel: string, ...args: unknown[]) => void>();
  setWindowOpenHandler(h: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = h;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly options: Record<string, unknown>;
  destroyed = false;
  minimized = false;
  readonly loadURL = vi.fn<(url: string) => Promise<void>>(async () => {});
  readonly show = vi.fn();
  readonly focus = vi.fn();
  readonly restore = vi.fn(() => {
    this.minimized = false;
  });
  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
    FakeBrowserWindow.instances.push(this);
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return this.minimized;
  }
}

export class FakeApp extends EventEmitter {
  readonly requestSingleInstanceLock = vi.fn(() => true);
  readonly quit = vi.fn(() => {});
  readonly setAsDefaultProtocolClient = vi.fn<(scheme: string, execPath?: string, args?: string[]) => boolean>(() => true);
  userData = '';
  /** `app.isPackaged` (docs/api/app.md): false when run as `electron .`, as every test run here is unless it says otherwise. */
  isPackaged = false;
  #ready!: Promise<void>;
  #resolveReady!: () => void;

  constructor() {
    super();
    this.reset();
  }

  whenReady(): Promise<void> {
    return this.#ready;
  }
  /** Resolves `whenReady()`, as Electron does once it is initialised. */
  fireReady(): void {
    this.#resolveReady();
  }
  getPath(): string {
    return this.userData;
  }
  setPath(_name: string, value: string): void {
    this.userData = value;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  reset(): void {
    this.removeAllListeners();
    this.requestSingleInstanceLock.mockReset().mockReturnValue(true);
    this.quit.mockReset();
    this.setAsDefaultProtocolClient.mockReset().mockReturnValue(true);
    this.isPackaged = false;
    if (this.userData.startsWith(path.join(tmpdir(), 'fake-electron-userdata-'))) rmSync(this.userData, { recursive: true, force: true });
    this.userData = mkdtempSync(path.join(tmpdir(), 'fake-electron-userdata-'));
    this.#ready = new Promise<void>((resolve) => {
      this.#resolveReady = resolve;
    });
  }
}

export const app = new FakeApp();
// Registered in the importing test file's root suite: the last userData dir goes too.
afterAll(() => {
  rmSync(app.userData, { recursive: true, force: true });
});

/** What the code under test asked of Electron; reset per test. */
export const state = {
  cipher: createTestCipher(),
  platformBackend: 'gnome_libsecret',
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  privilegedSchemes: [] as unknown[],
  ipcHandlers: new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>(),
  /** URLs requested through `net.fetch` (Chromium's stack in the real app; Node's fetch here). */
  netFetches: [] as string[],
};

/** Fresh app, cipher, handlers and windows for the next test. */
export function resetFakeElectron(): typeof state {
  app.reset();
  state.cipher = createTestCipher();
  state.platformBackend = 'gnome_libsecret';
  state.protocolHandlers.clear();
  state.privilegedSchemes.length = 0;
  state.ipcHandlers.clear();
  state.netFetches.length = 0;
  FakeBrowserWindow.instances = [];
  dialog.showErrorBox.mockClear();
  shell.openExternal.mockClear();
  return state;
}

// The module surface: stable objects, reset in place between tests.
export const dialog = { showErrorBox: vi.fn<(title: string, content: string) => void>(() => {}) };
export const shell = { openExternal: vi.fn<(url: string) => Promise<void>>(async () => {}) };

const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown[]) => {
    state.privilegedSchemes.push(...schemes);
  },
  handle: (scheme: string, handler: (request: Request) => Promise<Response>) => {
    state.protocolHandlers.set(scheme, handler);
  },
};

const safeStorage = {
  isEncryptionAvailable: () => state.cipher.isEncryptionAvailable(),
  getSelectedStorageBackend: () => state.platformBackend,
  encryptString: (plaintext: string) => Buffer.from(state.cipher.encrypt(plaintext)),
  decryptString: (encrypted: Buffer) => state.cipher.decrypt(encrypted),
};

const ipcMain = {
  handle: (channel: string, listener: (event: unknown, payload: unknown) => Promise<unknown>) => {
    if (state.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    state.ipcHandlers.set(channel, listener);
  },
  removeHandler: (channel: string) => {
    state.ipcHandlers.delete(channel);
  },
  on: () => ipcMain,
};

const net = {
  fetch: async (input: string | Request, init?: RequestInit): Promise<Response> => {
    state.netFetches.push(typeof input === 'string' ? input : input.url);
    return fetch(input, init);
  },
};

const surface = {
  net,
  app,
  BrowserWindow: FakeBrowserWindow,
  dialog,
  shell,
  protocol,
  safeStorage,
  ipcMain,
};

export const electronModule = { ...surface, default: surface };

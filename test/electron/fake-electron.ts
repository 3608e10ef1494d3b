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
import { FakeClientRequest, FakeNetSession, type FakeRequestOptions } from './fake-net';

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

/**
 * A session: permission handlers (recorded), the cookie store and `fetch` of test/electron/fake-net.ts,
 * and its events (`will-download`, …: Electron's Session is an EventEmitter, docs/api/session.md
 * "Instance Events"). Like the real one it lives as long as the process: listeners stay across tests.
 */
export class FakeSession extends FakeNetSession {
  readonly #events = new EventEmitter();
  on(event: string, listener: (...args: never[]) => void): this {
    this.#events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }
  emit(event: string, ...args: unknown[]): boolean {
    return this.#events.emit(event, ...args);
  }
  requestHandler: PermissionRequestHandler | null = null;
  checkHandler: PermissionCheckHandler | null = null;
  constructor(partition: string) {
    super(partition, (options) => net.request(options));
  }
  reset(): void {
    this.requestHandler = null;
    this.checkHandler = null;
    this.cookies.clear();
  }
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
  /** A window without `partition` in its webPreferences uses the default session (the app's windows do). */
  readonly session = session.defaultSession;
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
  readonly loadFile = vi.fn<(filePath: string) => Promise<void>>(async () => {});
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

  #isReady = false;
  whenReady(): Promise<void> {
    return this.#ready;
  }
  isReady(): boolean {
    return this.#isReady;
  }
  /** Resolves `whenReady()`, as Electron does once it is initialised. */
  fireReady(): void {
    this.#isReady = true;
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
  /**
   * `app.getLocale()`: the OS locale (tests set it to see the language follow). Electron documents
   * it as valid only after `ready`; what it returns before is not specified, so here it is ''.
   */
  locale = 'en-US';
  getLocale(): string {
    return this.isReady() ? this.locale : '';
  }
  reset(): void {
    this.removeAllListeners();
    this.requestSingleInstanceLock.mockReset().mockReturnValue(true);
    this.quit.mockReset();
    this.setAsDefaultProtocolClient.mockReset().mockReturnValue(true);
    this.isPackaged = false;
    this.locale = 'en-US';
    if (this.userData.startsWith(path.join(tmpdir(), 'fake-electron-userdata-'))) rmSync(this.userData, { recursive: true, force: true });
    this.userData = mkdtempSync(path.join(tmpdir(), 'fake-electron-userdata-'));
    this.#isReady = false;
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
  /** URLs requested through `net.fetch` or `net.request` (Chromium's stack in the real app; fake-net.ts here). */
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
  session.defaultSession.reset();
  partitions.clear();
  FakeBrowserWindow.instances = [];
  dialog.showErrorBox.mockClear();
  dialog.showMessageBox.mockClear();
  shell.openExternal.mockClear();
  shell.openPath.mockClear();
  Menu.applicationMenu = null;
  return state;
}

// The module surface: stable objects, reset in place between tests.
export const dialog = {
  showErrorBox: vi.fn<(title: string, content: string) => void>(() => {}),
  showMessageBox: vi.fn<(options: { message: string; detail?: string; buttons?: string[] }) => Promise<{ response: number }>>(() =>
    Promise.resolve({ response: 0 }),
  ),
};
export const shell = {
  openExternal: vi.fn<(url: string) => Promise<void>>(async () => {}),
  openPath: vi.fn<(path: string) => Promise<string>>(() => Promise.resolve('')),
};

/** Electron's `Menu` as far as the app uses it: a template is built into a menu, the last one set is the app's. */
export interface FakeMenuItem {
  label?: string;
  role?: string;
  type?: string;
  click?: () => void;
  submenu?: FakeMenuItem[];
}
export const Menu = {
  applicationMenu: null as FakeMenuItem[] | null,
  buildFromTemplate: (template: FakeMenuItem[]): FakeMenuItem[] => template,
  setApplicationMenu(menu: FakeMenuItem[] | null): void {
    Menu.applicationMenu = menu;
  },
};

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

/** session.fromPartition's sessions; the default session is `session.defaultSession`. */
const partitions = new Map<string, FakeSession>();

export const session = {
  defaultSession: new FakeSession(''),
  /** One session per partition name; names without `persist:` live in memory only (in the real app). */
  fromPartition(partition: string): FakeSession {
    if (partition === '') return session.defaultSession;
    let s = partitions.get(partition);
    if (!s) {
      s = new FakeSession(partition);
      partitions.set(partition, s);
    }
    return s;
  },
};

const net = {
  /** NET:11-19: only after `ready`; NCR:306-320: `session` wins over `partition`, neither = the default session. */
  request: (options: FakeRequestOptions | string): FakeClientRequest => {
    if (!app.isReady()) throw new Error('net module can only be used after app is ready');
    const r = new FakeClientRequest(options, (o) => {
      if (o.session) {
        if (!(o.session instanceof FakeSession)) throw new TypeError('`session` should be an instance of the Session class');
        return o.session;
      }
      return session.fromPartition(o.partition ?? '');
    });
    state.netFetches.push(r.url);
    return r;
  },
  /** NET:21-23: the default session's fetch (fake-net.ts fetchWithSession). */
  fetch: (input: string | Request, init?: RequestInit): Promise<Response> => session.defaultSession.fetch(input, init),
};

const surface = {
  net,
  session,
  app,
  BrowserWindow: FakeBrowserWindow,
  dialog,
  shell,
  Menu,
  protocol,
  safeStorage,
  ipcMain,
};

export const electronModule = { ...surface, default: surface };

// The `electron` module for the start-up bench (bench/main-start.ts): just
// enough of the main-process API for dist/main/index.js to reach `app.ready`
// in plain Node. Events never fire; windows never paint; safeStorage is an
// identity "cipher" (the bench stores no token).
import { EventEmitter } from 'node:events';

const userData = process.env.OIDC_DESKTOP_USER_DATA ?? process.cwd();

const noop = () => {
  // Nothing to do: the bench never observes these calls.
};
const emitterish = () => Object.assign(new EventEmitter(), { setMaxListeners: noop });

const defaultSession = {
  setPermissionRequestHandler: noop,
  setPermissionCheckHandler: noop,
  setDevicePermissionHandler: noop,
  webRequest: { onHeadersReceived: noop, onBeforeRequest: noop },
  on: noop,
};

export const app = Object.assign(emitterish(), {
  whenReady: () => Promise.resolve(),
  isReady: () => true,
  requestSingleInstanceLock: () => true,
  setAsDefaultProtocolClient: () => true,
  getPath: () => userData,
  setPath: noop,
  getVersion: () => '0.0.0-bench',
  getLocale: () => 'en-US',
  getName: () => 'bench',
  quit: noop,
  exit: noop,
  isPackaged: true,
});

export const protocol = { registerSchemesAsPrivileged: noop, handle: noop, unhandle: noop };
export const ipcMain = { handle: noop, removeHandler: noop, on: noop, removeListener: noop };
export const dialog = { showErrorBox: noop, showMessageBox: () => Promise.resolve({ response: 0 }) };
// The app's own menu (main/platform/app-menu.ts): built and set, never shown here.
export const Menu = { buildFromTemplate: (template) => template, setApplicationMenu: noop };
// The app sends nothing before the first sign-in: its network adapter (main/platform/net-fetch.ts,
// net.request on a session partition) is only built, never called, so these stay unused.
export const net = { fetch: (input, init) => globalThis.fetch(input, init) };
export const session = { defaultSession, fromPartition: () => defaultSession };
export const shell = { openExternal: () => Promise.resolve(), openPath: () => Promise.resolve('') };
export const safeStorage = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (s) => Buffer.from(s, 'utf8'),
  decryptString: (b) => Buffer.from(b).toString('utf8'),
};

let nextId = 1;
class WebContents extends EventEmitter {
  id = nextId++;
  session = defaultSession;
  setWindowOpenHandler = noop;
  send = noop;
  getURL = () => '';
}

export class BrowserWindow extends EventEmitter {
  webContents = new WebContents();
  loadURL = () => Promise.resolve();
  isDestroyed = () => false;
  isMinimized = () => false;
  show = noop;
  focus = noop;
  restore = noop;
  once(event, fn) {
    return super.once(event, fn);
  }
  static getAllWindows = () => [];
}

export default { app, protocol, ipcMain, dialog, Menu, net, shell, safeStorage, BrowserWindow, session };

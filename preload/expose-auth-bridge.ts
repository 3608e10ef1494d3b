/**
 * The preload bridge: exposes `window.auth`, one named function per IPC
 * message and nothing generic. This app's preload (preload/index.ts) and any
 * other app's (`oidc-desktop/preload`) call `exposeAuthBridge()`. A generic `invoke(channel, …)` would hand a compromised
 * page every channel there is (Electron's security guide, "Do not expose
 * Electron APIs to untrusted web content").
 *
 * `AuthBridge` is derived from `IpcContract`: a message missing here does
 * not compile.
 *
 * Bundled to CommonJS (`dist/preload/index.cjs`, and the package's
 * `preload.cjs`) because a sandboxed preload cannot be an ES module;
 * `contract-types.ts` is inlined by the bundler, `electron` stays a `require`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNELS, type AuthBridge, type SessionState } from '../main/ipc/contract-types';

/** The key on `window` the renderer finds the bridge under (`window.auth`). */
export const AUTH_BRIDGE_KEY = 'auth';

const bridge: AuthBridge = {
  getSession: () => ipcRenderer.invoke(IPC_CHANNELS.getSession),
  getAppInfo: () => ipcRenderer.invoke(IPC_CHANNELS.getAppInfo),
  listProviders: () => ipcRenderer.invoke(IPC_CHANNELS.listProviders),
  signIn: (input) => ipcRenderer.invoke(IPC_CHANNELS.signIn, input),
  cancelSignIn: () => ipcRenderer.invoke(IPC_CHANNELS.cancelSignIn),
  signOut: (input) => ipcRenderer.invoke(IPC_CHANNELS.signOut, input),
  signOutAll: () => ipcRenderer.invoke(IPC_CHANNELS.signOutAll),
  listAccounts: () => ipcRenderer.invoke(IPC_CHANNELS.listAccounts),
  setActiveAccount: (input) => ipcRenderer.invoke(IPC_CHANNELS.setActiveAccount, input),
  addAccount: (input) => ipcRenderer.invoke(IPC_CHANNELS.addAccount, input),
  requestConsent: (input) => ipcRenderer.invoke(IPC_CHANNELS.requestConsent, input),
  requestStepUp: (input) => ipcRenderer.invoke(IPC_CHANNELS.requestStepUp, input),
  request: (req) => ipcRenderer.invoke(IPC_CHANNELS.request, req),
  planApiConnection: (input) => ipcRenderer.invoke(IPC_CHANNELS.planApiConnection, input),
  connectApi: (input) => ipcRenderer.invoke(IPC_CHANNELS.connectApi, input),
  onSessionChanged(listener) {
    if (typeof listener !== 'function') throw new TypeError('onSessionChanged needs a function');
    // The page gets the state only: the event object carries `sender`, a
    // way back into ipcRenderer.
    const wrapped = (_event: IpcRendererEvent, state: SessionState) => {
      listener(state);
    };
    ipcRenderer.on(IPC_CHANNELS.sessionChanged, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.sessionChanged, wrapped);
    };
  },
};

/** Exposes the bridge as `window.auth`; call it once, from a preload script of the window passed to `installAuth`. */
export function exposeAuthBridge(): void {
  contextBridge.exposeInMainWorld(AUTH_BRIDGE_KEY, bridge);
}

/**
 * An in-memory `IpcMainLike`: records the handlers `registerIpcHandlers`
 * installs so a test (or the renderer e2e's Playwright bindings) can invoke
 * exactly those handlers, as Electron's `ipcMain` would.
 */
import type { AppInfo } from '../../main/ipc/contract-types';
import type { IpcInvokeEventLike, IpcMainLike } from '../../main/ipc/handlers';
import { createSenderCheck, type RendererWindowLike } from '../../main/ipc/renderer-window';

/** What a test's `getAppInfo` answers: the product name a default build has. */
export const TEST_APP_INFO: AppInfo = { productName: 'OIDC Desktop', version: '0.0.0-test', language: 'en' };

type Listener = (event: IpcInvokeEventLike, payload: unknown) => Promise<unknown>;

export const TRUSTED_EVENT: IpcInvokeEventLike = { senderFrame: { url: 'app://renderer/index.html' }, sender: { id: 1 } };

/** The app's window as the IPC layer sees it: `TRUSTED_EVENT` comes from its web contents. */
const TRUSTED_WINDOW: RendererWindowLike = {
  isDestroyed: () => false,
  webContents: {
    id: TRUSTED_EVENT.sender.id,
    send: () => undefined,
  },
};

/** The app's own sender check (`main/ipc/renderer-window.ts`), with `TRUSTED_WINDOW` as the main window. */
export const appSenderCheck = (): ((event: IpcInvokeEventLike) => boolean) => createSenderCheck(() => TRUSTED_WINDOW);

export class InMemoryIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();

  handle(channel: string, listener: Listener): void {
    // Electron throws on a second handler for the same channel; so do we.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** What `ipcRenderer.invoke(channel, payload)` would resolve to. */
  async invoke(channel: string, payload?: unknown, event: IpcInvokeEventLike = TRUSTED_EVENT): Promise<unknown> {
    const listener = this.handlers.get(channel);
    if (!listener) throw new Error(`No handler registered for '${channel}'`);
    return listener(event, payload);
  }
}

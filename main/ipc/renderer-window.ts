/**
 * The IPC layer's view of the app's one window: who may send messages, and
 * where session changes are pushed. `main/index.ts` hands in a getter for
 * its `BrowserWindow`; the tests hand in plain objects and exercise these
 * exact functions.
 */
import type { AuthCore } from '../auth/types';
import { IPC_CHANNELS } from './contract-types';
import type { IpcInvokeEventLike } from './handlers';
import { isRendererUrl } from './renderer-origin';

/** The part of a `BrowserWindow` this module looks at. */
export interface RendererWindowLike {
  isDestroyed(): boolean;
  readonly webContents: { readonly id: number; send(channel: string, ...args: unknown[]): void };
}

/** The current window, or null before it opens and after it closed. */
export type RendererWindowGetter = () => RendererWindowLike | null;

/**
 * The app's sender check (GitHub Desktop wraps every handler in one): the
 * message must come from a live frame (`senderFrame` is null once the frame
 * navigated away or was destroyed) on the renderer origin, inside the main
 * window's own web contents — not another window that happens to load the
 * same origin. `isRenderer` is this app's `app://renderer` unless a host app
 * serves its renderer elsewhere (`rendererUrlMatcher`).
 */
export function createSenderCheck(
  getWindow: RendererWindowGetter,
  isRenderer: (url: string) => boolean = isRendererUrl,
): (event: IpcInvokeEventLike) => boolean {
  return (event) => {
    const frame = event.senderFrame;
    if (frame === null || typeof frame !== 'object' || !isRenderer(frame.url)) return false;
    const win = getWindow();
    return win !== null && !win.isDestroyed() && event.sender.id === win.webContents.id;
  };
}

/**
 * Pushes every session change to the window on `IPC_CHANNELS.sessionChanged`.
 * No window, or a failing send (window closing), is skipped so the core's
 * other listeners still run; the next `getSession()` resynchronises the page.
 * Returns the unsubscribe function.
 */
export function forwardSessionChanges(core: Pick<AuthCore, 'onSessionChanged'>, getWindow: RendererWindowGetter): () => void {
  return core.onSessionChanged((state) => {
    const win = getWindow();
    if (win === null || win.isDestroyed()) return;
    try {
      win.webContents.send(IPC_CHANNELS.sessionChanged, state);
    } catch {
      // The window may be closing.
    }
  });
}

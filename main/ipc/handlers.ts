/**
 * The main-process end of the IPC contract. Every handler is the same short
 * pipeline: sender check → payload validation → core call → `{ ok, … }`.
 *
 * Electron-free: it takes an `ipcMain`-like object, so the exact handlers
 * that run in the app also run under unit tests and behind the renderer e2e
 * test's Playwright bindings.
 *
 * Handlers never throw across IPC: Electron would serialise a thrown error's
 * message (which may quote a URL or body) and strip its `code`, so every
 * outcome is returned as an `IpcResult`, errors through `toErrorPayload`.
 */
import { toErrorPayload } from '../auth/errors';
import type { AuthCore, SessionState } from '../auth/types';
import { INVOKE_CHANNELS, validatePayload, type ChannelRequest, type InvokeChannel } from './contract';
import { IPC_CHANNELS, type IpcContract, type IpcResult } from './contract-types';

/** The part of an `IpcMainInvokeEvent` the handlers look at. */
export interface IpcInvokeEventLike {
  senderFrame: { url: string } | null;
  sender: { id: number };
}

/** The part of Electron's `ipcMain` the handlers need. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, payload: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/**
 * The renderer's origin. Kept here rather than imported from
 * `platform/app-protocol.ts`, which imports `electron`; the two must agree.
 */
const RENDERER_PROTOCOL = 'app:';
const RENDERER_HOST = 'renderer';

/**
 * True only for URLs on exactly `app://renderer`: no user info, no port, no
 * look-alike host (`app://renderer.evil/`, `app://renderer@evil/`,
 * `app://x@renderer/`). Parsed with `URL`, never compared as text.
 */
export function isTrustedRendererUrl(url: string): boolean {
  if (typeof url !== 'string') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === RENDERER_PROTOCOL &&
    parsed.host === RENDERER_HOST &&
    parsed.hostname === RENDERER_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/**
 * The default sender check for the app: the message must come from a frame
 * (null once the frame navigated away or was destroyed) on the renderer origin.
 */
export function isTrustedRendererSender(event: IpcInvokeEventLike): boolean {
  const frame = event.senderFrame;
  return frame !== null && typeof frame === 'object' && isTrustedRendererUrl(frame.url);
}

export interface RegisterIpcHandlersDeps {
  ipcMain: IpcMainLike;
  core: AuthCore;
  isTrustedSender: (event: IpcInvokeEventLike) => boolean;
}

type Responders = { [C in InvokeChannel]: (core: AuthCore, input: ChannelRequest<C>) => Promise<IpcContract[C]['response']> };

/** What each channel asks of the core. */
const RESPONDERS: Responders = {
  getSession: async (core) => core.getSession(),
  listProviders: async (core) => core.listProviders(),
  signIn: (core, input) => core.signIn(input?.providerId),
  cancelSignIn: async (core) => {
    core.cancelSignIn();
    return null;
  },
  signOut: (core, input) => core.signOut(input?.accountId),
  signOutAll: (core) => core.signOutAll(),
  listAccounts: async (core) => core.listAccounts(),
  setActiveAccount: (core, input) => core.setActiveAccount(input.accountId),
  // Adding a person at a provider where someone is signed in: the provider must show its login page.
  addAccount: (core, input) => core.signIn(input.providerId, { prompt: 'login' }),
  requestConsent: (core, input) => core.requestConsent(input.api, input.accountId !== undefined ? { accountId: input.accountId } : {}),
  request: (core, input) => core.request(input),
};

const NOT_ALLOWED = 'This message is not allowed from this frame.';

/**
 * Registers one handler per invokable channel on `ipcMain`. Returns a
 * function that removes them all again.
 */
export function registerIpcHandlers(deps: RegisterIpcHandlersDeps): () => void {
  const { ipcMain, core, isTrustedSender } = deps;
  const registered: string[] = [];
  for (const key of INVOKE_CHANNELS) {
    const channel = IPC_CHANNELS[key];
    ipcMain.handle(channel, (event, payload) => handle(key, event, payload));
    registered.push(channel);
  }

  async function handle<C extends InvokeChannel>(key: C, event: IpcInvokeEventLike, payload: unknown): Promise<IpcResult<IpcContract[C]['response']>> {
    try {
      if (!isTrustedSender(event)) return { ok: false, error: { code: 'invalid_request', message: NOT_ALLOWED } };
      const input = validatePayload(key, payload);
      const responder = RESPONDERS[key] as Responders[C];
      const data = await responder(core, input);
      return { ok: true, data };
    } catch (err) {
      return { ok: false, error: toErrorPayload(err) };
    }
  }

  return () => {
    for (const channel of registered.splice(0)) ipcMain.removeHandler(channel);
  };
}

/**
 * Pushes every session change to the renderer on `IPC_CHANNELS.sessionChanged`.
 * `send` is e.g. `(channel, state) => win.webContents.send(channel, state)`;
 * a failing send (window gone) is swallowed so the core's other listeners
 * still run. Returns the unsubscribe function.
 */
export function forwardSessionChanges(core: AuthCore, send: (channel: string, state: SessionState) => void): () => void {
  return core.onSessionChanged((state) => {
    try {
      send(IPC_CHANNELS.sessionChanged, state);
    } catch {
      // The window may be closing; the next getSession() call resynchronises it.
    }
  });
}

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
import type { AuthCore } from '../auth/types';
import { INVOKE_CHANNELS, validatePayload } from './contract';
import { IPC_CHANNELS, type AppInfo, type ChannelRequest, type ChannelResponse, type InvokeChannel, type IpcResult } from './contract-types';

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

export interface RegisterIpcHandlersDeps {
  ipcMain: IpcMainLike;
  core: AuthCore;
  isTrustedSender: (event: IpcInvokeEventLike) => boolean;
  /** What `getAppInfo` answers. */
  appInfo: AppInfo;
}

/** What a responder may use. */
interface ResponderContext {
  core: AuthCore;
  appInfo: AppInfo;
}

/** Mapped over the contract: a message without a responder does not compile. */
type Responders = { [C in InvokeChannel]: (ctx: ResponderContext, input: ChannelRequest<C>) => Promise<ChannelResponse<C>> };

/** What each channel asks of the core. */
const RESPONDERS: Responders = {
  // The synchronous ones are wrapped; `handle` awaits a responder inside its try, so a throw is handled the same either way.
  getSession: ({ core }) => Promise.resolve(core.getSession()),
  getAppInfo: ({ appInfo }) => Promise.resolve(appInfo),
  listProviders: ({ core }) => Promise.resolve(core.listProviders()),
  signIn: ({ core }, input) => core.signIn(input?.providerId, input?.onAnotherDevice === true ? { onAnotherDevice: true } : undefined),
  cancelSignIn: ({ core }) => {
    core.cancelSignIn();
    return Promise.resolve(null);
  },
  signOut: ({ core }, input) => core.signOut(input?.accountId),
  signOutAll: ({ core }) => core.signOutAll(),
  listAccounts: ({ core }) => Promise.resolve(core.listAccounts()),
  setActiveAccount: ({ core }, input) => core.setActiveAccount(input.accountId),
  // Adding a person at a provider where someone is signed in: the provider must show its login page.
  addAccount: ({ core }, input) => core.signIn(input.providerId, { prompt: 'login' }),
  requestConsent: ({ core }, input) => core.requestConsent(input.api, input.accountId !== undefined ? { accountId: input.accountId } : {}),
  requestStepUp: ({ core }, input) => core.requestStepUp(input?.api, input?.accountId !== undefined ? { accountId: input.accountId } : {}),
  request: ({ core }, input) => core.request(input),
  planApiConnection: ({ core }, input) => core.planApiConnection(input.apiUrl),
  connectApi: ({ core }, input) => core.connectApi(input.planId),
};

const NOT_ALLOWED = 'This message is not allowed from this frame.';

/**
 * Registers one handler per invokable channel on `ipcMain`. Returns a
 * function that removes them all again.
 */
export function registerIpcHandlers(deps: RegisterIpcHandlersDeps): () => void {
  const { ipcMain, isTrustedSender } = deps;
  const context: ResponderContext = { core: deps.core, appInfo: deps.appInfo };
  const registered: string[] = [];
  for (const key of INVOKE_CHANNELS) {
    const channel = IPC_CHANNELS[key];
    ipcMain.handle(channel, (event, payload) => handle(key, event, payload));
    registered.push(channel);
  }

  async function handle<C extends InvokeChannel>(key: C, event: IpcInvokeEventLike, payload: unknown): Promise<IpcResult<ChannelResponse<C>>> {
    try {
      if (!isTrustedSender(event)) return { ok: false, error: { code: 'invalid_request', message: NOT_ALLOWED } };
      const input = validatePayload(key, payload);
      const responder = RESPONDERS[key];
      const data = await responder(context, input);
      return { ok: true, data };
    } catch (err) {
      return { ok: false, error: toErrorPayload(err) };
    }
  }

  return () => {
    for (const channel of registered.splice(0)) ipcMain.removeHandler(channel);
  };
}

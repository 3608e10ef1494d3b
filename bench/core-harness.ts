/**
 * The real auth core as the app composes it, wired for measuring: a vault
 * (JSON file store + AES-GCM test cipher) whose writes are timed, the IPC
 * handlers registered on an in-memory ipcMain with the app's own sender
 * check (`createSenderCheck` from `main/ipc/renderer-window.ts`, given a
 * stand-in window whose web contents sends `TRUSTED_EVENT`; see
 * `test/helpers/ipc-harness.ts`), a movable clock,
 * and a system browser played over plain HTTP.
 */
import { serialize, deserialize } from 'node:v8';
import type { AppConfig } from '../main/auth/config';
import type { AuthCore } from '../main/auth/types';
import { IPC_CHANNELS } from '../main/ipc/contract-types';
import { registerIpcHandlers } from '../main/ipc/handlers';
import { startCoreRig } from '../test/helpers/core-rig';
import { loginOverHttp } from '../test/helpers/http-login';
import { appSenderCheck, InMemoryIpcMain, TEST_APP_INFO, TRUSTED_EVENT } from '../test/helpers/ipc-harness';
import { providerTimer, type ProviderTimer } from './provider-timer';
import type { RemoteDemo } from './remote-demo';
import { timedVault, type TimedVault } from './timed-vault';

const API_PAYLOAD = { method: 'GET', path: '/hello' } as const;
/** The fast API: the provider's second API base URL (bench/run.ts). */
const FAST_API_PAYLOAD = { method: 'GET', path: '/hello', api: 1 } as const;

export interface SignInTiming {
  /** Callback handed to the core → `signIn()` resolved with the session persisted. */
  totalMs: number;
  /** The same minus every request to the provider (token, userinfo). */
  localMs: number;
  tokenMs: number;
  vaultWriteMs: number;
}

export interface CoreHarness {
  core: AuthCore;
  timer: ProviderTimer;
  /** Moves the core's clock two hours on: the access token has expired. */
  expireAccessToken(): void;
  /** One API call through the `api:request` handler, serialised as Electron IPC does (V8 structured clone). */
  callApi(): Promise<Buffer>;
  /** The same to the fast API (no introspection). */
  callFastApi(): Promise<Buffer>;
  signIn(): Promise<SignInTiming>;
  close(): Promise<void>;
}

/** True when a serialised `api:request` answer is the API's 200. */
export function isApiSuccess(answer: Buffer): boolean {
  const value = deserialize(answer) as { ok?: boolean; data?: { status?: number; body?: string } };
  return value.ok === true && value.data?.status === 200 && (value.data.body ?? '').includes('Hello');
}

export async function startCoreHarness(demo: RemoteDemo, config: AppConfig, dir: string, scheme: string): Promise<CoreHarness> {
  const timer = providerTimer(demo);
  let vault: TimedVault | undefined;
  let callbackAt = 0;
  const rig = await startCoreRig({
    dir,
    config,
    // The durable write (encrypt, temp file, fsync, rename, fsync dir) is reported on its own.
    wrapVault: (inner) => (vault = timedVault(inner)).vault,
    fetch: timer.fetch,
    openUrl: async (url) => {
      // The person logs in (not measured); the clock starts when the callback reaches the core.
      const callback = await loginOverHttp(url, demo.credentials, scheme);
      timer.reset();
      vault?.reset();
      callbackAt = performance.now();
      if (!rig.core.handleRedirect(callback)) throw new Error('the core ignored a genuine callback');
    },
  });
  const { core } = rig;
  const timed = vault;
  if (!timed) throw new Error('the rig did not build its vault');
  const ipc = new InMemoryIpcMain();
  const unregister = registerIpcHandlers({ ipcMain: ipc, core, isTrustedSender: appSenderCheck(), appInfo: TEST_APP_INFO });

  return {
    core,
    timer,
    expireAccessToken: () => {
      rig.advance(2 * 3600 * 1000);
    },
    callApi: async () => serialize(await ipc.invoke(IPC_CHANNELS.request, API_PAYLOAD, TRUSTED_EVENT)),
    callFastApi: async () => serialize(await ipc.invoke(IPC_CHANNELS.request, FAST_API_PAYLOAD, TRUSTED_EVENT)),
    signIn: async () => {
      const state = await core.signIn();
      const totalMs = performance.now() - callbackAt;
      if (state.status !== 'signed_in') throw new Error(`sign-in ended ${state.status}`);
      return { totalMs, localMs: totalMs - timer.spentMs, tokenMs: timer.tokenMs, vaultWriteMs: timed.writeMs };
    },
    close: async () => {
      unregister();
      await core.signOut();
      await core.dispose();
    },
  };
}

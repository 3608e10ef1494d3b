/**
 * The real auth core as the app composes it, wired for measuring: a vault
 * (JSON file store + AES-GCM test cipher) whose writes are timed, the IPC
 * handlers registered on an in-memory ipcMain with the app's own sender
 * check (`createSenderCheck` from `main/ipc/renderer-window.ts`, given a
 * stand-in window whose web contents sends `TRUSTED_EVENT`), a movable clock,
 * and a system browser played over plain HTTP.
 */
import { serialize, deserialize } from 'node:v8';
import path from 'node:path';
import { createAuthCore } from '../main/auth/auth-core';
import type { AppConfig } from '../main/auth/config';
import { JsonFileStore } from '../main/auth/json-file-store';
import type { AuthCore } from '../main/auth/types';
import { Vault } from '../main/auth/vault';
import { IPC_CHANNELS } from '../main/ipc/contract-types';
import { registerIpcHandlers } from '../main/ipc/handlers';
import { createSenderCheck } from '../main/ipc/renderer-window';
import { createTestCipher } from '../test/helpers/aes-cipher';
import { loginOverHttp } from '../test/helpers/http-login';
import { InMemoryIpcMain, TRUSTED_EVENT } from '../test/helpers/ipc-harness';
import { providerTimer, type ProviderTimer } from './provider-timer';
import type { RemoteDemo } from './remote-demo';
import { timedVault } from './timed-vault';

/** The app's window as the sender check sees it: `TRUSTED_EVENT` comes from its web contents. */
const WINDOW = { isDestroyed: () => false, webContents: { id: TRUSTED_EVENT.sender.id, send: () => {} } };

export const API_PAYLOAD = { method: 'GET', path: '/hello' } as const;

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
  // The durable write (encrypt, temp file, fsync, rename, fsync dir) is reported on its own.
  const vault = timedVault(new Vault({ cipher: createTestCipher(), store: new JsonFileStore(path.join(dir, 'vault.json')) }));
  let clockOffset = 0;
  let callbackAt = 0;
  const core = await createAuthCore({
    config,
    vault: vault.vault,
    fetch: timer.fetch,
    clock: () => Date.now() + clockOffset,
    openUrl: async (url) => {
      // The person logs in (not measured); the clock starts when the callback reaches the core.
      const callback = await loginOverHttp(url, demo.credentials, scheme);
      timer.reset();
      vault.reset();
      callbackAt = performance.now();
      if (!core.handleRedirect(callback)) throw new Error('the core ignored a genuine callback');
    },
  });
  const ipc = new InMemoryIpcMain();
  const unregister = registerIpcHandlers({ ipcMain: ipc, core, isTrustedSender: createSenderCheck(() => WINDOW) });

  return {
    core,
    timer,
    expireAccessToken: () => {
      clockOffset += 2 * 3600 * 1000;
    },
    callApi: async () => serialize(await ipc.invoke(IPC_CHANNELS.request, API_PAYLOAD, TRUSTED_EVENT)),
    signIn: async () => {
      const state = await core.signIn();
      const totalMs = performance.now() - callbackAt;
      if (state.status !== 'signed_in') throw new Error(`sign-in ended ${state.status}`);
      return { totalMs, localMs: totalMs - timer.spentMs, tokenMs: timer.tokenMs, vaultWriteMs: vault.writeMs };
    },
    close: async () => {
      unregister();
      await core.signOut();
      await core.dispose();
    },
  };
}

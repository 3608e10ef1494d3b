/**
 * Starts bench/demo-server.ts (the real demo provider and API) in a child
 * process and talks to it over Node IPC: its address, its counters, close.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import type { DemoCounters, DemoProvider } from '../main/demo/demo-provider';

/** The demo provider's addresses and people as the child reports them; counters and controls over IPC. */
export type RemoteDemo = Pick<DemoProvider, 'issuer' | 'apiBaseUrl' | 'clientId' | 'credentials' | 'colleague' | 'apis' | 'discoverableApi'> & {
  /** A resource server that answers without introspection (`api_call_fast`). */
  fastApiBaseUrl: string;
  counters(): Promise<DemoCounters>;
  /** Makes the API's DPoP nonce stale: the next DPoP call is challenged (use_dpop_nonce). */
  rotateDpopNonce(): Promise<void>;
  close(): Promise<void>;
};

type Ready = Pick<RemoteDemo, 'issuer' | 'apiBaseUrl' | 'fastApiBaseUrl' | 'clientId' | 'credentials' | 'colleague' | 'apis' | 'discoverableApi'>;

export async function startRemoteDemo(redirectUri: string): Promise<RemoteDemo> {
  const child = fork(path.join(import.meta.dirname, 'demo-server.ts'), [redirectUri], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const next = <T>(type: string, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (msg: { type: string } & T) => {
        if (msg.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(msg);
      };
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`demo server: no ${type} message within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('message', onMessage);
    });
  let ready: Ready;
  try {
    ready = await next<Ready>('ready');
  } catch (err) {
    child.kill();
    throw err;
  }
  return {
    issuer: ready.issuer,
    apiBaseUrl: ready.apiBaseUrl,
    fastApiBaseUrl: ready.fastApiBaseUrl,
    clientId: ready.clientId,
    credentials: ready.credentials,
    colleague: ready.colleague,
    apis: ready.apis,
    discoverableApi: ready.discoverableApi,
    async counters() {
      const reply = next<{ counters: DemoCounters }>('counters', 5_000);
      child.send({ type: 'counters' });
      return (await reply).counters;
    },
    async rotateDpopNonce() {
      const reply = next<object>('rotated', 5_000);
      child.send({ type: 'rotate-nonce' });
      await reply;
    },
    async close() {
      // Read afresh each time: the child may exit while we wait.
      const running = (): boolean => child.exitCode === null;
      if (!running()) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (running()) child.kill();
    },
  };
}

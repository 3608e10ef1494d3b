/**
 * `window.auth` over HTTP, for the preview: the page's bridge (served as
 * /__preview/bridge.js) sends each call as `POST /__preview/ipc` and hears
 * session pushes on an event stream. The server side hands every call to the
 * same IPC handlers the app registers, with the request's `Origin` standing
 * in for the sender frame — so the handlers' own sender check refuses any
 * other site, as it refuses another frame in the app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { INVOKE_CHANNELS } from '../../main/ipc/contract';
import { IPC_CHANNELS } from '../../main/ipc/contract-types';
import type { IpcInvokeEventLike } from '../../main/ipc/handlers';
import type { RendererWindowLike } from '../../main/ipc/renderer-window';

const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** The page's side: one function per channel (as the preload builds it), nothing generic on `window`. */
export function bridgeScript(): string {
  return `'use strict';
(() => {
  const CHANNELS = ${JSON.stringify(IPC_CHANNELS)};
  const invoke = async (channel, payload) => {
    const res = await fetch('/__preview/ipc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, payload }) });
    return res.json();
  };
  const listeners = new Set();
  const events = new EventSource('/__preview/events');
  events.onmessage = (e) => { const state = JSON.parse(e.data); for (const l of listeners) l(state); };
  const bridge = {};
  for (const [key, channel] of Object.entries(CHANNELS)) if (key !== 'sessionChanged') bridge[key] = (input) => invoke(channel, input);
  bridge.onSessionChanged = (listener) => { listeners.add(listener); return () => listeners.delete(listener); };
  Object.defineProperty(window, 'auth', { value: Object.freeze(bridge), enumerable: true });
})();
`;
}

/** The built index.html with the bridge loaded first and `connect-src 'self'` (the app's page may connect nowhere). */
export function previewIndex(html: string): string {
  return html
    .replace("connect-src 'none'", "connect-src 'self'")
    .replace('<meta charset="utf-8" />', '<meta charset="utf-8" />\n    <script src="./__preview/bridge.js"></script>');
}

export interface HttpBridge {
  /** For `serveStatic`'s `extra`: answers the bridge's requests. */
  handle: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The "window" `forwardSessionChanges` pushes to: every open event stream. */
  window: RendererWindowLike;
}

/** What a page may invoke: the invokable channels only (the session push is main → page). */
const INVOKABLE = new Set<string>(INVOKE_CHANNELS.map((key) => IPC_CHANNELS[key]));

export function createHttpBridge(invoke: (channel: string, payload: unknown, event: IpcInvokeEventLike) => Promise<unknown>): HttpBridge {
  const streams = new Set<ServerResponse>();
  return {
    window: {
      isDestroyed: () => false,
      webContents: {
        id: 1,
        send: (_channel, state) => {
          for (const res of streams) res.write(`data: ${JSON.stringify(state)}\n\n`);
        },
      },
    },
    handle(req, res) {
      const { pathname } = new URL(req.url ?? '/', 'http://x');
      if (pathname === '/__preview/bridge.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(bridgeScript());
        return true;
      }
      if (pathname === '/__preview/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return true;
      }
      if (pathname !== '/__preview/ipc') return false;
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return true;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy();
        else chunks.push(chunk);
      });
      req.on('end', () => {
        void (async () => {
          let message: { channel?: unknown; payload?: unknown };
          try {
            message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof message;
          } catch {
            res.writeHead(400).end();
            return;
          }
          // A fetch from our page sends its Origin; anything else is "another frame" to the sender check.
          const from = typeof req.headers.origin === 'string' ? req.headers.origin : 'null';
          const event: IpcInvokeEventLike = { senderFrame: from === 'null' ? null : { url: `${from}/index.html` }, sender: { id: 1 } };
          const known = typeof message.channel === 'string' && INVOKABLE.has(message.channel);
          let result: unknown;
          try {
            result = known
              ? await invoke(String(message.channel), message.payload, event)
              : { ok: false, error: { code: 'invalid_request', message: 'Unknown message.' } };
          } catch {
            // The handlers answer every outcome themselves; anything else must not take the preview down.
            res.writeHead(500).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(result));
        })();
      });
      return true;
    },
  };
}

/**
 * A real HTTP server on 127.0.0.1 that stands in front of one upstream
 * endpoint and misbehaves on purpose: 5xx, hang, HTML, a body without an
 * access token, a redirect to another origin, a slow answer — or passes the
 * request through. It records what it received (bodies and Authorization
 * headers) so tests can prove what was, and was not, sent.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultMode = 'pass' | 'status500' | 'hang' | 'html' | 'no_access_token' | 'redirect_away' | 'slow' | 'always401' | 'respond';

/** The answer `respond` mode gives: any status, any body shape (JSON error, empty, HTML, plain text). */
export interface CannedResponse {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface SeenRequest {
  method: string;
  path: string;
  body: string;
  authorization: string | undefined;
}

export interface FaultServer {
  origin: string;
  mode: FaultMode;
  /** Only requests whose body matches are faulted (e.g. only refresh grants); others pass. */
  only?: RegExp;
  slowMs: number;
  /** Where `redirect_away` sends the client. */
  redirectTo: string;
  /** What `respond` mode answers. */
  response: CannedResponse;
  seen: SeenRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `upstream` is the origin requests are forwarded to in `pass` mode (path kept). */
export async function startFaultServer(upstream: string, mode: FaultMode = 'pass'): Promise<FaultServer> {
  const hanging = new Set<import('node:http').ServerResponse>();
  const state: FaultServer = { origin: '', mode, slowMs: 300, redirectTo: 'http://127.0.0.2:9/token', response: { status: 400, body: '' }, seen: [], close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    state.seen.push({ method: req.method ?? 'GET', path: req.url ?? '/', body, authorization: req.headers.authorization });
    const faulted = state.only ? state.only.test(body) : true;
    const mode = faulted ? state.mode : 'pass';
    const forward = async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      const up = await fetch(`${upstream}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body, redirect: 'manual' });
      const text = await up.text();
      return { status: up.status, contentType: up.headers.get('content-type') ?? 'application/json', text };
    };
    switch (mode) {
      case 'status500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal failure');
        return;
      case 'hang':
        hanging.add(res);
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Maintenance</body></html>');
        return;
      case 'redirect_away':
        res.writeHead(307, { location: state.redirectTo }).end();
        return;
      case 'respond': {
        const { status, body: text, contentType, headers } = state.response;
        res.writeHead(status, { ...(contentType ? { 'content-type': contentType } : {}), ...headers }).end(text);
        return;
      }
      case 'always401':
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' }).end('{"error":"invalid_token"}');
        return;
      case 'no_access_token': {
        const up = await forward();
        const parsed = JSON.parse(up.text) as Record<string, unknown>;
        delete parsed.access_token;
        res.writeHead(up.status, { 'content-type': 'application/json' }).end(JSON.stringify(parsed));
        return;
      }
      case 'slow':
      case 'pass': {
        if (mode === 'slow') await new Promise((r) => setTimeout(r, state.slowMs));
        const up = await forward();
        res.writeHead(up.status, { 'content-type': up.contentType }).end(up.text);
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

/**
 * Serves the built renderer (`dist/renderer`) read-only on 127.0.0.1, as
 * `app://renderer` does in the app: nothing outside the directory is
 * reachable. The renderer e2e serves it as it is; `npm run preview` adds its
 * HTTP bridge (`extra`) and lets the page reach it (`rewriteIndex`).
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
};

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

export async function serveStatic(
  root: string,
  opts: {
    /** Answers a request itself (true) or leaves it to the files (false). */
    extra?: (req: IncomingMessage, res: ServerResponse, origin: string) => boolean;
    rewriteIndex?: (html: string) => string;
    port?: number;
  } = {},
): Promise<StaticServer> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    // Only as the address it printed: a page on another name that resolves here (DNS rebinding) is refused.
    if (`http://${req.headers.host ?? ''}` !== origin) {
      res.writeHead(421).end();
      return;
    }
    if (opts.extra?.(req, res, origin)) return;
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = path.resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    if (opts.rewriteIndex && path.basename(file) === 'index.html') res.end(opts.rewriteIndex(readFileSync(file, 'utf8')));
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        // A page may still hold a keep-alive connection (or the preview's event stream).
        server.closeAllConnections();
      }),
  };
}

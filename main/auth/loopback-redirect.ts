/**
 * Loopback redirect (RFC 8252 §7.3) for providers that refuse private-use
 * schemes: an HTTP listener on 127.0.0.1 (never 0.0.0.0), on an ephemeral
 * port, opened for one sign-in. It accepts exactly one callback the core
 * recognises, answers the browser with a page saying to return to the app,
 * and closes — also on timeout or cancel, via `close()`.
 *
 * Anything that can reach 127.0.0.1 can reach it while it waits, a web page
 * included, so it answers only requests addressed to it by name (`Host`
 * exactly `127.0.0.1:<port>`: a DNS-rebinding page sends its own host name),
 * keeps few connections, and drops a connection that is slow to send its
 * headers. A browser following a redirect does all of that in milliseconds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './types';

export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port>/callback` — register it (any port) with the provider. */
  readonly redirectUri: string;
  close(): Promise<void>;
}

const PAGE_STYLE = 'body{font:16px system-ui,sans-serif;margin:4rem auto;max-width:32rem;color:#222}';

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${PAGE_STYLE}</style></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}

/** A browser needs one or two connections; more are someone holding the listener open. */
export const LOOPBACK_MAX_CONNECTIONS = 8;
/** From connection to the end of the request headers; a browser takes milliseconds. */
export const LOOPBACK_HEADERS_TIMEOUT_MS = 3000;

const DONE_PAGE = page('Signed in', 'You can close this tab and return to the app.');
const INVALID_PAGE = page('Sign-in link not valid', 'This sign-in link is not valid or has expired. Return to the app and try again.');

/**
 * Starts the listener. `onCallback` receives the full callback URL and
 * returns true when it belonged to a pending sign-in (then the listener closes).
 */
export async function openLoopbackRedirect(opts: { onCallback: (url: string) => boolean; logger: Logger; path?: string }): Promise<LoopbackRedirect> {
  const path = opts.path ?? '/callback';
  let port = 0;
  let accepted = false;
  // Imported here, not at the top: only providers that need a loopback redirect
  // pay for loading node:http, and not at every start of the app.
  const { createServer } = await import('node:http');
  const server = createServer(
    {
      headersTimeout: LOOPBACK_HEADERS_TIMEOUT_MS,
      requestTimeout: LOOPBACK_HEADERS_TIMEOUT_MS,
      // Node checks both timeouts only this often (30 s by default: a header-dripping connection lived ~32 s).
      connectionsCheckingInterval: 250,
    },
    (req: IncomingMessage, res: ServerResponse) => {
      const reply = (status: number, body: string) => {
        res.writeHead(status, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          'referrer-policy': 'no-referrer',
          connection: 'close',
        });
        res.end(body);
      };
      const target = req.url ?? '';
      if (req.headers.host !== `127.0.0.1:${port}`) {
        opts.logger('warn', 'loopback.host_refused', {});
        reply(421, page('Not found', 'Nothing here.'));
        return;
      }
      // Same shape of check as the deep link: exact path, GET, bounded size.
      if (req.method !== 'GET' || target.length > 8192 || !(target === path || target.startsWith(`${path}?`))) {
        reply(404, page('Not found', 'Nothing here.'));
        return;
      }
      if (accepted) {
        reply(400, INVALID_PAGE);
        return;
      }
      const ok = opts.onCallback(`http://127.0.0.1:${port}${target}`);
      if (!ok) {
        opts.logger('warn', 'loopback.callback_refused', {});
        reply(400, INVALID_PAGE);
        return;
      }
      accepted = true;
      reply(200, DONE_PAGE);
      // Let the answer reach the browser, then stop listening.
      res.on('finish', () => void close());
    },
  );
  server.keepAliveTimeout = 1000;
  // Node destroys connections past this at once (net.Server#maxConnections).
  server.maxConnections = LOOPBACK_MAX_CONNECTIONS;
  // An idle connection (nothing sent) goes too, not only a slow request.
  server.setTimeout(LOOPBACK_HEADERS_TIMEOUT_MS);

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
    return closing;
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  opts.logger('debug', 'loopback.listening', { port });
  return { redirectUri: `http://127.0.0.1:${port}${path}`, close };
}

/**
 * The network for the app: Chromium's network stack (Electron's `net`)
 * instead of Node's. It follows the system proxy settings and PAC files,
 * trusts the OS certificate store (where a company installs its
 * TLS-inspecting CA) and does integrated proxy authentication (NTLM,
 * Negotiate/Kerberos) without asking. The auth core stays Electron-free: this
 * is only the `fetch` it is given.
 *
 * Built on `net.request`, not `net.fetch`, because `net.fetch` differs from
 * the Fetch standard in two ways that matter here (electron/electron
 * lib/browser/api/net-fetch.ts):
 * - it passes `redirect` to `ClientRequest` and adds no `redirect` listener
 *   (lines 87-98), so `redirect: 'manual'` (the API client and openid-client
 *   send it, to check each hop themselves) makes the request die with
 *   "Redirect was cancelled" (lib/common/api/net-client-request.ts 481-493)
 *   instead of returning the 3xx. Here a `redirect` listener hands the 3xx
 *   back, unfollowed, so the caller's per-hop checks run;
 * - it turns the default `credentials: 'same-origin'` into `include` when
 *   there is no Origin (lines 83-85): every Set-Cookie of a provider or API
 *   would land in the default session, the renderer's, and go back with later
 *   requests, also those made for another account. Here every request says
 *   `credentials: 'omit'` (no cookies sent or stored, no server auth prompt)
 *   and runs in a session of its own, {@link AUTH_PARTITION}: in memory only,
 *   never the renderer's (no shared HTTP cache, auth cache or sockets).
 *
 * Tested against test/electron/fake-net.ts, which copies that source
 * (docs/electron-fake.md lists what it reproduces and what not).
 *
 * @see https://www.electronjs.org/docs/latest/api/client-request
 */
import type { Readable } from 'node:stream';
import { app, net, session } from 'electron';
import { nodeStream } from '../auth/lazy-builtins';
import type { FetchLike, Logger } from '../auth/types';

/** The session partition for auth traffic: no `persist:` prefix, so Electron keeps it in memory only. */
export const AUTH_PARTITION = 'oidc-desktop-auth';

export interface NetFetchDeps {
  request: (options: Electron.ClientRequestConstructorOptions) => Electron.ClientRequest;
  /** Called on the first request (sessions exist only after `ready`). */
  session: () => Electron.Session;
}

const electronNet: NetFetchDeps = {
  request: (options) => net.request(options),
  session: () => session.fromPartition(AUTH_PARTITION),
};

/**
 * `proxyLogin` answers a proxy's challenge (`proxyLoginAnswer`): a ClientRequest
 * of the `net` module emits `login` itself (NCR:469-475), not through `app`.
 */
export function createNetFetch(deps: NetFetchDeps = electronNet, proxyLogin?: ProxyAnswer): FetchLike {
  let authSession: Electron.Session | undefined;
  return async (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input instanceof URL ? input.href : input, init);
    authSession ??= deps.session();
    // Read first: request bodies here are small forms and JSON, and ClientRequest wants bytes.
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : null;
    return send(req, body, authSession, deps.request, proxyLogin);
  };
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError');
}

/** Chromium's words for a proxy challenge nobody answered; errors.ts maps it to `proxy_auth_required`. */
const PROXY_AUTH_REFUSED = 'net::ERR_PROXY_AUTH_REQUESTED';

function send(
  req: Request,
  body: Buffer | null,
  authSession: Electron.Session,
  request: NetFetchDeps['request'],
  proxyLogin: ProxyAnswer | undefined,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (req.signal.aborted) {
      reject(abortReason(req.signal));
      return;
    }
    const r = request({ method: req.method, url: req.url, session: authSession, credentials: 'omit', redirect: req.redirect });
    for (const [name, value] of req.headers) r.setHeader(name, value);
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      req.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      settle(() => {
        reject(abortReason(req.signal));
      });
      r.abort();
    };
    req.signal.addEventListener('abort', onAbort, { once: true });
    if (req.redirect === 'manual') {
      // Not followed: the caller checks and follows each hop. ClientRequest then dies with
      // "Redirect was cancelled", which the settled promise ignores. A 3xx's body never reaches JavaScript.
      r.on('redirect', (status, _method, _url, headers) => {
        settle(() => {
          resolve(new Response(null, { status, headers: toHeaders(headers) }));
        });
      });
    }
    let challenged = false;
    r.on('login', (authInfo, callback) => {
      // Server challenges are never answered (credentials are omitted); a proxy's once per request, never in a loop.
      const creds = authInfo.isProxy && proxyLogin ? proxyLogin(authInfo, !challenged) : null;
      // Only a proxy's challenge uses up the one answer (a server's is never answered anyway).
      if (authInfo.isProxy) challenged = true;
      if (creds) callback(creds.username, creds.password);
      else callback();
    });
    r.on('response', (resp) => {
      if (resp.statusCode === 407) {
        settle(() => {
          reject(new Error(PROXY_AUTH_REFUSED));
        });
        return;
      }
      settle(() => {
        // Electron's IncomingMessage is a Node Readable (net-client-request.ts 33); net-fetch.ts 121 converts it the same way.
        const stream =
          NULL_BODY_STATUS.has(resp.statusCode) || req.method === 'HEAD'
            ? null
            : (nodeStream().Readable.toWeb(resp as unknown as Readable) as ReadableStream<Uint8Array>);
        resolve(new Response(stream, { status: resp.statusCode, statusText: resp.statusMessage, headers: toHeaders(resp.headers) }));
      });
    });
    r.on('error', (err) => {
      settle(() => {
        reject(err);
      });
    });
    if (body) r.end(body);
    else r.end();
  });
}

/** Every value kept apart (several Set-Cookie lines stay several), unlike net-fetch.ts 114-116's join. */
function toHeaders(record: Record<string, string | string[]>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

export interface ProxyCredentials {
  username: string;
  password: string;
  /** The one proxy they are for (lower case), and its port when one was given. */
  host: string;
  port?: number;
}

/**
 * Answers a proxy's Basic/Digest challenge (HTTP 407) for the app's own
 * requests with credentials the person configured — only when the proxy is
 * the configured one (`OIDC_DESKTOP_PROXY_HOST`): a proxy chosen by WPAD or
 * a PAC file on a hostile network answers 407 too, and must not collect the
 * password. Once per challenge: a
 * wrong password is not retried in a loop, the request then fails with
 * `proxy_auth_required`. Server (non-proxy) challenges are left to
 * Electron's default, which cancels them. Returns the uninstall function.
 *
 * Electron does not emit the app's `login` for `net.fetch` from the main
 * process on Windows and macOS (electron/electron#44249); the app's requests
 * are `net.request`s, whose own `login` event `createNetFetch` answers with
 * the same decision, so the app's listener is for everything else.
 */
export type ProxyAnswer = (authInfo: Electron.AuthInfo, firstAttempt: boolean) => { username: string; password: string } | null;

/** The one decision for every proxy challenge (the app's `login` event and each request's), logged without the password. */
export function proxyLoginAnswer(opts: { credentials: () => ProxyCredentials | null; logger: Logger }): ProxyAnswer {
  return (authInfo, firstAttempt) => {
    if (!authInfo.isProxy) return null;
    const configured = opts.credentials();
    const forThisProxy = configured !== null && isConfiguredProxy(configured, authInfo.host, authInfo.port);
    const creds = firstAttempt && forThisProxy ? configured : null;
    opts.logger(creds ? 'info' : 'warn', 'net.proxy_auth_requested', {
      host: authInfo.host,
      port: authInfo.port,
      scheme: authInfo.scheme,
      answered: creds !== null,
      ...(configured !== null && !forThisProxy ? { refused: 'not_the_configured_proxy' } : {}),
    });
    return creds ? { username: creds.username, password: creds.password } : null;
  };
}

export function installProxyLogin(answer: ProxyAnswer): () => void {
  const listener = (
    event: Electron.Event,
    _webContents: Electron.WebContents | null,
    details: Electron.AuthenticationResponseDetails,
    authInfo: Electron.AuthInfo,
    callback: (username?: string, password?: string) => void,
  ) => {
    const creds = answer(authInfo, details.firstAuthAttempt);
    if (!creds) return;
    event.preventDefault();
    callback(creds.username, creds.password);
  };
  app.on('login', listener);
  return () => app.off('login', listener);
}

function isConfiguredProxy(creds: ProxyCredentials, host: string, port: number): boolean {
  return host.toLowerCase() === creds.host && (creds.port === undefined || creds.port === port);
}

/**
 * Proxy credentials from `OIDC_DESKTOP_PROXY_USER` / `OIDC_DESKTOP_PROXY_PASSWORD`
 * for the proxy `OIDC_DESKTOP_PROXY_HOST` (`host` or `host:port`), or null —
 * also when the host is missing: credentials for "whichever proxy asks" are
 * never offered.
 */
export function proxyCredentialsFromEnv(env: Readonly<Record<string, string | undefined>>): ProxyCredentials | null {
  const username = env.OIDC_DESKTOP_PROXY_USER?.trim();
  const password = env.OIDC_DESKTOP_PROXY_PASSWORD;
  const target = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/.exec(env.OIDC_DESKTOP_PROXY_HOST?.trim() ?? '');
  const host = target?.[1]?.toLowerCase();
  if (!username || !password || !host) return null;
  const port = target?.[2] === undefined ? undefined : Number(target[2]);
  return { username, password, host: host.replace(/^\[|\]$/g, ''), ...(port !== undefined ? { port } : {}) };
}

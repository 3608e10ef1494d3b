/**
 * The network for the app: Electron's `net.fetch`, i.e. Chromium's network
 * stack instead of Node's. It follows the system proxy settings and PAC
 * files, trusts the OS certificate store (where a company installs its
 * TLS-inspecting CA), offers client certificates and does integrated proxy
 * authentication (NTLM, Negotiate/Kerberos) without asking. The auth core
 * stays Electron-free: this is only the `fetch` it is given.
 *
 * @see https://www.electronjs.org/docs/latest/api/net#netfetchinput-init
 */
import { app, net } from 'electron';
import type { FetchLike, Logger } from '../auth/types';

export function createNetFetch(fetchImpl: typeof net.fetch = (input, init) => net.fetch(input, init)): FetchLike {
  return (input: string | URL | Request, init?: RequestInit) => fetchImpl(input instanceof URL ? input.href : input, init);
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
 * Known limit: on Windows and macOS Electron does not emit `login` for
 * `net.fetch` from the main process (electron/electron#44249); there the
 * proxy's integrated authentication or the system's saved proxy credentials
 * apply, and otherwise the error says what to check.
 */
export function installProxyLogin(opts: { credentials: () => ProxyCredentials | null; logger: Logger }): () => void {
  const listener = (
    event: Electron.Event,
    _webContents: Electron.WebContents | null,
    details: Electron.AuthenticationResponseDetails,
    authInfo: Electron.AuthInfo,
    callback: (username?: string, password?: string) => void,
  ) => {
    if (!authInfo.isProxy) return;
    const configured = opts.credentials();
    const forThisProxy = configured !== null && isConfiguredProxy(configured, authInfo.host, authInfo.port);
    const creds = details.firstAuthAttempt && forThisProxy ? configured : null;
    opts.logger(creds ? 'info' : 'warn', 'net.proxy_auth_requested', {
      host: authInfo.host,
      port: authInfo.port,
      scheme: authInfo.scheme,
      answered: creds !== null,
      ...(configured !== null && !forThisProxy ? { refused: 'not_the_configured_proxy' } : {}),
    });
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

/**
 * The core in a plain-Node host behind a corporate network: every request to
 * the identity provider and the API goes through a real HTTP CONNECT proxy
 * (Debian's tinyproxy) to an HTTPS provider (oidc-provider) whose certificate
 * comes from a private CA made for the run. The host passes the core a fetch
 * bound to an undici dispatcher (README "Corporate networks"):
 *
 *   CA trusted (ProxyAgent requestTls.ca)  → sign-in, API call and refresh work
 *   CA not trusted                          → tls_untrusted, naming the fix
 *   proxy demands a password, none given    → proxy_auth_required
 *   proxy given its credentials             → works
 *   proxy down                              → network_error (all traffic needs it)
 *
 * TLS verification is never switched off: no NODE_TLS_REJECT_UNAUTHORIZED, no
 * rejectUnauthorized: false anywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, fetch as undiciFetch, ProxyAgent, type Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../main/auth/config';
import type { AuthCore, FetchLike } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { demoTestConfig, REDIRECT_URI as REDIRECT, SCHEME, startCoreRig } from '../helpers/core-rig';
import { loginOverHttp } from '../helpers/http-login';
import { createPrivateCa, type PrivateCa } from '../helpers/private-ca';
import { skipWhen } from '../helpers/skip-when';
import { startTinyproxy, TINYPROXY_MISSING, type Tinyproxy } from '../helpers/tinyproxy';

const PROXY_USER = 'alice';
const PROXY_PASSWORD = 'proxy-pass-never-logged';

let dir: string;
let ca: PrivateCa;
let demo: DemoProvider;
let proxy: Tinyproxy;
let authProxy: Tinyproxy;
let config: AppConfig;
const dispatchers: Dispatcher[] = [];
/** Closes what `beforeAll` started: nothing if it returned early or failed part-way. */
const closeAfterAll: (() => Promise<unknown>)[] = [];

/** What a plain-Node host passes as `fetch`: undici's fetch bound to a dispatcher (proxy, extra CA). */
function fetchVia(dispatcher: Dispatcher): FetchLike {
  dispatchers.push(dispatcher);
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as FetchLike;
}

skipWhen(TINYPROXY_MISSING);

beforeAll(async () => {
  expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
  dir = mkdtempSync(path.join(tmpdir(), 'corporate-'));
  if (TINYPROXY_MISSING) return;
  ca = createPrivateCa(dir);
  demo = await startDemoProvider({
    redirectUris: [REDIRECT],
    accessTokenTtlSeconds: 600,
    tls: { key: ca.serverKey, cert: ca.serverCert },
    apiFetch: fetchVia(new Agent({ connect: { ca: ca.caCert } })),
  });
  closeAfterAll.push(() => demo.close());
  proxy = await startTinyproxy(dir);
  closeAfterAll.push(() => proxy.close());
  authProxy = await startTinyproxy(dir, { basicAuth: { user: PROXY_USER, password: PROXY_PASSWORD } });
  closeAfterAll.push(() => authProxy.close());
  config = demoTestConfig(demo, { id: 'corp', displayName: 'Corp' });
}, 60_000);

afterAll(async () => {
  await Promise.all([...closeAfterAll.map((close) => close()), ...dispatchers.map((d) => d.close().catch(() => {}))]);
  rmSync(dir, { recursive: true, force: true });
});

let cores: AuthCore[] = [];
afterEach(async () => {
  for (const c of cores) await c.dispose();
  cores = [];
});

async function coreWith(fetchImpl: FetchLike): Promise<{ core: AuthCore; advance: (ms: number) => void; logs: string[] }> {
  const logs: string[] = [];
  const rig = await startCoreRig({
    dir,
    config,
    fetch: fetchImpl,
    providerTimeoutSeconds: 5,
    logger: (level, event, fields) => logs.push(JSON.stringify({ level, event, fields })),
    // The person's browser goes through the same proxy and trusts the same CA here.
    openUrl: async (url, core) => {
      core.handleRedirect(await loginOverHttp(url, demo.credentials, SCHEME, fetchImpl));
    },
  });
  cores.push(rig.core);
  return {
    core: rig.core,
    advance: (ms) => {
      rig.advance(ms);
    },
    logs,
  };
}

const providerTarget = () => new URL(demo.issuer).host;

describe('through a real CONNECT proxy to an HTTPS provider with a private CA', () => {
  it('CA trusted: signs in, calls the API and refreshes, every request tunnelled through the proxy', async () => {
    expect(demo.issuer.startsWith('https://')).toBe(true);
    const before = proxy.connects().length;
    const refreshesBefore = demo.counters.refreshToken;
    const { core, advance } = await coreWith(fetchVia(new ProxyAgent({ uri: proxy.url, requestTls: { ca: ca.caCert } })));
    await expect(core.signIn()).resolves.toMatchObject({ status: 'signed_in', connectivity: 'online', user: { name: 'Demo User' } });
    await expect(core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 200 });
    advance(3600_000);
    await expect(core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 200 });
    expect(demo.counters.refreshToken - refreshesBefore).toBe(1);
    const tunnels = proxy.connects().slice(before);
    expect(tunnels.length).toBeGreaterThanOrEqual(1);
    expect(tunnels.every((t) => t === providerTarget())).toBe(true);
    await core.signOut();
  });

  it('CA not trusted: sign-in fails with tls_untrusted, whose message names the fix; nothing was sent past the handshake', async () => {
    const codesBefore = demo.counters.authorizationCode;
    const { core } = await coreWith(fetchVia(new ProxyAgent({ uri: proxy.url })));
    const err = await core.signIn().then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err).toMatchObject({ code: 'tls_untrusted' });
    expect(err!.message).toMatch(/certificate authority/);
    expect(core.getSession().status).toBe('signed_out');
    expect(demo.counters.authorizationCode).toBe(codesBefore);
  });

  it('the same untrusted CA on the API alone: the API call fails with tls_untrusted too', async () => {
    // Trusted for the provider, but the API answers with another (untrusted) chain: simulated by
    // dropping the CA for API requests only.
    const trusted = fetchVia(new ProxyAgent({ uri: proxy.url, requestTls: { ca: ca.caCert } }));
    const untrusted = fetchVia(new ProxyAgent({ uri: proxy.url }));
    const split: FetchLike = (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      return (url.startsWith(demo.apiBaseUrl) ? untrusted : trusted)(input, init);
    };
    const { core } = await coreWith(split);
    await core.signIn();
    await expect(core.request({ method: 'GET', path: '/me' })).rejects.toMatchObject({ code: 'tls_untrusted' });
    await core.signOut();
  });

  it('a proxy that demands authentication, none given: proxy_auth_required; with its credentials: works', async () => {
    const { core } = await coreWith(fetchVia(new ProxyAgent({ uri: authProxy.url, requestTls: { ca: ca.caCert } })));
    await expect(core.signIn()).rejects.toMatchObject({ code: 'proxy_auth_required', message: expect.stringMatching(/proxy/) as unknown });

    const token = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
    const withCreds = await coreWith(fetchVia(new ProxyAgent({ uri: authProxy.url, token, requestTls: { ca: ca.caCert } })));
    await expect(withCreds.core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    await expect(withCreds.core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 200 });
    expect(authProxy.connects()).toContain(providerTarget());
    expect(withCreds.logs.join('\n')).not.toContain(PROXY_PASSWORD);
    await withCreds.core.signOut();
  });

  it('signed in, then the proxy goes away: still signed in but offline (the provider is unreachable), not signed out', async () => {
    const spare = await startTinyproxy(dir);
    const { core, advance } = await coreWith(fetchVia(new ProxyAgent({ uri: spare.url, requestTls: { ca: ca.caCert } })));
    await core.signIn();
    await spare.close();
    advance(3600_000);
    await expect(core.request({ method: 'GET', path: '/me' })).rejects.toMatchObject({ code: 'network_error' });
    expect(core.getSession()).toMatchObject({ status: 'signed_in', connectivity: 'offline' });
  });
});

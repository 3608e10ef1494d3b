/**
 * The app's network adapter (main/platform/net-fetch.ts) under a fake
 * `electron` whose `net` copies Electron's own source (fake-net.ts): first
 * that the fake really does what Electron does (so a test here can fail the
 * way the app would), then the adapter against it, with the real auth core,
 * the real oidc-provider (demo provider) and openid-client.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electronModule);

import { net } from 'electron';
import { DEFAULT_SCOPES } from '../../main/app-config';
import { parseAppConfig } from '../../main/auth/config';
import type { FetchLike } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { AUTH_PARTITION, createNetFetch, proxyCredentialsFromEnv, proxyLoginAnswer } from '../../main/platform/net-fetch';
import { transportFailure } from '../../main/auth/errors';
import { REDIRECT_URI, SCHEME, startCoreRig, type CoreRig } from '../helpers/core-rig';
import { loginOverHttp } from '../helpers/http-login';
import { app, resetFakeElectron, session, state } from './fake-electron';
import type { FakeIncomingMessage } from './fake-net';

interface Seen {
  path: string;
  cookie: string | undefined;
  authorization: string | undefined;
}

/** A loopback server: records each request, answers from `routes` (path → status, headers, body). */
async function server(routes: Record<string, (req: IncomingMessage) => { status: number; headers?: Record<string, string | string[]>; body?: string }>) {
  const seen: Seen[] = [];
  const s: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, cookie: req.headers.cookie, authorization: req.headers.authorization });
    const route = routes[url.pathname];
    const answer = route ? route(req) : { status: 404 };
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((resolve) =>
        s.close(() => {
          resolve();
        }),
      ),
  };
}

type Served = Awaited<ReturnType<typeof server>>;
let site: Served;
let elsewhere: Served;

beforeAll(async () => {
  elsewhere = await server({ '/steal': () => ({ status: 200, body: 'stolen' }) });
  site = await server({
    '/v1/set-cookie': () => ({ status: 200, headers: { 'set-cookie': ['sid=first-account-session; Path=/', 'pref=dark; Path=/'] }, body: '{}' }),
    '/v1/echo': (req) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cookie: req.headers.cookie ?? null }) }),
    '/v1/hop': () => ({ status: 302, headers: { location: '/v1/echo' } }),
    '/v1/away': () => ({ status: 302, headers: { location: `${elsewhere.url}/steal` } }),
    // Plays an authenticating proxy (see fake-net.ts proxyAuthInfo): 407 until the right Basic credentials come.
    '/v1/behind-proxy': (req) =>
      req.headers['proxy-authorization'] === `Basic ${Buffer.from('pat:s3cret').toString('base64')}`
        ? { status: 200, body: 'through' }
        : { status: 407, headers: { 'proxy-authenticate': 'Basic realm="corp"' } },
  });
});

afterAll(async () => {
  await site.close();
  await elsewhere.close();
});

beforeEach(() => {
  resetFakeElectron();
  app.fireReady();
  site.seen.length = 0;
  elsewhere.seen.length = 0;
});

describe("the fake's net is Electron's (test/electron/fake-net.ts, from Electron's source)", () => {
  it("net.fetch with redirect: 'manual' dies with \"Redirect was cancelled\" (no redirect listener); 'follow' follows", async () => {
    await expect(net.fetch(`${site.url}/v1/hop`, { redirect: 'manual' })).rejects.toThrow('Redirect was cancelled');
    const followed = await net.fetch(`${site.url}/v1/hop`);
    expect(followed.status).toBe(200);
    expect(site.seen.map((s) => s.path)).toEqual(['/v1/hop', '/v1/hop', '/v1/echo']);
  });

  it('net.fetch sends credentials (same-origin → include without an Origin): cookies land in the default session and go back', async () => {
    const set = await net.fetch(`${site.url}/v1/set-cookie`);
    // net-fetch.ts copies headers with set(): two Set-Cookie lines arrive as one.
    expect(set.headers.getSetCookie()).toEqual(['sid=first-account-session; Path=/, pref=dark; Path=/']);
    await set.arrayBuffer();
    expect((await session.defaultSession.cookies.get({ url: site.url })).map((c) => c.name).sort()).toEqual(['pref', 'sid']);
    const echo = await net.fetch(`${site.url}/v1/echo`);
    expect(await echo.json()).toEqual({ cookie: 'sid=first-account-session; pref=dark' });
  });

  it('net.request: no credentials option blocks cookies both ways; omit sends and stores none; same-origin needs an origin', async () => {
    const once = (options: Parameters<typeof net.request>[0]) =>
      new Promise<FakeIncomingMessage>((resolve, reject) => {
        const r = net.request(options);
        r.on('response', (m) => {
          resolve(m as unknown as FakeIncomingMessage);
        });
        r.on('error', reject);
        r.end();
      });
    (await once({ url: `${site.url}/v1/set-cookie`, credentials: 'include' })).resume();
    expect(await session.defaultSession.cookies.get()).toHaveLength(2);
    const blocked = await once(`${site.url}/v1/echo`);
    blocked.resume();
    const omitted = await once({ url: `${site.url}/v1/echo`, credentials: 'omit' });
    omitted.resume();
    expect(site.seen.slice(1).map((s) => s.cookie)).toEqual([undefined, undefined]);
    expect(() => net.request({ url: site.url, credentials: 'same-origin' })).toThrow('credentials: same-origin requires origin to be set');
  });

  it("redirect: 'error' fails the request; net.request before ready throws as Electron's does", async () => {
    await expect(net.fetch(`${site.url}/v1/hop`, { redirect: 'error' })).rejects.toThrow("Attempted to redirect, but redirect policy was 'error'");
    app.reset();
    expect(() => net.request(site.url)).toThrow('net module can only be used after app is ready');
  });
});

describe('the adapter (createNetFetch) under that net', () => {
  it("redirect: 'manual' returns the 3xx unfollowed, with its Location; 'follow' follows; all on the auth partition with credentials omitted", async () => {
    const request = vi.spyOn(net, 'request');
    const f = createNetFetch();
    const hop = await f(new URL(`${site.url}/v1/hop`), { redirect: 'manual' });
    expect(hop.status).toBe(302);
    expect(hop.headers.get('location')).toBe('/v1/echo');
    expect(site.seen.map((s) => s.path)).toEqual(['/v1/hop']);
    expect((await f(`${site.url}/v1/hop`)).status).toBe(200);
    expect(
      request.mock.calls.map(([o]) =>
        typeof o === 'string' ? o : { credentials: o.credentials, partition: (o.session as unknown as { partition: string }).partition },
      ),
    ).toEqual([
      { credentials: 'omit', partition: AUTH_PARTITION },
      { credentials: 'omit', partition: AUTH_PARTITION },
    ]);
    request.mockRestore();
  });

  it('a POST body, several Set-Cookie lines kept apart, and an abort that rejects with its reason', async () => {
    const f = createNetFetch();
    const set = await f(`${site.url}/v1/set-cookie`, { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(set.headers.getSetCookie()).toEqual(['sid=first-account-session; Path=/', 'pref=dark; Path=/']);
    expect(await session.fromPartition(AUTH_PARTITION).cookies.get()).toEqual([]);
    expect(await session.defaultSession.cookies.get()).toEqual([]);
    const aborted = new AbortController();
    aborted.abort(new Error('stop'));
    await expect(f(`${site.url}/v1/echo`, { signal: aborted.signal })).rejects.toThrow('stop');
  });
});

describe('the app on that net: real core, oidc-provider, openid-client', () => {
  let demo: DemoProvider;
  let dir: string;
  const rigs: CoreRig[] = [];

  beforeAll(async () => {
    demo = await startDemoProvider({ redirectUris: [REDIRECT_URI] });
    dir = mkdtempSync(path.join(tmpdir(), 'net-fetch-'));
  });
  afterAll(async () => {
    await demo.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const r of rigs.splice(0)) await r.core.dispose();
  });

  /** A core whose every request goes through `fetch`, signed in as demo and then as sam (two accounts). */
  async function twoAccounts(fetch: FetchLike): Promise<{ rig: CoreRig; first: string; second: string }> {
    const config = parseAppConfig({
      scheme: SCHEME,
      providers: [{ id: 'demo', displayName: 'Demo', issuer: demo.issuer, clientId: demo.clientId, scopes: DEFAULT_SCOPES, apiBaseUrls: [`${site.url}/v1`] }],
    });
    let person = demo.credentials;
    const rig = await startCoreRig({
      config,
      dir,
      fetch,
      openUrl: async (url, core) => {
        core.handleRedirect(await loginOverHttp(url, person, SCHEME));
      },
    });
    rigs.push(rig);
    await rig.core.signIn();
    person = { username: 'sam', password: 'sam' };
    await rig.core.signIn();
    const ids = rig.core.listAccounts().map((a) => a.id);
    expect(ids).toHaveLength(2);
    return { rig, first: ids[0]!, second: ids[1]! };
  }

  it("openid-client's discovery, pushed request and token requests go through net.request on the auth partition", async () => {
    const request = vi.spyOn(net, 'request');
    await twoAccounts(createNetFetch());
    const urls = request.mock.calls.map(([o]) => (typeof o === 'string' ? o : (o.url ?? '')));
    expect(urls).toContain(`${demo.issuer}/.well-known/openid-configuration`);
    expect(urls).toContain(`${demo.issuer}/request`);
    expect(urls.filter((u) => u === `${demo.issuer}/token`).length).toBeGreaterThanOrEqual(2);
    expect(request.mock.calls.every(([o]) => typeof o !== 'string' && o.credentials === 'omit')).toBe(true);
    expect(state.netFetches.length).toBe(request.mock.calls.length);
    request.mockRestore();
  });

  it("an API that sets a cookie for one account never sees it on another account's call (nor on the same account's next one)", async () => {
    const { rig, first, second } = await twoAccounts(createNetFetch());
    expect(await rig.core.request({ method: 'GET', path: '/set-cookie', accountId: first })).toMatchObject({ status: 200 });
    expect(JSON.parse((await rig.core.request({ method: 'GET', path: '/echo', accountId: second })).body)).toEqual({ cookie: null });
    expect(JSON.parse((await rig.core.request({ method: 'GET', path: '/echo', accountId: first })).body)).toEqual({ cookie: null });
    expect(site.seen.every((s) => s.cookie === undefined)).toBe(true);
    expect(await session.defaultSession.cookies.get()).toEqual([]);
  });

  it("the same with net.fetch as the fetch (the old adapter): the second account is sent the first one's cookie", async () => {
    const { rig, first, second } = await twoAccounts((input, init) => net.fetch(input instanceof URL ? input.href : input, init));
    await rig.core.request({ method: 'GET', path: '/set-cookie', accountId: first });
    expect(JSON.parse((await rig.core.request({ method: 'GET', path: '/echo', accountId: second })).body)).toEqual({
      cookie: 'sid=first-account-session; pref=dark',
    });
  });

  it('an API redirect inside the allow-list is followed with the token and re-checked; one leaving it is refused, the other host never reached', async () => {
    const { rig } = await twoAccounts(createNetFetch());
    const followed = await rig.core.request({ method: 'GET', path: '/hop' });
    expect(followed.status).toBe(200);
    const hops = site.seen.filter((s) => s.path === '/v1/hop' || s.path === '/v1/echo');
    expect(hops.map((s) => s.path)).toEqual(['/v1/hop', '/v1/echo']);
    expect(hops[1]!.authorization).toBe(hops[0]!.authorization);
    expect(hops[0]!.authorization).toMatch(/^(Bearer|DPoP) /);
    await expect(rig.core.request({ method: 'GET', path: '/away' })).rejects.toMatchObject({ code: 'host_not_allowed' });
    expect(elsewhere.seen).toEqual([]);
  });

  it("the same redirect with net.fetch as the fetch (the old adapter) is a network error: net.fetch never returns a 3xx for redirect: 'manual'", async () => {
    const { rig } = await twoAccounts((input, init) => net.fetch(input instanceof URL ? input.href : input, init));
    await expect(rig.core.request({ method: 'GET', path: '/hop' })).rejects.toMatchObject({ code: 'network_error' });
  });
});

describe("a proxy's challenge on the app's own requests (ClientRequest 'login', NCR:469-475)", () => {
  const port = () => new URL(site.url).port;
  const answering = (env: Record<string, string>) => {
    const logged: Record<string, unknown>[] = [];
    const answer = proxyLoginAnswer({ credentials: () => proxyCredentialsFromEnv(env), logger: (_l, _e, f) => logged.push(f ?? {}) });
    return { f: createNetFetch(undefined, answer), logged };
  };
  const proxyAuth = () => site.seen.filter((s) => s.path === '/v1/behind-proxy').length;

  it('the configured proxy gets the configured credentials once and the request goes through; nothing is logged of the password', async () => {
    const { f, logged } = answering({ OIDC_DESKTOP_PROXY_USER: 'pat', OIDC_DESKTOP_PROXY_PASSWORD: 's3cret', OIDC_DESKTOP_PROXY_HOST: `127.0.0.1:${port()}` });
    const res = await f(`${site.url}/v1/behind-proxy`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('through');
    expect(proxyAuth()).toBe(2);
    expect(JSON.stringify(logged)).not.toContain('s3cret');
    expect(logged).toMatchObject([{ answered: true, scheme: 'basic' }]);
  });

  it('a wrong password is tried once, not in a loop: proxy_auth_required', async () => {
    const { f } = answering({ OIDC_DESKTOP_PROXY_USER: 'pat', OIDC_DESKTOP_PROXY_PASSWORD: 'wrong', OIDC_DESKTOP_PROXY_HOST: `127.0.0.1:${port()}` });
    const err = await f(`${site.url}/v1/behind-proxy`).catch((e: unknown) => e);
    expect(transportFailure(err)?.code).toBe('proxy_auth_required');
    expect(proxyAuth()).toBe(2);
  });

  it('a proxy other than the configured one (another port: WPAD, a PAC file) gets nothing: refused, proxy_auth_required', async () => {
    const { f, logged } = answering({ OIDC_DESKTOP_PROXY_USER: 'pat', OIDC_DESKTOP_PROXY_PASSWORD: 's3cret', OIDC_DESKTOP_PROXY_HOST: '127.0.0.1:1' });
    const err = await f(`${site.url}/v1/behind-proxy`).catch((e: unknown) => e);
    expect(transportFailure(err)?.code).toBe('proxy_auth_required');
    expect(proxyAuth()).toBe(1);
    expect(logged).toMatchObject([{ answered: false, refused: 'not_the_configured_proxy' }]);
  });

  it('without a login answer (the old adapter), the challenge is cancelled as Electron does with no listener', async () => {
    const err = await createNetFetch()(`${site.url}/v1/behind-proxy`).catch((e: unknown) => e);
    expect(transportFailure(err)?.code).toBe('proxy_auth_required');
    expect(proxyAuth()).toBe(1);
  });
});

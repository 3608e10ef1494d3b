/**
 * The adversarial and fault catalog (GUIDE.md), against real servers: the
 * real oidc-provider and demo API on loopback, with a fault server in front
 * of the token endpoint or the API that misbehaves on purpose. Each case
 * asserts the stable error code AND the state afterwards. The person's login
 * at the provider is scripted over plain HTTP (the browser is not what these
 * cases are about; the Chromium flows are in auth-core.test.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../main/auth/config';
import { jsonLinesLogger } from '../../main/auth/log';
import type { FetchLike } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { registerIpcHandlers } from '../../main/ipc/handlers';
import type { TestCipher } from '../helpers/aes-cipher';
import { demoTestConfig, REDIRECT_URI as REDIRECT, SCHEME, startCoreRig, type CoreRig, type CoreRigOptions } from '../helpers/core-rig';
import { startFaultServer, type FaultServer } from '../helpers/fault-server';
import { loginOverHttp } from '../helpers/http-login';
import { appSenderCheck, InMemoryIpcMain, TEST_APP_INFO } from '../helpers/ipc-harness';

let demo: DemoProvider;
let tokenFault: FaultServer;
let apiFault: FaultServer;
let evil: { origin: string; hits: (string | undefined)[]; server: Server };
let config: AppConfig;
let dir: string;
/** Closes what `beforeAll` started: nothing if it returned early or failed part-way. */
const closeAfterAll: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  demo = await startDemoProvider({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 600 });
  closeAfterAll.push(() => demo.close());
  tokenFault = await startFaultServer(demo.issuer);
  closeAfterAll.push(() => tokenFault.close());
  apiFault = await startFaultServer(demo.issuer);
  closeAfterAll.push(() => apiFault.close());
  const hits: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    hits.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"stolen":false}');
  });
  await new Promise<void>((r) =>
    server.listen(0, '127.0.0.1', () => {
      r();
    }),
  );
  closeAfterAll.push(() => new Promise((r) => server.close(r)));
  evil = { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
  config = demoTestConfig(demo);
  dir = mkdtempSync(path.join(tmpdir(), 'catalog-'));
});

afterAll(async () => {
  await Promise.all(closeAfterAll.map((close) => close()));
  rmSync(dir, { recursive: true, force: true });
});

interface Rig extends CoreRig {
  logs: string[];
  callbacks: string[];
  /** Every request the core sent: URL, Authorization header and body. */
  sent: { url: string; authorization: string | null; body: string }[];
  advance(ms: number): void;
  routeApiThroughFault: boolean;
}

let rigs: Rig[] = [];

beforeEach(() => {
  tokenFault.mode = 'pass';
  tokenFault.only = undefined;
  tokenFault.seen.length = 0;
  apiFault.mode = 'pass';
  apiFault.only = undefined;
  apiFault.seen.length = 0;
  evil.hits.length = 0;
});

afterEach(async () => {
  for (const r of rigs) await r.core.dispose();
  rigs = [];
});

async function rig(opts: { storePath?: string; cipher?: TestCipher; core?: Partial<CoreRigOptions> } = {}): Promise<Rig> {
  const sent: Rig['sent'] = [];
  const logs: string[] = [];
  const r = { routeApiThroughFault: false } as Rig;
  // Routing only: the token endpoint (and, when asked, the API) go through the fault server.
  const routed: FetchLike = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    sent.push({
      url,
      authorization: new Headers(init?.headers).get('authorization'),
      body: typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '',
    });
    let target = url;
    if (url === `${demo.issuer}/token`) target = `${tokenFault.origin}/token`;
    else if (r.routeApiThroughFault && url.startsWith(demo.apiBaseUrl)) target = url.replace(demo.issuer, apiFault.origin);
    return fetch(target, init);
  };
  const logger = jsonLinesLogger('debug', (line) => logs.push(line));
  const callbacks: string[] = [];
  const base = await startCoreRig({
    dir,
    storePath: opts.storePath,
    cipher: opts.cipher,
    config,
    fetch: routed,
    logger,
    providerTimeoutSeconds: 2,
    openUrl: async (url, core) => {
      const cb = await loginOverHttp(url, demo.credentials, SCHEME);
      callbacks.push(cb);
      core.handleRedirect(cb);
    },
    ...opts.core,
  });
  Object.assign(r, base, { logs, callbacks, sent });
  rigs.push(r);
  return r;
}

const refreshGrantsSeen = () => tokenFault.seen.filter((s) => s.body.includes('grant_type=refresh_token'));

describe('callback', () => {
  it('a callback with no pending sign-in is ignored and exchanges nothing', async () => {
    const r = await rig();
    expect(r.core.handleRedirect(`${REDIRECT}?code=abc&state=nobody&iss=${encodeURIComponent(demo.issuer)}`)).toBe(false);
    await new Promise((res) => setTimeout(res, 100));
    expect(tokenFault.seen).toHaveLength(0);
    expect(r.core.getSession().status).toBe('signed_out');
  });

  it.each([
    ['another scheme', 'com.evil.app:/callback?code=c&state=s'],
    ['another path', `${SCHEME}:/elsewhere?code=c&state=s`],
    ['an authority instead of a path', `${SCHEME}://callback?code=c&state=s`],
    ['an oversized URL', `${REDIRECT}?state=s&code=${'x'.repeat(20_000)}`],
    ['a badly encoded URL', `${REDIRECT}?state=%E0%A4%A&code=%`],
  ])('%s is ignored while a sign-in is pending, which then still succeeds', async (_label, hostile) => {
    const r = await rig({
      core: {
        openUrl: async (url, core) => {
          const cb = await loginOverHttp(url, demo.credentials, SCHEME);
          expect(core.handleRedirect(hostile)).toBe(false);
          expect(core.handleRedirect(cb)).toBe(true);
        },
      },
    });
    const core = r.core;
    await expect(core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    expect(tokenFault.seen.filter((s) => s.body.includes('authorization_code'))).toHaveLength(1);
  });
});

describe('iss (RFC 9207, mix-up defence)', () => {
  it.each([
    [
      'another issuer',
      (cb: URL) => {
        cb.searchParams.set('iss', 'https://evil.example');
      },
    ],
    [
      'no iss although the provider promises one',
      (cb: URL) => {
        cb.searchParams.delete('iss');
      },
    ],
  ])('a callback with %s → iss_mismatch, nothing exchanged, nothing stored', async (_label, tamper) => {
    const r = await rig({
      core: {
        openUrl: async (url, core) => {
          const cb = new URL(await loginOverHttp(url, demo.credentials, SCHEME));
          tamper(cb);
          expect(core.handleRedirect(cb.href)).toBe(true);
        },
      },
    });
    const core = r.core;
    await expect(core.signIn()).rejects.toMatchObject({ code: 'iss_mismatch' });
    expect(tokenFault.seen).toHaveLength(0);
    expect(r.vault.load('demo')).toBeNull();
    expect(core.getSession().status).toBe('signed_out');
  });
});

describe('token endpoint', () => {
  it.each([
    ['status500', 'server_error'],
    ['html', 'invalid_response'],
    ['no_access_token', 'invalid_response'],
    ['redirect_away', 'invalid_response'],
  ] as const)('%s → %s, nothing persisted, signed out', async (mode, code) => {
    tokenFault.mode = mode;
    const r = await rig();
    await expect(r.core.signIn()).rejects.toMatchObject({ code });
    expect(r.core.getSession().status).toBe('signed_out');
    expect(r.vault.load('demo')).toBeNull();
    expect(r.vault.lastProviderId()).toBeNull();
  });

  it('a hanging token endpoint is aborted after a bounded time → network_error', async () => {
    tokenFault.mode = 'hang';
    const r = await rig();
    const t0 = Date.now();
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'network_error' });
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(r.core.getSession().status).toBe('signed_out');
    expect(r.vault.load('demo')).toBeNull();
  });
});

describe('refresh', () => {
  it('200 concurrent calls with an expired access token → exactly one refresh and 200 successes', async () => {
    const r = await rig();
    await r.core.signIn();
    r.advance(3600_000);
    const results = await Promise.all(Array.from({ length: 200 }, () => r.core.request({ method: 'GET', path: '/hello' })));
    expect(results.filter((x) => x.status === 200)).toHaveLength(200);
    expect(refreshGrantsSeen()).toHaveLength(1);
  });

  it('a rotated refresh token is persisted before use and the old one is never sent again', async () => {
    const r = await rig();
    await r.core.signIn();
    const sentTokens: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const stored = r.vault.load('demo')!.refreshToken!;
      r.advance(3600_000);
      await r.core.request({ method: 'GET', path: '/hello' });
      const body = new URLSearchParams(refreshGrantsSeen().at(-1)!.body);
      // What was sent is what the vault held: rotation reached the disk before the next use.
      expect(body.get('refresh_token')).toBe(stored);
      sentTokens.push(stored);
      expect(r.vault.load('demo')!.refreshToken).not.toBe(stored);
    }
    expect(new Set(sentTokens).size).toBe(3);
  });

  it('5xx during refresh → the call fails with server_error, still signed in, works once the provider recovers', async () => {
    const r = await rig();
    await r.core.signIn();
    const stored = r.vault.load('demo')!.refreshToken;
    tokenFault.mode = 'status500';
    tokenFault.only = /grant_type=refresh_token/;
    r.advance(3600_000);
    await expect(r.core.request({ method: 'GET', path: '/hello' })).rejects.toMatchObject({ code: 'server_error' });
    expect(r.core.getSession().status).toBe('signed_in');
    expect(r.vault.load('demo')!.refreshToken).toBe(stored);
    tokenFault.mode = 'pass';
    // Past the backoff window (at most 5 minutes) the next call refreshes again.
    r.advance(6 * 60_000);
    await expect(r.core.request({ method: 'GET', path: '/hello' })).resolves.toMatchObject({ status: 200 });
  });

  it('an API that keeps answering 401 gets one refresh and one retry, never a loop', async () => {
    const r = await rig();
    await r.core.signIn();
    r.routeApiThroughFault = true;
    apiFault.mode = 'always401';
    const res = await r.core.request({ method: 'GET', path: '/hello' });
    expect(res.status).toBe(401);
    expect(apiFault.seen).toHaveLength(2);
    expect(refreshGrantsSeen()).toHaveLength(1);
    expect(apiFault.seen[0]!.authorization).not.toBe(apiFault.seen[1]!.authorization);
  });

  it('a refresh in flight when the person signs out does not resurrect the session', async () => {
    const r = await rig();
    await r.core.signIn();
    tokenFault.mode = 'slow';
    tokenFault.slowMs = 400;
    tokenFault.only = /grant_type=refresh_token/;
    r.advance(3600_000);
    // Asserted from the start: sign-out waits for this grant to settle (to revoke what it rotated to), so it rejects first.
    const inFlight = expect(r.core.request({ method: 'GET', path: '/hello' })).rejects.toMatchObject({ code: 'not_signed_in' });
    const deadline = Date.now() + 5000;
    while (refreshGrantsSeen().length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    await r.core.signOut();
    await inFlight;
    await new Promise((res) => setTimeout(res, 500));
    expect(r.core.getSession().status).toBe('signed_out');
    expect(r.vault.load('demo')).toBeNull();
    expect(r.states.at(-1)?.status).toBe('signed_out');
  });
});

describe('storage', () => {
  it('decrypt failure at start (keychain reset) → signed out, entry dropped, no crash loop', async () => {
    const first = await rig();
    await first.core.signIn();
    first.cipher.failDecrypt = true;
    const second = await rig({ storePath: first.storePath, cipher: first.cipher });
    await expect(second.core.restore()).resolves.toMatchObject({ status: 'signed_out' });
    await expect(second.core.restore()).resolves.toMatchObject({ status: 'signed_out' });
    expect(refreshGrantsSeen()).toHaveLength(0);
  });

  it.each([
    ['truncated', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['garbage', () => '\u0000\u0001not json at all'],
    ['wrong shape', () => JSON.stringify({ vault: { version: 1, entries: { demo: { ciphertext: 42 } }, lastProviderId: 'demo' } })],
  ])('a %s vault file → the app starts signed out', async (_label, corrupt) => {
    const first = await rig();
    await first.core.signIn();
    writeFileSync(first.storePath, corrupt(readFileSync(first.storePath, 'utf8')));
    const second = await rig({ storePath: first.storePath, cipher: first.cipher });
    await expect(second.core.restore()).resolves.toMatchObject({ status: 'signed_out' });
    await expect(second.core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
  });
});

describe('API requests on the renderer’s behalf', () => {
  it.each([
    ['an absolute URL to evil.example', 'https://evil.example/steal'],
    ['a look-alike host', 'https://api.example.com.evil.com/x'],
    ['a protocol-relative URL', '//evil.example/x'],
    ['an http downgrade', 'http://127.0.0.1/api/hello'],
    ['user@host', '@evil.example'],
    ['an encoded escape from the base path', '/..%2f..%2fadmin'],
  ])('%s → host_not_allowed, no token sent anywhere', async (_label, p) => {
    const r = await rig();
    await r.core.signIn();
    const before = r.sent.length;
    await expect(r.core.request({ method: 'GET', path: p })).rejects.toMatchObject({ code: 'host_not_allowed' });
    expect(r.sent.length).toBe(before);
  });

  it('an API redirect to another origin → host_not_allowed, the token never reaches it', async () => {
    const r = await rig();
    await r.core.signIn();
    r.routeApiThroughFault = true;
    apiFault.mode = 'redirect_away';
    apiFault.redirectTo = `${evil.origin}/collect`;
    await expect(r.core.request({ method: 'GET', path: '/hello' })).rejects.toMatchObject({ code: 'host_not_allowed' });
    expect(evil.hits).toEqual([]);
  });
});

describe('secrets never leak', () => {
  it('no token, code, verifier or DPoP key material in any log line, IPC answer or vault plaintext', async () => {
    const r = await rig();
    const ipc = new InMemoryIpcMain();
    registerIpcHandlers({ ipcMain: ipc, core: r.core, isTrustedSender: appSenderCheck(), appInfo: TEST_APP_INFO });
    const answers: unknown[] = [];
    const call = async (channel: string, payload?: unknown) => {
      const a = await ipc.invoke(channel, payload);
      answers.push(a);
      return a;
    };
    await call('auth:sign-in');
    await call('auth:get-session');
    await call('api:request', { method: 'GET', path: '/me' });
    r.advance(3600_000);
    await call('api:request', { method: 'GET', path: '/me' });
    await call('api:request', { method: 'GET', path: 'https://evil.example/' });
    tokenFault.mode = 'status500';
    r.advance(3600_000);
    await call('api:request', { method: 'GET', path: '/me' });
    tokenFault.mode = 'pass';
    const vaultPlain = readFileSync(r.storePath, 'utf8');
    const stored = r.vault.load('demo')!;
    const refreshToken = stored.refreshToken!;
    await call('auth:sign-out');

    // The demo offers DPoP: the session's private key (d) and its public x/y live only in the vault ciphertext.
    expect(stored.dpopKey).toBeDefined();
    const secrets = new Set<string>([refreshToken, stored.dpopKey!.d, stored.dpopKey!.x]);
    for (const s of r.sent) {
      const credential = /^(?:Bearer|DPoP) (.+)$/.exec(s.authorization ?? '');
      if (credential) secrets.add(credential[1]!);
      const body = new URLSearchParams(s.body);
      for (const k of ['code', 'code_verifier', 'refresh_token', 'token']) {
        const v = body.get(k);
        if (v) secrets.add(v);
      }
    }
    for (const cb of r.callbacks) secrets.add(new URL(cb).searchParams.get('code')!);
    expect(secrets.size).toBeGreaterThanOrEqual(5);
    const haystacks = { logs: r.logs.join('\n'), ipc: JSON.stringify(answers), vault: vaultPlain };
    expect(r.logs.length).toBeGreaterThan(5);
    for (const secret of secrets) {
      for (const [where, text] of Object.entries(haystacks)) expect(text.includes(secret), `${where} leaks a secret`).toBe(false);
    }
  });
});

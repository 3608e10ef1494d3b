/**
 * Refresh outcomes as a table (refresh-outcome.ts), against real servers: the
 * real oidc-provider on loopback, with the fault server in front of its token
 * endpoint answering every status × body shape × `error` value a provider in
 * the wild sends. Each row is run on use (an API call with an expired access
 * token) and at start-up (`restore()` from the vault), and asserts the code,
 * the state afterwards and what the vault holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES } from '../../main/app-config';
import type { AppConfig } from '../../main/auth/config';
import { SESSION_ENDED_MESSAGE } from '../../main/auth/refresh-outcome';
import type { FetchLike } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import type { TestCipher } from '../helpers/aes-cipher';
import { demoTestConfig, REDIRECT_URI as REDIRECT, SCHEME, startCoreRig, type CoreRig, type CoreRigOptions } from '../helpers/core-rig';
import { startFaultServer, type CannedResponse, type FaultServer } from '../helpers/fault-server';
import { loginOverHttp } from '../helpers/http-login';
import { until } from '../helpers/until';

let demo: DemoProvider;
let tokenFault: FaultServer;
let config: AppConfig;
let dir: string;
/** Closes what `beforeAll` started: nothing if it returned early or failed part-way. */
const closeAfterAll: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  demo = await startDemoProvider({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 600 });
  closeAfterAll.push(() => demo.close());
  tokenFault = await startFaultServer(demo.issuer);
  closeAfterAll.push(() => tokenFault.close());
  config = demoTestConfig(demo);
  dir = mkdtempSync(path.join(tmpdir(), 'refresh-outcome-'));
});

afterAll(async () => {
  await Promise.all(closeAfterAll.map((close) => close()));
  rmSync(dir, { recursive: true, force: true });
});

let rigs: CoreRig[] = [];

beforeEach(() => {
  tokenFault.mode = 'pass';
  tokenFault.only = undefined;
  tokenFault.seen.length = 0;
});
afterEach(async () => {
  for (const r of rigs) await r.core.dispose();
  rigs = [];
});

async function rig(opts: { storePath?: string; cipher?: TestCipher; core?: Partial<CoreRigOptions> } = {}): Promise<CoreRig> {
  const routed: FetchLike = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(url === `${demo.issuer}/token` ? `${tokenFault.origin}/token` : url, init);
  };
  const r = await startCoreRig({
    dir,
    storePath: opts.storePath,
    cipher: opts.cipher,
    config,
    fetch: routed,
    providerTimeoutSeconds: 2,
    openUrl: async (url, core) => {
      core.handleRedirect(await loginOverHttp(url, demo.credentials, SCHEME));
    },
    ...opts.core,
  });
  rigs.push(r);
  return r;
}

const refreshGrantsSeen = () => tokenFault.seen.filter((s) => s.body.includes('grant_type=refresh_token'));
const json = (o: unknown) => JSON.stringify(o);

type Row = [label: string, answer: CannedResponse, code: string];

/** Every definitive refusal: 4xx other than 408/429, any body shape, any error value → the session ends. */
const ENDS: Row[] = [
  ...(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_scope', 'unsupported_grant_type', 'made_up_error'] as const).map(
    (error): Row => [
      `400 JSON error=${error}`,
      { status: 400, body: json({ error }), contentType: 'application/json' },
      error === 'invalid_grant' ? 'invalid_grant' : 'session_ended',
    ],
  ),
  ['400 empty body (the provider of issue 10)', { status: 400, body: '' }, 'session_ended'],
  ['400 HTML body', { status: 400, body: '<html><body>Bad Request</body></html>', contentType: 'text/html' }, 'session_ended'],
  ['400 JSON without error', { status: 400, body: json({ message: 'token family revoked' }), contentType: 'application/json' }, 'session_ended'],
  ['400 plain text', { status: 400, body: 'refresh token revoked', contentType: 'text/plain' }, 'session_ended'],
  ['401 JSON invalid_client', { status: 401, body: json({ error: 'invalid_client' }), contentType: 'application/json' }, 'session_ended'],
  ['401 with WWW-Authenticate, empty body', { status: 401, body: '', headers: { 'www-authenticate': 'Basic realm="token"' } }, 'session_ended'],
  ['403 HTML', { status: 403, body: '<h1>Forbidden</h1>', contentType: 'text/html' }, 'session_ended'],
  ['403 JSON unauthorized_client', { status: 403, body: json({ error: 'unauthorized_client' }), contentType: 'application/json' }, 'session_ended'],
  ['404 empty', { status: 404, body: '' }, 'session_ended'],
  ['410 JSON invalid_grant', { status: 410, body: json({ error: 'invalid_grant' }), contentType: 'application/json' }, 'invalid_grant'],
  ['422 JSON without error', { status: 422, body: json({ detail: 'unprocessable' }), contentType: 'application/json' }, 'session_ended'],
];

/** Passing trouble: 5xx, 408, 429 in any shape → the session is kept, offline. */
const KEEPS: Row[] = [
  ['500 plain text', { status: 500, body: 'internal failure', contentType: 'text/plain' }, 'server_error'],
  ['502 HTML', { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' }, 'server_error'],
  ['503 JSON temporarily_unavailable', { status: 503, body: json({ error: 'temporarily_unavailable' }), contentType: 'application/json' }, 'server_error'],
  [
    '503 JSON invalid_grant (a 5xx is never a verdict)',
    { status: 503, body: json({ error: 'invalid_grant' }), contentType: 'application/json' },
    'server_error',
  ],
  ['504 empty', { status: 504, body: '' }, 'server_error'],
  [
    '429 JSON with Retry-After',
    { status: 429, body: json({ error: 'slow_down' }), contentType: 'application/json', headers: { 'retry-after': '120' } },
    'server_error',
  ],
  ['429 empty', { status: 429, body: '' }, 'server_error'],
  ['408 empty', { status: 408, body: '' }, 'server_error'],
  // The Fetch standard turns a 407 into a network error (undici does); Electron's net.fetch may hand it over: see the unit table.
  ['407 from a proxy (not the provider)', { status: 407, body: '', headers: { 'proxy-authenticate': 'Basic realm="corp"' } }, 'network_error'],
  ['200 HTML (a captive portal)', { status: 200, body: '<html>Log in to the Wi-Fi</html>', contentType: 'text/html' }, 'invalid_response'],
];

describe('refresh outcomes on use (an API call with an expired access token)', () => {
  it.each(ENDS)('%s → %s, signed out with the reason in plain words, vault cleared', async (_label, answer, code) => {
    const r = await rig();
    await r.core.signIn();
    tokenFault.mode = 'respond';
    tokenFault.response = answer;
    tokenFault.only = /grant_type=refresh_token/;
    r.advance(3600_000);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => r.core.request({ method: 'GET', path: '/hello' })));
    expect(results.every((x) => x.status === 'rejected' && (x.reason as { code: string }).code === code)).toBe(true);
    expect(refreshGrantsSeen()).toHaveLength(1);
    expect(r.core.getSession()).toMatchObject({ status: 'signed_out', reason: { code, message: SESSION_ENDED_MESSAGE } });
    expect(r.states.at(-1)).toMatchObject({ status: 'signed_out', reason: { code } });
    expect(r.vault.load('demo')).toBeNull();
    expect(r.vault.lastProviderId()).toBeNull();
    await expect(r.core.request({ method: 'GET', path: '/hello' })).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it.each(KEEPS)('%s → %s, still signed in but offline, token kept, no retry storm', async (_label, answer, code) => {
    const r = await rig({ core: { backoff: { baseMs: 60_000, maxMs: 60_000 } } });
    await r.core.signIn();
    const stored = r.vault.load('demo')!.refreshToken;
    tokenFault.mode = 'respond';
    tokenFault.response = answer;
    tokenFault.only = /grant_type=refresh_token/;
    r.advance(3600_000);
    for (let i = 0; i < 20; i += 1) await expect(r.core.request({ method: 'GET', path: '/hello' })).rejects.toMatchObject({ code });
    // One request to the provider for twenty calls: the rest are answered from the backoff window.
    expect(refreshGrantsSeen()).toHaveLength(1);
    expect(r.core.getSession()).toMatchObject({ status: 'signed_in', connectivity: 'offline' });
    expect(r.vault.load('demo')!.refreshToken).toBe(stored);
  });

  it('Retry-After is honoured: no refresh before it, one after', async () => {
    const r = await rig({ core: { backoff: { baseMs: 1_000, maxMs: 2_000 } } });
    await r.core.signIn();
    tokenFault.mode = 'respond';
    tokenFault.response = { status: 429, body: '', headers: { 'retry-after': '600' } };
    tokenFault.only = /grant_type=refresh_token/;
    r.advance(3600_000);
    await expect(r.core.request({ method: 'GET', path: '/hello' })).rejects.toMatchObject({ code: 'server_error' });
    r.advance(590_000);
    await expect(r.core.request({ method: 'GET', path: '/hello' })).rejects.toMatchObject({ code: 'server_error' });
    expect(refreshGrantsSeen()).toHaveLength(1);
    tokenFault.mode = 'pass';
    r.advance(15_000);
    await expect(r.core.request({ method: 'GET', path: '/hello' })).resolves.toMatchObject({ status: 200 });
    expect(refreshGrantsSeen()).toHaveLength(2);
    expect(r.core.getSession()).toMatchObject({ status: 'signed_in', connectivity: 'online' });
  });

  it('a real invalid_grant from oidc-provider (refresh token revoked there) ends the session', async () => {
    const r = await rig();
    await r.core.signIn();
    const rp = await client.discovery(new URL(demo.issuer), demo.clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    await client.tokenRevocation(rp, r.vault.load('demo')!.refreshToken!, { token_type_hint: 'refresh_token' });
    r.advance(3600_000);
    await expect(r.core.request({ method: 'GET', path: '/hello' })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(r.core.getSession()).toMatchObject({ status: 'signed_out', reason: { code: 'invalid_grant', message: SESSION_ENDED_MESSAGE } });
  });
});

describe('refresh outcomes at start-up (restore from the vault)', () => {
  async function savedSession(): Promise<{ storePath: string; cipher: TestCipher }> {
    const first = await rig();
    await first.core.signIn();
    await first.core.dispose();
    return { storePath: first.storePath, cipher: first.cipher };
  }

  it.each([ENDS[0]!, ENDS[1]!, ENDS[7]!, ENDS[8]!, ENDS[12]!])('%s → %s: starts signed out with the reason, vault cleared', async (_label, answer, code) => {
    const saved = await savedSession();
    tokenFault.mode = 'respond';
    tokenFault.response = answer;
    tokenFault.only = /grant_type=refresh_token/;
    const r = await rig(saved);
    await expect(r.core.restore()).resolves.toMatchObject({ status: 'signed_out', reason: { code, message: SESSION_ENDED_MESSAGE } });
    expect(r.vault.load('demo')).toBeNull();
  });

  it.each([KEEPS[0]!, KEEPS[2]!, KEEPS[5]!])('%s → %s: starts signed in but offline, the person from the vault', async (_label, answer) => {
    const saved = await savedSession();
    tokenFault.mode = 'respond';
    tokenFault.response = answer;
    tokenFault.only = /grant_type=refresh_token/;
    const r = await rig({ ...saved, core: { backoff: { baseMs: 60_000, maxMs: 60_000 } } });
    await expect(r.core.restore()).resolves.toMatchObject({ status: 'signed_in', connectivity: 'offline', user: { name: 'Demo User' } });
    expect(r.vault.load('demo')).not.toBeNull();
  });

  it('token endpoint unreachable at start (hangs, timed out) → signed in but offline; recovers by itself when it is back, no click', async () => {
    const saved = await savedSession();
    tokenFault.mode = 'hang';
    tokenFault.only = /grant_type=refresh_token/;
    const r = await rig({ ...saved, core: { backoff: { baseMs: 300, maxMs: 600 }, providerTimeoutSeconds: 1 } });
    await expect(r.core.restore()).resolves.toMatchObject({ status: 'signed_in', connectivity: 'offline' });
    // The background retry keeps trying, bounded: a few attempts in two seconds, not hundreds.
    await new Promise((res) => setTimeout(res, 2_000));
    const attempts = refreshGrantsSeen().length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(6);
    tokenFault.mode = 'pass';
    await until(
      () => r.core.getSession().status === 'signed_in' && (r.core.getSession() as { connectivity: string }).connectivity === 'online',
      10_000,
      'back online',
    );
    expect(r.states.at(-1)).toMatchObject({ status: 'signed_in', connectivity: 'online' });
    await expect(r.core.request({ method: 'GET', path: '/hello' })).resolves.toMatchObject({ status: 200 });
  });

  it('the whole provider unreachable at start (connection refused, even discovery): the person from the vault, signed in but offline', async () => {
    const saved = await savedSession();
    // Everything goes to a port nothing listens on: a laptop waking up without a network.
    const nowhere: FetchLike = async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      url.port = '9';
      return fetch(url, init);
    };
    const { core, vault } = await startCoreRig({ dir, ...saved, config, fetch: nowhere, openUrl: async () => {}, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    try {
      await expect(core.restore()).resolves.toMatchObject({
        status: 'signed_in',
        connectivity: 'offline',
        user: { name: 'Demo User', email: 'demo@example.test' },
      });
      await expect(core.request({ method: 'GET', path: '/hello' })).rejects.toMatchObject({ code: 'network_error' });
      expect(vault.load('demo')).not.toBeNull();
    } finally {
      await core.dispose();
    }
  });

  it('a captive portal answering discovery with HTML at start: kept, offline (discovery says nothing about the token)', async () => {
    const saved = await savedSession();
    const portal: FetchLike = () =>
      Promise.resolve(new Response('<html>Log in to the hotel Wi-Fi</html>', { status: 403, headers: { 'content-type': 'text/html' } }));
    const { core, vault } = await startCoreRig({ dir, ...saved, config, fetch: portal, openUrl: async () => {}, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    try {
      await expect(core.restore()).resolves.toMatchObject({ status: 'signed_in', connectivity: 'offline' });
      expect(vault.load('demo')).not.toBeNull();
    } finally {
      await core.dispose();
    }
  });

  it('sign-out stops the background retry: no refresh request afterwards', async () => {
    const saved = await savedSession();
    tokenFault.mode = 'status500';
    tokenFault.only = /grant_type=refresh_token/;
    const r = await rig({ ...saved, core: { backoff: { baseMs: 200, maxMs: 200 } } });
    await r.core.restore();
    await r.core.signOut();
    const seen = refreshGrantsSeen().length;
    await new Promise((res) => setTimeout(res, 800));
    expect(refreshGrantsSeen().length).toBe(seen);
  });
});

describe("refresh outcomes for an API's own token (accounts: a token per API)", () => {
  const withContactsApi = (): AppConfig => {
    const contacts = demo.apis.contacts;
    return demoTestConfig(demo, {
      scopes: [...DEFAULT_SCOPES, ...contacts.scopes],
      apis: [{ id: 'contacts', baseUrl: contacts.baseUrl, resource: contacts.resource, scopes: contacts.scopes }],
    });
  };
  /** Refresh grants for the contacts API's own token (the sign-in token's carry no resource). */
  const apiGrantsSeen = () => refreshGrantsSeen().filter((s) => new URLSearchParams(s.body).get('resource') === demo.apis.contacts.resource);
  const contactsCall = (r: CoreRig) => r.core.request({ method: 'GET', path: '/me', api: 'contacts' });

  it("an API's own token while the provider answers 503: 20 calls send one grant and fail fast with server_error, the person stays signed in; after the backoff one grant again, and once the provider is back the call succeeds", async () => {
    const r = await rig({ core: { config: withContactsApi(), backoff: { baseMs: 60_000, maxMs: 60_000 } } });
    await r.core.signIn();
    await expect(contactsCall(r)).resolves.toMatchObject({ status: 200 });
    const stored = r.vault.load('demo')!.refreshToken;
    const succeededBefore = demo.counters.refreshByResource[demo.apis.contacts.resource] ?? 0;
    tokenFault.seen.length = 0;
    // Only the API's grants fail: the sign-in token's refresh still passes.
    tokenFault.mode = 'respond';
    tokenFault.response = { status: 503, body: json({ error: 'temporarily_unavailable' }), contentType: 'application/json' };
    tokenFault.only = /(^|&)resource=/;
    r.advance(3600_000);

    const failures: unknown[] = [];
    for (let i = 0; i < 20; i += 1) failures.push(await contactsCall(r).catch((err: unknown) => err));
    expect(apiGrantsSeen()).toHaveLength(1);
    const first = failures[0] as { code: string; message: string };
    expect(first).toMatchObject({ code: 'server_error' });
    for (const f of failures) expect(f).toMatchObject({ code: first.code, message: first.message });
    // The person stays signed in, the refresh token is kept, and the sign-in token still renews and works.
    expect(r.core.getSession()).toMatchObject({ status: 'signed_in', providerId: 'demo' });
    expect(r.vault.load('demo')!.refreshToken).toBe(stored);
    await expect(r.core.request({ method: 'GET', path: '/hello' })).resolves.toMatchObject({ status: 200 });

    // After the backoff, one grant again (still 503), then the window is longer.
    r.advance(60_001);
    await expect(contactsCall(r)).rejects.toMatchObject({ code: 'server_error' });
    await expect(contactsCall(r)).rejects.toMatchObject({ code: 'server_error' });
    expect(apiGrantsSeen()).toHaveLength(2);

    // The provider is back: after the window, the call succeeds with one grant.
    tokenFault.mode = 'pass';
    r.advance(60_001);
    await expect(contactsCall(r)).resolves.toMatchObject({ status: 200 });
    expect(apiGrantsSeen()).toHaveLength(3);
    expect((demo.counters.refreshByResource[demo.apis.contacts.resource] ?? 0) - succeededBefore).toBe(1);
    expect(r.core.getSession()).toMatchObject({ status: 'signed_in', connectivity: 'online' });
  });

  it("an API's own token: Retry-After is honoured, and sign-out ends the backoff with the account", async () => {
    const r = await rig({ core: { config: withContactsApi(), backoff: { baseMs: 1_000, maxMs: 2_000 } } });
    await r.core.signIn();
    tokenFault.mode = 'respond';
    tokenFault.response = { status: 429, body: '', headers: { 'retry-after': '600' } };
    tokenFault.only = /(^|&)resource=/;
    r.advance(3600_000);
    await expect(contactsCall(r)).rejects.toMatchObject({ code: 'server_error' });
    r.advance(590_000);
    await expect(contactsCall(r)).rejects.toMatchObject({ code: 'server_error' });
    expect(apiGrantsSeen()).toHaveLength(1);
    r.advance(15_000);
    await expect(contactsCall(r)).rejects.toMatchObject({ code: 'server_error' });
    expect(apiGrantsSeen()).toHaveLength(2);

    // Signed out inside the window and in again: the new account's first call asks the provider at once.
    await r.core.signOut();
    await expect(contactsCall(r)).rejects.toMatchObject({ code: 'not_signed_in' });
    tokenFault.mode = 'pass';
    await r.core.signIn();
    r.advance(3600_000);
    await expect(contactsCall(r)).resolves.toMatchObject({ status: 200 });
    expect(apiGrantsSeen()).toHaveLength(3);
  });
});

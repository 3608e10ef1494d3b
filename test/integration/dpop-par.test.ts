/**
 * DPoP (RFC 9449) and pushed authorization requests (RFC 9126) end to end:
 * the auth core against the real oidc-provider (DPoP and PAR on, nonces and
 * PAR required where a case says so) and its demo API, which checks every
 * proof against the token's `cnf.jkt`; Debian's Chromium plays the system
 * browser. Every request the core sends is recorded with its answer, so the
 * cases can assert what went over the wire, not just the outcome.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthCore, type AuthCoreOptions } from '../../main/auth/auth-core';
import { parseAppConfig, type ProviderConfig } from '../../main/auth/config';
import { DpopKey } from '../../main/auth/dpop';
import { JsonFileStore } from '../../main/auth/json-file-store';
import { jsonLinesLogger } from '../../main/auth/log';
import type { AuthCore, FetchLike } from '../../main/auth/types';
import { TestVault as Vault } from '../helpers/test-vault';
import { startDemoProvider, type DemoProvider, type DemoProviderOptions } from '../../main/demo/demo-provider';
import { createTestCipher, type TestCipher } from '../helpers/aes-cipher';
import { loginOverHttp } from '../helpers/http-login';
import { CHROMIUM_MISSING, launchChromium } from '../helpers/chromium';
import { DEFAULT_SCOPES } from '../../main/app-config';
import { REDIRECT_URI as REDIRECT, SCHEME } from '../helpers/core-rig';
import { skipWithoutChromium } from '../helpers/skip-without-chromium';
import { launchSystemBrowser, type SystemBrowser } from '../helpers/system-browser';
import { until } from '../helpers/until';

const SCOPES = [...DEFAULT_SCOPES];

skipWithoutChromium();

interface Sent {
  method: string;
  url: string;
  authorization: string | null;
  dpop: string | null;
  body: string;
  status: number;
  wwwAuthenticate: string | null;
  /** The OAuth `error` of a JSON error answer, when there is one. */
  error?: string;
}

let browser: Browser;
let dir: string;
const demos = new Map<string, DemoProvider>();
const cleanups: (() => Promise<void>)[] = [];
/** Closes what `beforeAll` started: nothing if it returned early or failed part-way. */
const closeAfterAll: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dpop-par-'));
  if (CHROMIUM_MISSING) return;
  browser = await launchChromium();
  closeAfterAll.push(() => browser.close());
});

afterAll(async () => {
  for (const d of demos.values()) await d.close();
  for (const close of closeAfterAll) await close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One demo provider per option set, shared by the cases that use it. */
async function demoWith(name: string, opts: Omit<DemoProviderOptions, 'redirectUris'> = {}): Promise<DemoProvider> {
  let d = demos.get(name);
  if (!d) {
    d = await startDemoProvider({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 600, ...opts });
    demos.set(name, d);
  }
  return d;
}

interface Rig {
  core: AuthCore;
  vault: Vault;
  cipher: TestCipher;
  storePath: string;
  sent: Sent[];
  logs: string[];
  opened: string[];
  browser: SystemBrowser;
  advance(ms: number): void;
}

async function rig(
  demo: DemoProvider,
  opts: {
    profile?: Partial<ProviderConfig>;
    storePath?: string;
    cipher?: TestCipher;
    /** Runs when the core opens the browser, before the page loads (e.g. to expire the pushed request). */
    beforeOpen?: () => void;
    browserless?: boolean;
    core?: Partial<AuthCoreOptions>;
  } = {},
): Promise<Rig> {
  let offset = 0;
  const sent: Sent[] = [];
  const logs: string[] = [];
  const opened: string[] = [];
  const recording: FetchLike = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init?.headers);
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
    const res = await fetch(input, init);
    const entry: Sent = {
      method: init?.method ?? 'GET',
      url,
      authorization: headers.get('authorization'),
      dpop: headers.get('dpop'),
      body,
      status: res.status,
      wwwAuthenticate: res.headers.get('www-authenticate'),
    };
    if (res.status >= 400 && (res.headers.get('content-type') ?? '').includes('json')) {
      const parsed = (await res
        .clone()
        .json()
        .catch(() => ({}))) as { error?: string };
      if (typeof parsed.error === 'string') entry.error = parsed.error;
    }
    sent.push(entry);
    return res;
  };
  const config = parseAppConfig({
    scheme: SCHEME,
    providers: [
      {
        id: 'demo',
        displayName: 'Demo Provider',
        issuer: demo.issuer,
        clientId: demo.clientId,
        scopes: SCOPES,
        apiBaseUrls: [demo.apiBaseUrl],
        ...opts.profile,
      },
    ],
  });
  const storePath = opts.storePath ?? join(dir, `vault-${Math.random().toString(36).slice(2)}.json`);
  const cipher = opts.cipher ?? createTestCipher();
  const logger = jsonLinesLogger('debug', (line) => logs.push(line));
  const vault = new Vault({ cipher, store: new JsonFileStore(storePath), logger });
  const sb = await launchSystemBrowser({
    captureSchemes: [`${SCHEME}:`],
    onRedirect: (url) => core.handleRedirect(url),
    autoLogin: { ...demo.credentials, consent: 'allow' },
    browser,
  });
  const core = createAuthCore({
    config,
    vault,
    fetch: recording,
    logger,
    clock: () => Date.now() + offset,
    openUrl: async (url) => {
      opened.push(url);
      if (opts.browserless) return;
      opts.beforeOpen?.();
      await sb.open(url);
    },
    ...opts.core,
  });
  cleanups.push(async () => {
    await core.dispose();
    await sb.close();
  });
  return { core, vault, cipher, storePath, sent, logs, opened, browser: sb, advance: (ms) => (offset += ms) };
}

const apiCalls = (r: Rig, demo: DemoProvider) => r.sent.filter((s) => s.url.startsWith(demo.apiBaseUrl));
const tokenCalls = (r: Rig, demo: DemoProvider, grant?: string) =>
  r.sent.filter((s) => s.url === `${demo.issuer}/token` && (grant === undefined || new URLSearchParams(s.body).get('grant_type') === grant));

async function proofThumbprint(proof: string): Promise<string> {
  return calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK, 'sha256');
}

async function relyingParty(demo: DemoProvider): Promise<client.Configuration> {
  return client.discovery(new URL(demo.issuer), demo.clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
    execute: [client.allowInsecureRequests],
  });
}

describe('DPoP-bound session with the demo provider (DPoP on, PAR offered)', () => {
  it('sign-in, API call, refresh, restart and restore, sign-out: every request to both servers carries a fresh proof from one key', async () => {
    const demo = await demoWith('default');
    const r = await rig(demo);
    const state = await r.core.signIn();
    expect(state).toMatchObject({ status: 'signed_in', user: { name: 'Demo User' } });

    // PAR: the parameters were pushed (with a proof); the browser URL holds only client_id and request_uri.
    const par = r.sent.find((s) => s.url === `${demo.issuer}/request`);
    expect(par?.status).toBe(201);
    expect(new URLSearchParams(par!.body).get('code_challenge')).toBeTruthy();
    expect(par!.dpop).toBeTruthy();
    expect([...new URL(r.opened[0]!).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);

    // Code exchange with a proof; the key is in the vault entry, bound to the refresh token.
    const exchange = tokenCalls(r, demo, 'authorization_code').at(-1)!;
    expect(exchange.status).toBe(200);
    expect(exchange.dpop).toBeTruthy();
    const stored = r.vault.load('demo')!;
    expect(stored.dpopKey).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    const key = await DpopKey.fromJwk(stored.dpopKey!);
    const jkt = await key.thumbprint();
    expect(await proofThumbprint(exchange.dpop!)).toBe(jkt);
    // Userinfo was asked with the DPoP scheme and a proof too.
    const userinfo = r.sent.find((s) => s.url === `${demo.issuer}/me`);
    if (userinfo) expect(userinfo.authorization?.startsWith('DPoP ')).toBe(true);

    // API call: DPoP scheme, proof for this method and URL without the query, bound to this token.
    const res = await r.core.request({ method: 'GET', path: '/me', query: { q: 'x' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ tokenBinding: expect.stringMatching(/^DPoP/) as unknown });
    const call = apiCalls(r, demo).at(-1)!;
    expect(call.authorization).toMatch(/^DPoP /);
    const accessToken = call.authorization!.slice(5);
    const proof = decodeJwt(call.dpop!);
    expect(decodeProtectedHeader(call.dpop!)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(decodeProtectedHeader(call.dpop!).jwk).not.toHaveProperty('d');
    expect(proof).toMatchObject({ htm: 'GET', htu: `${demo.apiBaseUrl}/me`, ath: createHash('sha256').update(accessToken).digest('base64url') });
    expect(await proofThumbprint(call.dpop!)).toBe(jkt);

    // Refresh (forced expiry) with a proof from the same key; the rotated token is stored with the key.
    r.advance(20 * 60_000);
    expect((await r.core.request({ method: 'GET', path: '/hello' })).status).toBe(200);
    const refresh = tokenCalls(r, demo, 'refresh_token').at(-1)!;
    expect(refresh.status).toBe(200);
    expect(await proofThumbprint(refresh.dpop!)).toBe(jkt);
    const afterRefresh = r.vault.load('demo')!;
    expect(afterRefresh.refreshToken).not.toBe(stored.refreshToken);
    expect(afterRefresh.dpopKey).toEqual(stored.dpopKey);

    // Restart: a new core with the same vault restores the session and refreshes with the stored key.
    await r.core.dispose();
    const again = await rig(demo, { storePath: r.storePath, cipher: r.cipher });
    await expect(again.core.restore()).resolves.toMatchObject({ status: 'signed_in' });
    const restoredRefresh = tokenCalls(again, demo, 'refresh_token').at(-1)!;
    expect(restoredRefresh.status).toBe(200);
    expect(await proofThumbprint(restoredRefresh.dpop!)).toBe(jkt);
    expect((await again.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    expect(await proofThumbprint(apiCalls(again, demo).at(-1)!.dpop!)).toBe(jkt);

    // Sign-out: the entry, and the key inside it, are gone; the refresh token is revoked.
    const lastRefreshToken = again.vault.load('demo')!.refreshToken!;
    await again.core.signOut();
    expect(again.vault.load('demo')).toBeNull();
    const rp = await relyingParty(demo);
    await expect(client.refreshTokenGrant(rp, lastRefreshToken, undefined, { DPoP: key.handle(rp) })).rejects.toMatchObject({ error: 'invalid_grant' });

    // A fresh sign-in makes a new key.
    await again.core.signIn();
    const next = again.vault.load('demo')!;
    expect(await (await DpopKey.fromJwk(next.dpopKey!)).thumbprint()).not.toBe(jkt);
    await again.core.signOut();

    // Proofs never reuse a jti, at either server, across all of the above.
    const proofs = [...r.sent, ...again.sent].map((s) => s.dpop).filter((p): p is string => p !== null);
    expect(proofs.length).toBeGreaterThanOrEqual(10);
    const jtis = proofs.map((p) => decodeJwt(p).jti);
    expect(new Set(jtis).size).toBe(jtis.length);
  });

  it('a stolen access token replayed without the key is refused by the API (401); a stolen refresh token used with another key is refused by the provider (invalid_grant)', async () => {
    const demo = await demoWith('default');
    const r = await rig(demo);
    await r.core.signIn();
    expect((await r.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    const stolenAccess = apiCalls(r, demo).at(-1)!.authorization!.slice(5);
    const url = `${demo.apiBaseUrl}/me`;

    // As a bearer token, as a DPoP token without a proof, and with a proof from the thief's own key.
    const asBearer = await fetch(url, { headers: { authorization: `Bearer ${stolenAccess}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP /);
    expect((await fetch(url, { headers: { authorization: `DPoP ${stolenAccess}` } })).status).toBe(401);
    const thief = await DpopKey.generate('ES256');
    const forged = await thief.resourceProofs.proof('GET', new URL(url), stolenAccess);
    const withOtherKey = await fetch(url, { headers: { authorization: `DPoP ${stolenAccess}`, dpop: forged } });
    expect(withOtherKey.status).toBe(401);
    expect(await withOtherKey.json()).toMatchObject({ error: 'invalid_token' });
    // A proof of the real key cannot be replayed either: its jti was used.
    const replayed = await fetch(url, { headers: { authorization: `DPoP ${stolenAccess}`, dpop: apiCalls(r, demo).at(-1)!.dpop! } });
    expect(replayed.status).toBe(401);

    const stolenRefresh = r.vault.load('demo')!.refreshToken!;
    const rp = await relyingParty(demo);
    await expect(client.refreshTokenGrant(rp, stolenRefresh, undefined, { DPoP: thief.handle(rp) })).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(rp, stolenRefresh)).rejects.toMatchObject({
      error: expect.stringMatching(/invalid_grant|invalid_dpop_proof/) as unknown,
    });

    // The app, which holds the key, is unaffected.
    expect((await r.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    r.advance(20 * 60_000);
    expect((await r.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    expect(tokenCalls(r, demo, 'refresh_token').at(-1)!.status).toBe(200);
    await r.core.signOut();
  });
});

describe('authorization code bound to the key', () => {
  it('an intercepted code redeemed with another key is refused (invalid_grant), with PAR and with dpop_jkt; the core sends dpop_jkt when it does not push', async () => {
    const demo = await demoWith('default');
    const rp = await relyingParty(demo);
    const owner = await DpopKey.generate('ES256');
    const thief = await DpopKey.generate('ES256');
    for (const pushed of [true, false]) {
      const authorize = async () => {
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const params = {
          redirect_uri: REDIRECT,
          scope: 'openid',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
        };
        const url = pushed
          ? await client.buildAuthorizationUrlWithPAR(rp, params, { DPoP: owner.handle(rp) })
          : client.buildAuthorizationUrl(rp, { ...params, dpop_jkt: await owner.thumbprint() });
        return { callback: new URL(await loginOverHttp(url.href, demo.credentials, SCHEME)), checks: { pkceCodeVerifier: verifier, expectedState: state } };
      };
      // Even with the verifier (the PKCE defence gone), the code does not work with the thief's key.
      const stolen = await authorize();
      await expect(client.authorizationCodeGrant(rp, stolen.callback, stolen.checks, undefined, { DPoP: thief.handle(rp) })).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      // The control: an identical request redeemed with the bound key works, so the refusal was the binding.
      const own = await authorize();
      await expect(client.authorizationCodeGrant(rp, own.callback, own.checks, undefined, { DPoP: owner.handle(rp) })).resolves.toMatchObject({
        token_type: 'dpop',
      });
    }

    const r = await rig(demo, { profile: { par: 'off' } });
    await r.core.signIn();
    const jkt = new URL(r.opened[0]!).searchParams.get('dpop_jkt');
    expect(jkt).toBe(await proofThumbprint(tokenCalls(r, demo, 'authorization_code').at(-1)!.dpop!));
    await r.core.signOut();
  });
});

describe('Ed25519 keys (for a provider that prefers EdDSA)', () => {
  it.each(['Ed25519', 'EdDSA'] as const)('%s: the provider binds the tokens and the API accepts the proofs', async (alg) => {
    const demo = await demoWith('default');
    const rp = await relyingParty(demo);
    const key = await DpopKey.generate(alg);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(
      rp,
      { redirect_uri: REDIRECT, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state },
      { DPoP: key.handle(rp) },
    );
    const callback = new URL(await loginOverHttp(url.href, demo.credentials, SCHEME));
    const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: key.handle(rp) });
    expect(tokens.token_type).toBe('dpop');
    const api = new URL(`${demo.apiBaseUrl}/me`);
    const proof = await key.resourceProofs.proof('GET', api, tokens.access_token);
    expect(decodeProtectedHeader(proof).alg).toBe(alg);
    expect((await fetch(api, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: proof } })).status).toBe(200);
  });
});

describe('a provider that offers only EdDSA', () => {
  it('the core makes an Ed25519 key, signs as EdDSA at both servers, and restores with it', async () => {
    const demo = await demoWith('eddsa', { dpop: { signingAlgs: ['EdDSA'] } });
    expect((await relyingParty(demo)).serverMetadata().dpop_signing_alg_values_supported).toEqual(['EdDSA']);
    const r = await rig(demo);
    await r.core.signIn();
    expect(r.vault.load('demo')!.dpopKey).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect((await r.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    expect(r.sent.filter((s) => s.dpop).every((s) => decodeProtectedHeader(s.dpop!).alg === 'EdDSA')).toBe(true);
    const again = await rig(demo, { storePath: r.storePath, cipher: r.cipher });
    await expect(again.core.restore()).resolves.toMatchObject({ status: 'signed_in' });
    expect(tokenCalls(again, demo, 'refresh_token').at(-1)!.status).toBe(200);
    await again.core.signOut();
  });
});

describe('DPoP nonces (both servers require them)', () => {
  it('the provider and the API each challenge once (use_dpop_nonce); the retry with the nonce succeeds and the nonce is remembered', async () => {
    const demo = await demoWith('nonce', { dpop: { requireNonce: true } });
    const r = await rig(demo);
    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    // At the provider: the first request with a proof (PAR) is challenged, once; the handle keeps the nonce for the exchange.
    const asChallenges = r.sent.filter((s) => s.url.startsWith(demo.issuer) && !s.url.startsWith(demo.apiBaseUrl) && s.error === 'use_dpop_nonce');
    expect(asChallenges).toHaveLength(1);
    expect(tokenCalls(r, demo, 'authorization_code').map((s) => s.status)).toEqual([200]);

    // At the API: 401 with `WWW-Authenticate: DPoP error="use_dpop_nonce"`, one retry with the nonce, 200.
    expect((await r.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    expect(apiCalls(r, demo).map((s) => s.status)).toEqual([401, 200]);
    expect(apiCalls(r, demo)[0]!.wwwAuthenticate).toMatch(/^DPoP .*error="use_dpop_nonce"/);
    expect(decodeJwt(apiCalls(r, demo)[1]!.dpop!).nonce).toBeTruthy();
    // Remembered for the origin: the next calls are not challenged.
    for (let i = 0; i < 3; i += 1) expect((await r.core.request({ method: 'GET', path: '/hello' })).status).toBe(200);
    expect(apiCalls(r, demo).map((s) => s.status)).toEqual([401, 200, 200, 200, 200]);

    // A refresh reuses the provider's nonce the session's handle remembers: no new challenge while it is current.
    r.advance(20 * 60_000);
    expect((await r.core.request({ method: 'GET', path: '/hello' })).status).toBe(200);
    expect(tokenCalls(r, demo, 'refresh_token').map((s) => s.error ?? s.status)).toEqual([200]);
    expect(decodeJwt(tokenCalls(r, demo, 'refresh_token')[0]!.dpop!).nonce).toBeTruthy();
    await r.core.signOut();
  });

  it('a provider whose nonce never arrives gets exactly one retry (openid-client), never a loop', async () => {
    const demo = await demoWith('nonce', { dpop: { requireNonce: true } });
    const exchanges: number[] = [];
    // The DPoP-Nonce header is lost on the way back: every proof the provider sees lacks a valid nonce.
    const noNonce: FetchLike = async (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const res = await fetch(input, init);
      if (url !== `${demo.issuer}/token`) return res;
      exchanges.push(res.status);
      const headers = new Headers(res.headers);
      headers.delete('dpop-nonce');
      return new Response(await res.arrayBuffer(), { status: res.status, headers });
    };
    const r = await rig(demo, { profile: { par: 'off' }, core: { fetch: noNonce } });
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'invalid_response' });
    expect(exchanges).toEqual([400, 400]);
    expect(r.core.getSession().status).toBe('signed_out');
    expect(r.vault.load('demo')).toBeNull();
  });

  it('an API that challenges every proof gets exactly one nonce retry, never a loop', async () => {
    const demo = await demoWith('nonce', { dpop: { requireNonce: true } });
    const r = await rig(demo);
    await r.core.signIn();
    const stale: FetchLike = async (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.startsWith(demo.apiBaseUrl)) demo.rotateDpopNonce();
      return fetch(input, init);
    };
    // Every API request now carries a nonce that just went stale.
    const r2 = await rig(demo, { storePath: r.storePath, cipher: r.cipher, core: { fetch: stale } });
    await r2.core.restore();
    const before = demo.counters.apiCalls;
    const res = await r2.core.request({ method: 'GET', path: '/me' });
    expect(res.status).toBe(401);
    // First try, one nonce retry, and the one refresh-and-retry any 401 gets: three, never more.
    expect(demo.counters.apiCalls - before).toBe(3);
    await r2.core.signOut();
  });
});

describe('PAR required by the server', () => {
  it('signs in through a pushed request; a plain authorization request is refused by the provider; par: "off" fails clearly', async () => {
    const demo = await demoWith('par-required', { par: { required: true } });
    const rp = await relyingParty(demo);
    expect(rp.serverMetadata().require_pushed_authorization_requests).toBe(true);
    const plain = client.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    const refused = await fetch(plain, { redirect: 'manual' });
    expect(refused.status).toBeGreaterThanOrEqual(300);

    const r = await rig(demo);
    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    expect([...new URL(r.opened[0]!).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    // PAR and DPoP together: the pushed request carried the proof, so the code is bound to the key.
    const par = r.sent.find((s) => s.url === `${demo.issuer}/request`)!;
    const exchange = tokenCalls(r, demo, 'authorization_code').at(-1)!;
    expect(await proofThumbprint(par.dpop!)).toBe(await proofThumbprint(exchange.dpop!));
    expect((await r.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    await r.core.signOut();

    const off = await rig(demo, { profile: { par: 'off' } });
    await expect(off.core.signIn()).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringContaining('Demo Provider') as unknown });
    expect(off.opened).toEqual([]);
  });

  it('an expired request_uri: the sign-in ends with a clear sign_in_timeout at once, and a fresh attempt works', async () => {
    // The provider's store runs on a clock the test moves: no race with a short lifetime on a slow machine.
    let storeOffset = 0;
    const demo = await demoWith('par-clock', { par: { required: true }, storeNow: () => Date.now() + storeOffset });
    // The person opens the page after the pushed request expired (oidc-provider gives it 60 s).
    const slow = await rig(demo, {
      beforeOpen: () => {
        storeOffset += 61_000;
      },
    });
    const t0 = Date.now();
    const err = await slow.core.signIn().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'sign_in_timeout', message: 'The sign-in page expired before it was used. Please start the sign-in again.' });
    // Told at once (not after the five-minute sign-in timeout), nothing exchanged.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(demo.counters.authorizationCode).toBe(0);
    expect(slow.core.getSession().status).toBe('signed_out');

    // Starting again pushes a new request and succeeds.
    const fresh = await rig(demo, { storePath: slow.storePath, cipher: slow.cipher });
    await expect(fresh.core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    await fresh.core.signOut();
  });

  it('a stateless error=invalid_request_uri with a wrong iss, or for a sign-in that was not pushed, is ignored', async () => {
    const demo = await demoWith('default');
    const pushed = await rig(demo, { browserless: true });
    const signingIn = pushed.core.signIn();
    signingIn.catch(() => {});
    await until(() => pushed.opened.length === 1);
    const forged = (iss: string) => `${REDIRECT}?${new URLSearchParams({ error: 'invalid_request_uri', iss })}`;
    expect(pushed.core.handleRedirect(forged('http://127.0.0.1:1'))).toBe(false);
    expect(pushed.core.handleRedirect(`${REDIRECT}?error=invalid_request_uri`)).toBe(false);
    expect(pushed.core.getSession().status).toBe('signing_in');
    pushed.core.cancelSignIn();
    await expect(signingIn).rejects.toMatchObject({ code: 'sign_in_cancelled' });

    const plain = await rig(demo, { browserless: true, profile: { par: 'off' } });
    const plainSignIn = plain.core.signIn();
    plainSignIn.catch(() => {});
    await until(() => plain.opened.length === 1);
    expect(plain.core.handleRedirect(forged(demo.issuer))).toBe(false);
    expect(plain.core.getSession().status).toBe('signing_in');
    plain.core.cancelSignIn();
    await expect(plainSignIn).rejects.toMatchObject({ code: 'sign_in_cancelled' });
  });

  it('a callback carrying error=invalid_request_uri for a pushed sign-in ends it with a clear sign_in_timeout', async () => {
    const demo = await demoWith('default');
    const r = await rig(demo, { browserless: true });
    const signingIn = r.core.signIn();
    signingIn.catch(() => {});
    await until(() => r.opened.length === 1);
    // The state went to the provider in the pushed request, not through the browser.
    expect(new URL(r.opened[0]!).searchParams.get('state')).toBeNull();
    const state = new URLSearchParams(r.sent.find((s) => s.url === `${demo.issuer}/request`)!.body).get('state')!;
    const callback = new URL(REDIRECT);
    callback.search = new URLSearchParams({ error: 'invalid_request_uri', state, iss: demo.issuer }).toString();
    expect(r.core.handleRedirect(callback.href)).toBe(true);
    await expect(signingIn).rejects.toMatchObject({ code: 'sign_in_timeout', message: expect.stringContaining('expired') as unknown });
    expect(r.core.getSession().status).toBe('signed_out');
  });
});

describe('a provider that offers neither (auto keeps working; required fails clearly)', () => {
  it('auto: Bearer tokens sent as Bearer, no proof, no PAR, no key stored', async () => {
    const demo = await demoWith('plain', { dpop: false, par: false });
    const rp = await relyingParty(demo);
    expect(rp.serverMetadata().dpop_signing_alg_values_supported).toBeUndefined();
    expect(rp.serverMetadata().pushed_authorization_request_endpoint).toBeUndefined();
    const r = await rig(demo);
    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    expect(new URL(r.opened[0]!).searchParams.get('code_challenge')).toBeTruthy();
    expect(r.sent.every((s) => s.dpop === null)).toBe(true);
    const me = await r.core.request({ method: 'GET', path: '/me' });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ tokenBinding: 'Bearer' });
    expect(apiCalls(r, demo).at(-1)!.authorization).toMatch(/^Bearer /);
    expect(r.vault.load('demo')!.dpopKey).toBeUndefined();
    r.advance(20 * 60_000);
    expect((await r.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    expect(tokenCalls(r, demo, 'refresh_token').at(-1)).toMatchObject({ status: 200, dpop: null });
    await r.core.signOut();
  });

  it.each([
    ['dpop', /does not offer DPoP/],
    ['par', /does not offer pushed authorization requests/],
  ] as const)('%s: "required" fails with invalid_config naming the provider, before the browser opens', async (field, message) => {
    const demo = await demoWith('plain', { dpop: false, par: false });
    const r = await rig(demo, { profile: { [field]: 'required' } });
    const err = await r.core.signIn().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('"Demo Provider" (demo)');
    expect(r.opened).toEqual([]);
    expect(r.core.getSession().status).toBe('signed_out');
  });

  it('dpop: "off" against a DPoP provider: Bearer tokens, no proofs', async () => {
    const demo = await demoWith('default');
    const r = await rig(demo, { profile: { dpop: 'off', par: 'off' } });
    await r.core.signIn();
    expect(r.sent.every((s) => s.dpop === null)).toBe(true);
    expect((await r.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    expect(apiCalls(r, demo).at(-1)!.authorization).toMatch(/^Bearer /);
    expect(new URL(r.opened[0]!).searchParams.get('request_uri')).toBeNull();
    await r.core.signOut();
  });
});

describe('a stored key that cannot be used', () => {
  it('restore drops the entry and starts signed out (the bound refresh token is useless without it)', async () => {
    const demo = await demoWith('default');
    const r = await rig(demo);
    await r.core.signIn();
    const stored = r.vault.load('demo')!;
    const other = await DpopKey.generate('ES256');
    // Well-formed, but x and y no longer describe a point of the curve with this d.
    const broken = { ...stored.dpopKey!, y: (other.privateJwk as { y: string }).y } as typeof stored.dpopKey;
    r.vault.save({ ...stored, dpopKey: broken });
    await r.core.dispose();
    const again = await rig(demo, { storePath: r.storePath, cipher: r.cipher });
    await expect(again.core.restore()).resolves.toMatchObject({ status: 'signed_out' });
    expect(again.vault.load('demo')).toBeNull();
    expect(again.logs.some((l) => l.includes('restore.dpop_key_unusable'))).toBe(true);
    expect(tokenCalls(again, demo)).toEqual([]);
  });
});

describe('no key material outside the vault ciphertext', () => {
  it('the private key (d) appears in no log line and not in the vault file; the file holds only ciphertext', async () => {
    const demo = await demoWith('default');
    const r = await rig(demo);
    await r.core.signIn();
    await r.core.request({ method: 'GET', path: '/me' });
    r.advance(20 * 60_000);
    await r.core.request({ method: 'GET', path: '/me' });
    const { d, x } = r.vault.load('demo')!.dpopKey!;
    const raw = readFileSync(r.storePath, 'utf8');
    for (const secret of [d, x]) {
      expect(raw.includes(secret)).toBe(false);
      expect(r.logs.join('\n').includes(secret)).toBe(false);
    }
    expect(raw).not.toMatch(/"d"|dpopKey|P-256/);
    await r.core.signOut();
  });
});

/**
 * The five non-standard seed providers (../shared/seeds) and a standard OIDC
 * provider, each signed in to through the real auth core with real Chromium
 * as the system browser, driven by the example profile in examples/profiles
 * (only its origins rebased onto the emulator's loopback port). Every
 * emulator is strict: a request that does not follow its document is refused.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthCore } from '../../main/auth/auth-core';
import { parseAppConfig, type ProviderConfig } from '../../main/auth/config';
import { JsonFileStore } from '../../main/auth/json-file-store';
import type { AuthCore } from '../../main/auth/types';
import { Vault } from '../../main/auth/vault';
import { startDemoProvider } from '../../main/demo/demo-provider';
import { startCapacity, CAPACITY_CLIENT } from '../emulators/capacity';
import { startIdentityHub } from '../emulators/identity-hub';
import { startInTandem, INTANDEM_CLIENT } from '../emulators/intandem';
import { startPlatformOfTrust, POT_CLIENT } from '../emulators/platform-of-trust';
import { startProto, PROTO_CLIENT } from '../emulators/proto';
import { EMULATOR_USER } from '../emulators/toolkit';
import { createTestCipher } from '../helpers/aes-cipher';
import { CHROMIUM_ARGS, launchSystemBrowser, type SystemBrowser } from '../helpers/system-browser';

const SCHEME = 'com.example.desktop';
const REDIRECT = `${SCHEME}:/callback`;
const HOUR = 3600_000;
const root = path.resolve(import.meta.dirname, '../..');

let browser: Browser;
let dir: string;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  dir = mkdtempSync(path.join(tmpdir(), 'seeds-'));
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

function profile(name: string): ProviderConfig {
  return JSON.parse(readFileSync(path.join(root, 'examples/profiles', `${name}.json`), 'utf8')) as ProviderConfig;
}

/** Moves every URL of a profile onto the emulator's origin, keeping paths. */
function rebase(p: ProviderConfig, baseUrl: string, patch: Partial<ProviderConfig> = {}): ProviderConfig {
  const move = (u: string) => {
    const url = new URL(u.replace(/\{([A-Za-z0-9_]+)\}/g, '__$1__'));
    return `${baseUrl}${url.pathname}${url.search}`.replace(/__([A-Za-z0-9_]+)__/g, '{$1}');
  };
  const endpoints = p.endpoints ? (Object.fromEntries(Object.entries(p.endpoints).map(([k, v]) => [k, v && move(v)])) as ProviderConfig['endpoints']) : undefined;
  const authorizeParams = p.authorizeParams ? Object.fromEntries(Object.entries(p.authorizeParams).map(([k, v]) => [k, /^https?:/.test(v) ? move(v) : v])) : undefined;
  return { ...p, ...(endpoints ? { endpoints } : {}), ...(authorizeParams ? { authorizeParams } : {}), apiBaseUrls: p.apiBaseUrls.map(move), ...patch };
}

interface Rig {
  core: AuthCore;
  vault: Vault;
  browser: SystemBrowser;
  advance(ms: number): void;
}

async function rig(provider: ProviderConfig, opts: { signInTimeoutMs?: number; deliverDelayMs?: number } = {}): Promise<Rig> {
  let offset = 0;
  const vault = new Vault({ cipher: createTestCipher(), store: new JsonFileStore(path.join(dir, `${provider.id}-${Math.random().toString(36).slice(2)}.json`)) });
  let core!: AuthCore;
  const system = await launchSystemBrowser({
    browser,
    captureSchemes: [`${SCHEME}:`],
    onRedirect: (url) => {
      if (opts.deliverDelayMs) setTimeout(() => core.handleRedirect(url), opts.deliverDelayMs);
      else core.handleRedirect(url);
    },
    autoLogin: { username: EMULATOR_USER.username, password: EMULATOR_USER.password, consent: 'allow' },
  });
  core = await createAuthCore({
    config: parseAppConfig({ scheme: SCHEME, providers: [provider] }),
    vault,
    openUrl: system.open,
    clock: () => Date.now() + offset,
    ...(opts.signInTimeoutMs ? { signInTimeoutMs: opts.signInTimeoutMs } : {}),
  });
  cleanups.push(() => core.dispose(), () => system.close());
  return { core, vault, browser: system, advance: (ms) => (offset += ms) };
}

interface SeedCase {
  name: string;
  start(): Promise<{ provider: ProviderConfig; counts(): { exchanges: number; refreshes: number }; expireAtProvider?: () => void; close(): Promise<void> }>;
  apiPath: string;
  /** How far to move the clock for "expired": past expires_in. */
  expireBy: number;
}

const cases: SeedCase[] = [
  {
    name: 'Platform of Trust (form body with client_secret and state, grant_type=authorization, cancel_url)',
    apiPath: '/me',
    expireBy: 25 * HOUR,
    async start() {
      const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
      const p = profile('platform-of-trust');
      return { provider: rebase(p, emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: POT_CLIENT.secret } }), counts: () => ({ exchanges: emu.counters.tokenExchanges, refreshes: emu.counters.refreshes }), close: emu.close };
    },
  },
  {
    name: 'The Identity Hub (tenant paths, PKCE, rotating refresh tokens, loopback redirect)',
    apiPath: '/me',
    expireBy: 2 * HOUR,
    async start() {
      const emu = await startIdentityHub({ tenant: 'acme', redirectUri: 'http://127.0.0.1/callback' });
      return { provider: rebase(profile('identity-hub'), emu.baseUrl), counts: () => ({ exchanges: emu.counters.tokenExchanges, refreshes: emu.counters.refreshes }), close: emu.close };
    },
  },
  {
    name: 'Capacity (link URL, JSON body templates, separate refresh URL, extraction paths)',
    apiPath: '/me',
    expireBy: 2 * HOUR,
    async start() {
      const emu = await startCapacity({ redirectUri: REDIRECT });
      return { provider: rebase(profile('capacity'), emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: CAPACITY_CLIENT.secret } }), counts: () => ({ exchanges: emu.counters.tokenExchanges, refreshes: emu.counters.refreshes }), close: emu.close };
    },
  },
  {
    name: 'Proto (JSON body with client_secret, "Session expired" instead of 401)',
    apiPath: '/me',
    expireBy: 0,
    async start() {
      const emu = await startProto({ redirectUri: REDIRECT });
      return {
        provider: rebase(profile('proto'), emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: PROTO_CLIENT.secret } }),
        counts: () => ({ exchanges: emu.counters.tokenExchanges, refreshes: emu.counters.refreshes }),
        // Proto's tokens expire at the provider; the client only learns it from the API's answer.
        expireAtProvider: () => emu.state.expireAllAccessTokens(),
        close: emu.close,
      };
    },
  },
  {
    name: 'standard OIDC (oidc-provider through discovery)',
    apiPath: '/me',
    expireBy: 2 * HOUR,
    async start() {
      const demo = await startDemoProvider({ redirectUris: [REDIRECT] });
      const provider: ProviderConfig = { id: 'oidc', displayName: 'OIDC', issuer: demo.issuer, clientId: demo.clientId, scopes: ['openid', 'profile', 'email', 'offline_access'], apiBaseUrls: [demo.apiBaseUrl] };
      // The demo's login page takes demo/demo too.
      return { provider, counts: () => ({ exchanges: demo.counters.authorizationCode, refreshes: demo.counters.refreshToken }), close: demo.close };
    },
  },
];

describe('seed providers: sign in → API → expiry → refresh → API → sign out', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const emu = await c.start();
    cleanups.push(() => emu.close());
    const r = await rig(emu.provider);
    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in', providerId: emu.provider.id });
    expect(emu.counts()).toEqual({ exchanges: 1, refreshes: 0 });
    expect(r.vault.load(emu.provider.id)?.refreshToken).toBeTruthy();
    await expect(r.core.request({ method: 'GET', path: c.apiPath })).resolves.toMatchObject({ status: 200 });

    if (emu.expireAtProvider) emu.expireAtProvider();
    r.advance(c.expireBy);
    const before = r.vault.load(emu.provider.id)!.refreshToken;
    await expect(r.core.request({ method: 'GET', path: c.apiPath })).resolves.toMatchObject({ status: 200 });
    expect(emu.counts()).toEqual({ exchanges: 1, refreshes: 1 });
    await expect(r.core.request({ method: 'GET', path: c.apiPath })).resolves.toMatchObject({ status: 200 });
    expect(emu.counts().refreshes).toBe(1);
    // Rotating providers hand out a new refresh token, and it is what the vault now holds.
    expect(r.vault.load(emu.provider.id)?.refreshToken).toBeTruthy();
    if (c.name.startsWith('The Identity Hub') || c.name.startsWith('Capacity') || c.name.startsWith('standard')) {
      expect(r.vault.load(emu.provider.id)!.refreshToken).not.toBe(before);
    }

    await expect(r.core.signOut()).resolves.toMatchObject({ status: 'signed_out' });
    expect(r.vault.load(emu.provider.id)).toBeNull();
    await expect(r.core.request({ method: 'GET', path: c.apiPath })).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('inTandem (JSON body, 30-second code, 20-year expiry from created_at, /oauth/userinfo, no refresh token)', async () => {
    const emu = await startInTandem({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const r = await rig(rebase(profile('intandem'), emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: INTANDEM_CLIENT.secret } }));
    const state = await r.core.signIn();
    expect(state).toMatchObject({ status: 'signed_in', user: { sub: EMULATOR_USER.sub, name: EMULATOR_USER.name, email: EMULATOR_USER.email } });
    // No refresh token: nothing to store, the session lives in memory.
    expect(r.vault.load('intandem')).toBeNull();
    await expect(r.core.request({ method: 'GET', path: '/business' })).resolves.toMatchObject({ status: 200 });
    // Ten years on, the twenty-year token computed from created_at is still good: no refresh needed.
    r.advance(10 * 365 * 24 * HOUR);
    await expect(r.core.request({ method: 'GET', path: '/business' })).resolves.toMatchObject({ status: 200 });
    // Past twenty years, with no refresh token, the session ends cleanly.
    r.advance(11 * 365 * 24 * HOUR);
    await expect(r.core.request({ method: 'GET', path: '/business' })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(r.core.getSession()).toMatchObject({ status: 'signed_out', reason: { code: 'invalid_grant' } });
    expect(emu.counters.tokenExchanges).toBe(1);
  });
});

describe('seed providers: negative cases per quirk', () => {
  it('Capacity: a wrong JSON path for the access token → invalid_response, nothing stored', async () => {
    const emu = await startCapacity({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const p = rebase(profile('capacity'), emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: CAPACITY_CLIENT.secret } });
    const r = await rig({ ...p, tokenResponse: { ...p.tokenResponse, accessToken: 'data.tokens.nope' } });
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'invalid_response' });
    expect(r.vault.load('capacity')).toBeNull();
  });

  it('Capacity: a token response without the access token → invalid_response', async () => {
    const emu = await startCapacity({ redirectUri: REDIRECT, omitAccessToken: true });
    cleanups.push(() => emu.close());
    const r = await rig(rebase(profile('capacity'), emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: CAPACITY_CLIENT.secret } }));
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('inTandem: a code used after its lifetime → invalid_grant', async () => {
    const emu = await startInTandem({ redirectUri: REDIRECT, codeTtlMs: 300 });
    cleanups.push(() => emu.close());
    const r = await rig(rebase(profile('intandem'), emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: INTANDEM_CLIENT.secret } }), { deliverDelayMs: 800 });
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(emu.counters.tokenExchanges).toBe(0);
  });

  it('The Identity Hub: an unknown tenant never returns a code → sign_in_timeout, nothing exchanged', async () => {
    const emu = await startIdentityHub({ tenant: 'acme', redirectUri: 'http://127.0.0.1/callback' });
    cleanups.push(() => emu.close());
    const r = await rig(rebase(profile('identity-hub'), emu.baseUrl, { templateVars: { tenant: 'unknown' } }), { signInTimeoutMs: 2500 });
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'sign_in_timeout' });
    expect(emu.counters.authorize).toBe(0);
  });

  it('Proto: a wrong client secret → invalid_config', async () => {
    const emu = await startProto({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const r = await rig(rebase(profile('proto'), emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: 'wrong' } }));
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('Platform of Trust: without cancel_url the portal refuses the login request (the profile is what makes it work)', async () => {
    const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const p = rebase(profile('platform-of-trust'), emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: POT_CLIENT.secret } });
    const r = await rig({ ...p, authorizeParams: { grant_type: 'authorization' } }, { signInTimeoutMs: 2500 });
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'sign_in_timeout' });
    expect(emu.counters.tokenExchanges).toBe(0);
  });

  it('Proto: an API "Invalid" answer for an expired session leads to exactly one refresh, then success', async () => {
    const emu = await startProto({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const r = await rig(rebase(profile('proto'), emu.baseUrl, { clientAuth: { method: 'client_secret_post', secret: PROTO_CLIENT.secret } }));
    await r.core.signIn();
    emu.state.expireAllAccessTokens();
    const results = await Promise.all(Array.from({ length: 10 }, () => r.core.request({ method: 'GET', path: '/me' })));
    expect(results.every((x) => x.status === 200)).toBe(true);
    expect(emu.counters.refreshes).toBe(1);
  });
});

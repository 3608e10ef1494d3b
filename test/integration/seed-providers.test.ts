/**
 * The five non-standard providers of examples/profiles/ (each described in
 * examples/README.md) and a standard OIDC provider, each signed in to through the real auth core with real Chromium
 * as the system browser, driven by the example profile in examples/profiles
 * (only its origins rebased onto the emulator's loopback port, and the
 * placeholder secret replaced). Every emulator is strict: a request that does
 * not follow its document is refused, so a passing sign-in proves the profile.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAppConfig, type ProviderConfig } from '../../main/auth/config';
import type { AuthErrorCode } from '../../main/auth/errors';
import type { AuthCore } from '../../main/auth/types';
import { startDemoProvider } from '../../main/demo/demo-provider';
import { startCapacity, CAPACITY_CLIENT } from '../emulators/capacity';
import { startIdentityHub } from '../emulators/identity-hub';
import { startInTandem, INTANDEM_CLIENT } from '../emulators/intandem';
import { startPlatformOfTrust, POT_CLIENT } from '../emulators/platform-of-trust';
import { startProto, PROTO_CLIENT, type ProtoExpiredAnswer } from '../emulators/proto';
import { EMULATOR_USER, type Counters, type EmulatorState } from '../emulators/toolkit';
import type { TestCipher } from '../helpers/aes-cipher';
import { CHROMIUM_MISSING, launchChromium } from '../helpers/chromium';
import { REDIRECT_URI as REDIRECT, SCHEME, startCoreRig, type CoreRig } from '../helpers/core-rig';
import { skipWithoutChromium } from '../helpers/skip-without-chromium';
import { launchSystemBrowser, type SystemBrowser } from '../helpers/system-browser';
import { until } from '../helpers/until';

skipWithoutChromium();

/** The Identity Hub registers a loopback redirect: any port on 127.0.0.1 (RFC 8252 §7.3). */
const LOOPBACK = 'http://127.0.0.1/callback';
const HOUR = 3600_000;
const YEAR = 365 * 24 * HOUR;
const root = path.resolve(import.meta.dirname, '../..');

let browser: Browser;
let dir: string;
let cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  if (CHROMIUM_MISSING) return;
  browser = await launchChromium();
  dir = mkdtempSync(path.join(tmpdir(), 'seeds-'));
});

/** Each cleanup step is bounded: a stuck close must not eat the file's time budget. */
afterEach(async () => {
  const steps = cleanups.reverse();
  cleanups = [];
  for (const step of steps) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      Promise.resolve()
        .then(step)
        .then(() => 'done' as const, () => 'done' as const),
      new Promise<'stuck'>((r) => (timer = setTimeout(() => r('stuck'), 5_000))),
    ]);
    clearTimeout(timer);
    if (outcome === 'stuck') console.warn(`cleanup step did not finish in 5 s: ${step.toString().slice(0, 80)}`);
  }
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function profile(name: string): ProviderConfig {
  return JSON.parse(readFileSync(path.join(root, 'examples/profiles', `${name}.json`), 'utf8')) as ProviderConfig;
}

/** Moves every http(s) URL of a profile onto the emulator's origin, keeping paths and queries. */
function rebase(p: ProviderConfig, baseUrl: string, patch: Partial<ProviderConfig> = {}): ProviderConfig {
  const move = (u: string) => {
    const url = new URL(u.replace(/\{([A-Za-z0-9_]+)\}/g, '__$1__'));
    return `${baseUrl}${url.pathname}${url.search}`.replace(/__([A-Za-z0-9_]+)__/g, '{$1}');
  };
  const endpoints = p.endpoints ? (Object.fromEntries(Object.entries(p.endpoints).map(([k, v]) => [k, v && move(v)])) as ProviderConfig['endpoints']) : undefined;
  const authorizeParams = p.authorizeParams ? Object.fromEntries(Object.entries(p.authorizeParams).map(([k, v]) => [k, /^https?:/.test(v) ? move(v) : v])) : undefined;
  return { ...p, ...(endpoints ? { endpoints } : {}), ...(authorizeParams ? { authorizeParams } : {}), apiBaseUrls: p.apiBaseUrls.map(move), ...patch };
}

/** The example profile on the emulator, with the emulator's client secret where the profile ships one. */
function seedProfile(name: string, baseUrl: string, secret?: string, patch: Partial<ProviderConfig> = {}): ProviderConfig {
  return rebase(profile(name), baseUrl, { ...(secret ? { clientAuth: { method: 'client_secret_post', secret } } : {}), ...patch });
}

interface Rig extends CoreRig {
  system: SystemBrowser;
  /** Every custom-scheme URL the browser tried to open, with what `handleRedirect` answered. */
  deliveries: Array<{ url: string; accepted: boolean }>;
}

async function rig(
  provider: ProviderConfig,
  opts: { signInTimeoutMs?: number; deliverDelayMs?: number; autoLogin?: boolean; storePath?: string; cipher?: TestCipher } = {},
): Promise<Rig> {
  const deliveries: Rig['deliveries'] = [];
  const late: { core?: AuthCore } = {};
  const deliver = (url: string) => deliveries.push({ url, accepted: late.core?.handleRedirect(url) ?? false });
  const system = await launchSystemBrowser({
    browser,
    captureSchemes: [`${SCHEME}:`],
    onRedirect: (url) => (opts.deliverDelayMs ? setTimeout(() => deliver(url), opts.deliverDelayMs) : deliver(url)),
    autoLogin: opts.autoLogin === false ? false : { username: EMULATOR_USER.username, password: EMULATOR_USER.password, consent: 'allow' },
  });
  const base = await startCoreRig({
    dir,
    storePath: opts.storePath,
    cipher: opts.cipher,
    config: parseAppConfig({ scheme: SCHEME, providers: [provider] }),
    openUrl: system.open,
    // Short enough that a browser which never calls back fails as sign_in_timeout, not as a test timeout.
    signInTimeoutMs: opts.signInTimeoutMs ?? 15_000,
  });
  late.core = base.core;
  // Run last-in first-out: dispose the core, then close the page (a refusal page has no
  // login form; closing it stops the person's steps at once), then the context. A page
  // closed mid-navigation can leave page.close() pending until the context goes: bounded.
  cleanups.push(
    () => system.close(),
    () => Promise.race([system.lastPage()?.close().catch(() => {}), new Promise((r) => setTimeout(r, 1_000))]),
    () => base.core.dispose(),
  );
  return { ...base, system, deliveries };
}

/** An emulator or the demo provider, seen the same way by the full-flow table. */
interface Started {
  provider: ProviderConfig;
  counts(): { exchanges: number; refreshes: number };
  /** Emulators only: the refresh token the provider would accept now, and the strictness counters. */
  emulator?: { state: EmulatorState; counters: Counters };
  /** For providers whose expiry the client cannot see (Proto): expire the tokens at the provider. */
  expireAtProvider?: () => void;
  close(): Promise<void>;
}

interface SeedCase {
  name: string;
  start(): Promise<Started>;
  apiPath: string;
  /** How far to move the core's clock so its access token is past `expires_in`. */
  expireBy: number;
  /** The provider hands out a new refresh token on every refresh. */
  rotates: boolean;
}

const fromEmulator = (emu: { counters: Counters; state: EmulatorState; close(): Promise<void> }, provider: ProviderConfig, extra: Partial<Started> = {}): Started => ({
  provider,
  counts: () => ({ exchanges: emu.counters.tokenExchanges, refreshes: emu.counters.refreshes }),
  emulator: { state: emu.state, counters: emu.counters },
  close: emu.close,
  ...extra,
});

const cases: SeedCase[] = [
  {
    name: 'Platform of Trust (grant_type=authorization + cancel_url, form body with client_secret and state)',
    apiPath: '/me',
    expireBy: 25 * HOUR,
    rotates: false,
    async start() {
      const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
      return fromEmulator(emu, seedProfile('platform-of-trust', emu.baseUrl, POT_CLIENT.secret));
    },
  },
  {
    name: 'The Identity Hub (tenant paths, PKCE, rotating refresh tokens, loopback redirect)',
    apiPath: '/me',
    expireBy: 2 * HOUR,
    rotates: true,
    async start() {
      const emu = await startIdentityHub({ tenant: 'acme', redirectUri: LOOPBACK });
      return fromEmulator(emu, seedProfile('identity-hub', emu.baseUrl));
    },
  },
  {
    name: 'Capacity (link URL, JSON body templates, separate refresh URL, extraction paths)',
    apiPath: '/me',
    expireBy: 2 * HOUR,
    rotates: true,
    async start() {
      const emu = await startCapacity({ redirectUri: REDIRECT });
      return fromEmulator(emu, seedProfile('capacity', emu.baseUrl, CAPACITY_CLIENT.secret));
    },
  },
  {
    name: 'Proto (JSON body with client_secret, "Session expired" instead of 401)',
    apiPath: '/me',
    // The core is not told: the provider expires the token and the API says so in a 403.
    expireBy: 0,
    rotates: false,
    async start() {
      const emu = await startProto({ redirectUri: REDIRECT });
      return fromEmulator(emu, seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret), { expireAtProvider: () => emu.state.expireAllAccessTokens() });
    },
  },
  {
    name: 'standard OIDC (oidc-provider through issuer discovery)',
    apiPath: '/me',
    expireBy: 2 * HOUR,
    rotates: true,
    async start() {
      const demo = await startDemoProvider({ redirectUris: [REDIRECT] });
      const provider: ProviderConfig = { id: 'oidc', displayName: 'OIDC', issuer: demo.issuer, clientId: demo.clientId, scopes: ['openid', 'profile', 'email', 'offline_access'], apiBaseUrls: [demo.apiBaseUrl] };
      // The demo's login page takes the same demo/demo as the emulators'.
      return { provider, counts: () => ({ exchanges: demo.counters.authorizationCode, refreshes: demo.counters.refreshToken }), close: demo.close };
    },
  },
];

describe('seed providers: sign in → API → expiry → refresh → API → sign out', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const emu = await c.start();
    cleanups.push(() => emu.close());
    const id = emu.provider.id;
    const r = await rig(emu.provider);

    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in', providerId: id });
    expect(emu.counts()).toEqual({ exchanges: 1, refreshes: 0 });
    // The vault holds the refresh token the provider issued, encrypted: never in the file as text.
    const first = r.vault.load(id)?.refreshToken;
    expect(first).toBeTruthy();
    if (emu.emulator) expect(first).toBe(emu.emulator.state.lastRefreshToken);
    expect(r.vault.lastProviderId()).toBe(id);
    expect(r.rawVault()).not.toContain(first!);
    await expect(r.core.request({ method: 'GET', path: c.apiPath })).resolves.toMatchObject({ status: 200 });

    emu.expireAtProvider?.();
    r.advance(c.expireBy);
    await expect(r.core.request({ method: 'GET', path: c.apiPath })).resolves.toMatchObject({ status: 200 });
    expect(emu.counts()).toEqual({ exchanges: 1, refreshes: 1 });
    await expect(r.core.request({ method: 'GET', path: c.apiPath })).resolves.toMatchObject({ status: 200 });
    expect(emu.counts()).toEqual({ exchanges: 1, refreshes: 1 });

    // After the refresh the vault holds the token the provider accepts now: the new one where it rotates.
    const after = r.vault.load(id)?.refreshToken;
    if (emu.emulator) expect(after).toBe(emu.emulator.state.lastRefreshToken);
    if (c.rotates) expect(after).not.toBe(first);
    else expect(after).toBe(first);
    expect(r.rawVault()).not.toContain(after!);

    // No document has revocation: sign-out is local, and complete.
    await expect(r.core.signOut()).resolves.toMatchObject({ status: 'signed_out' });
    expect(r.vault.load(id)).toBeNull();
    expect(r.vault.lastProviderId()).toBeNull();
    await expect(r.core.request({ method: 'GET', path: c.apiPath })).rejects.toMatchObject({ code: 'not_signed_in' });
    // The client never asked for anything outside the document (discovery, revocation…), and nothing was refused.
    if (emu.emulator) expect(emu.emulator.counters).toMatchObject({ unmatched: 0, rejected: 0, authorize: 1 });
    expect(r.system.errors).toEqual([]);
  });

  it('inTandem (JSON body, 30-second code, 20-year expiry from created_at, /oauth/userinfo, no refresh token)', async () => {
    const emu = await startInTandem({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const r = await rig(seedProfile('intandem', emu.baseUrl, INTANDEM_CLIENT.secret));
    // The person is named by /oauth/userinfo, through the profile's userInfo paths.
    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in', user: { sub: EMULATOR_USER.sub, name: EMULATOR_USER.name, email: EMULATOR_USER.email } });
    // No refresh token: nothing to store, the session lives in memory only.
    expect(r.vault.load('intandem')).toBeNull();
    expect(r.vault.lastProviderId()).toBeNull();
    await expect(r.core.request({ method: 'GET', path: '/business' })).resolves.toMatchObject({ status: 200 });
    await expect(r.core.signOut()).resolves.toMatchObject({ status: 'signed_out' });
    await expect(r.core.request({ method: 'GET', path: '/business' })).rejects.toMatchObject({ code: 'not_signed_in' });

    await r.core.signIn();
    // Ten years on, the twenty-year token (expiry computed from created_at) is still good: no refresh wanted.
    r.advance(10 * YEAR);
    await expect(r.core.request({ method: 'GET', path: '/business' })).resolves.toMatchObject({ status: 200 });
    // Past twenty years there is nothing to refresh with: the session ends cleanly, once.
    r.advance(11 * YEAR);
    await expect(r.core.request({ method: 'GET', path: '/business' })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(r.core.getSession()).toMatchObject({ status: 'signed_out', reason: { code: 'invalid_grant' } });
    expect(emu.counters).toMatchObject({ tokenExchanges: 2, refreshes: 0, unmatched: 0, rejected: 0 });
  });

  it('The Identity Hub: a rotated-out refresh token is refused, and the stored one carries on through more expiries and a restart', async () => {
    const emu = await startIdentityHub({ tenant: 'acme', redirectUri: LOOPBACK });
    cleanups.push(() => emu.close());
    const r = await rig(seedProfile('identity-hub', emu.baseUrl));
    await r.core.signIn();
    const first = r.vault.load('identity-hub')!.refreshToken;
    r.advance(2 * HOUR);
    await expect(r.core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 200 });
    // The emulator really rotates: the first refresh token is now dead.
    const replay = await fetch(`${emu.baseUrl}/acme/oauth2/v1/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first, client_id: 'desktop-app' }),
    });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual({ error: 'invalid_grant' });

    r.advance(2 * HOUR);
    await expect(r.core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 200 });
    expect(emu.counters.refreshes).toBe(2);

    // A new process over the same vault file restores with the stored (latest) token.
    const again = await rig(seedProfile('identity-hub', emu.baseUrl), { storePath: r.storePath, cipher: r.cipher });
    await expect(again.core.restore()).resolves.toMatchObject({ status: 'signed_in', providerId: 'identity-hub' });
    expect(emu.counters.refreshes).toBe(3);
    expect(again.vault.load('identity-hub')!.refreshToken).toBe(emu.state.lastRefreshToken);
    await expect(again.core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 200 });
    expect(emu.counters).toMatchObject({ tokenExchanges: 1, authorize: 1, unmatched: 0 });
  });

  it('Platform of Trust: Cancel on the login page sends the browser to cancel_url; nothing is exchanged and the app ends the sign-in', async () => {
    const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const p = seedProfile('platform-of-trust', emu.baseUrl, POT_CLIENT.secret);
    const r = await rig(p, { autoLogin: false });
    const signIn = r.core.signIn();
    signIn.catch(() => {});
    await until(() => r.system.lastPage() !== undefined, 10_000);
    const page = r.system.lastPage()!;
    await page.locator('#cancel').click({ timeout: 10_000 });
    await until(() => r.deliveries.length === 1, 10_000);
    // The portal adds nothing to cancel_url (no state), so it cannot end a sign-in by itself:
    // the OS brings the app forward, and the person's Cancel there ends it.
    expect(r.deliveries).toEqual([{ url: p.authorizeParams!.cancel_url, accepted: false }]);
    expect(r.core.getSession()).toMatchObject({ status: 'signing_in' });
    r.core.cancelSignIn();
    await expect(signIn).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    expect(emu.counters).toMatchObject({ authorize: 1, tokenExchanges: 0, rejected: 0 });
  });

  it.each([['Session expired'], ['Invalid']] as Array<[ProtoExpiredAnswer]>)(
    'Proto: an API answering "%s" for an expired session → exactly one refresh for 10 concurrent calls, then success',
    async (answer) => {
      const emu = await startProto({ redirectUri: REDIRECT, expiredAnswer: answer });
      cleanups.push(() => emu.close());
      const r = await rig(seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret));
      await r.core.signIn();
      emu.state.expireAllAccessTokens();
      const results = await Promise.all(Array.from({ length: 10 }, () => r.core.request({ method: 'GET', path: '/me' })));
      expect(results.map((x) => x.status)).toEqual(Array(10).fill(200));
      expect(emu.counters.refreshes).toBe(1);
      expect(emu.counters.apiCalls).toBe(20);
    },
  );

  it('Proto: without expiredTokenPattern the "Session expired" 403 reaches the caller and nothing refreshes (the pattern is what makes it work)', async () => {
    const emu = await startProto({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const { expiredTokenPattern: _dropped, ...p } = seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret);
    const r = await rig(p);
    await r.core.signIn();
    emu.state.expireAllAccessTokens();
    await expect(r.core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 403, body: '{"error":"Session expired"}' });
    expect(emu.counters.refreshes).toBe(0);
  });
});

interface NegativeCase {
  name: string;
  code: AuthErrorCode;
  arrange(): Promise<{ provider: ProviderConfig; counters: Counters; close(): Promise<void>; rig?: Parameters<typeof rig>[1] }>;
  /** What the emulator saw: proves the failure came from the quirk under test. */
  saw: Partial<Counters>;
}

/** Refusal pages never call back: the sign-in can only end by timing out. Short, but longer than a page load. */
const REFUSED_TIMEOUT_MS = 1500;

const negatives: NegativeCase[] = [
  {
    name: 'Capacity: a wrong JSON path for the access token',
    code: 'invalid_response',
    saw: { tokenExchanges: 1 },
    async arrange() {
      const emu = await startCapacity({ redirectUri: REDIRECT });
      const p = seedProfile('capacity', emu.baseUrl, CAPACITY_CLIENT.secret);
      return { ...emu, provider: { ...p, tokenResponse: { ...p.tokenResponse, accessToken: 'data.tokens.nope' } } };
    },
  },
  {
    name: 'Capacity: a token response without the access token',
    code: 'invalid_response',
    saw: { tokenExchanges: 1 },
    async arrange() {
      const emu = await startCapacity({ redirectUri: REDIRECT, omitAccessToken: true });
      return { ...emu, provider: seedProfile('capacity', emu.baseUrl, CAPACITY_CLIENT.secret) };
    },
  },
  {
    name: 'Capacity: a form body instead of the JSON template',
    code: 'invalid_config',
    saw: { tokenExchanges: 0 },
    async arrange() {
      const emu = await startCapacity({ redirectUri: REDIRECT });
      const p = seedProfile('capacity', emu.baseUrl, CAPACITY_CLIENT.secret);
      return { ...emu, provider: { ...p, tokenRequest: { ...p.tokenRequest, encoding: 'form' } } };
    },
  },
  {
    name: 'inTandem: the code used after its lifetime (shortened to 300 ms, delivered after 800 ms)',
    code: 'invalid_grant',
    saw: { authorize: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startInTandem({ redirectUri: REDIRECT, codeTtlMs: 300 });
      return { ...emu, provider: seedProfile('intandem', emu.baseUrl, INTANDEM_CLIENT.secret), rig: { deliverDelayMs: 800 } };
    },
  },
  {
    name: 'The Identity Hub: an unknown tenant (the browser gets a 404, no callback ever comes)',
    code: 'sign_in_timeout',
    saw: { authorize: 0, rejected: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startIdentityHub({ tenant: 'acme', redirectUri: LOOPBACK });
      return { ...emu, provider: seedProfile('identity-hub', emu.baseUrl, undefined, { templateVars: { tenant: 'unknown' } }), rig: { signInTimeoutMs: REFUSED_TIMEOUT_MS } };
    },
  },
  {
    name: 'The Identity Hub: an unknown tenant only in the token URL (the token endpoint answers 404)',
    code: 'invalid_config',
    saw: { authorize: 1, rejected: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startIdentityHub({ tenant: 'acme', redirectUri: LOOPBACK });
      const p = seedProfile('identity-hub', emu.baseUrl);
      return { ...emu, provider: { ...p, endpoints: { ...p.endpoints!, authorization: `${emu.baseUrl}/acme/oauth2/v1/auth/` }, templateVars: { tenant: 'acme-old' } } };
    },
  },
  {
    name: 'The Identity Hub: without PKCE (the hub redirects back with error=invalid_request)',
    code: 'invalid_config',
    saw: { rejected: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startIdentityHub({ tenant: 'acme', redirectUri: LOOPBACK });
      return { ...emu, provider: seedProfile('identity-hub', emu.baseUrl, undefined, { pkce: false }) };
    },
  },
  {
    name: 'Proto: a wrong client secret (invalid_client)',
    code: 'invalid_config',
    saw: { tokenExchanges: 0 },
    async arrange() {
      const emu = await startProto({ redirectUri: REDIRECT });
      return { ...emu, provider: seedProfile('proto', emu.baseUrl, 'wrong-secret') };
    },
  },
  {
    name: 'Proto: a form-encoded token request (the document wants application/json)',
    code: 'invalid_config',
    saw: { tokenExchanges: 0 },
    async arrange() {
      const emu = await startProto({ redirectUri: REDIRECT });
      const { tokenRequest: _json, ...p } = seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret);
      return { ...emu, provider: p };
    },
  },
  {
    name: 'Platform of Trust: a wrong client secret',
    code: 'invalid_config',
    saw: { tokenExchanges: 0 },
    async arrange() {
      const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
      return { ...emu, provider: seedProfile('platform-of-trust', emu.baseUrl, 'wrong-secret') };
    },
  },
  {
    name: 'Platform of Trust: the code exchange without the state (tokenRequest.includeState off)',
    code: 'invalid_config',
    saw: { authorize: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
      return { ...emu, provider: seedProfile('platform-of-trust', emu.baseUrl, POT_CLIENT.secret, { tokenRequest: { encoding: 'form' } }) };
    },
  },
  {
    name: 'Platform of Trust: a login URL without cancel_url (the portal refuses it)',
    code: 'sign_in_timeout',
    saw: { authorize: 1, rejected: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
      return { ...emu, provider: seedProfile('platform-of-trust', emu.baseUrl, POT_CLIENT.secret, { authorizeParams: { grant_type: 'authorization' } }), rig: { signInTimeoutMs: REFUSED_TIMEOUT_MS } };
    },
  },
];

describe('seed providers: negative cases per quirk (exact error codes)', () => {
  it.each(negatives.map((n) => [n.name, n.code, n] as const))('%s → %s', async (_name, code, n) => {
    const emu = await n.arrange();
    cleanups.push(() => emu.close());
    const r = await rig(emu.provider, emu.rig);
    await expect(r.core.signIn()).rejects.toMatchObject({ code });
    expect(emu.counters).toMatchObject(n.saw);
    expect(r.core.getSession()).toMatchObject({ status: 'signed_out' });
    expect(r.vault.load(emu.provider.id)).toBeNull();
  });
});

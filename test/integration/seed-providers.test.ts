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
import type { AuthCore, UserInfo } from '../../main/auth/types';
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
let cleanups: (() => unknown)[] = [];
/** Closes what `beforeAll` started: nothing if it returned early or failed part-way. */
const closeAfterAll: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (CHROMIUM_MISSING) return;
  browser = await launchChromium();
  closeAfterAll.push(() => browser.close());
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
        .then(
          () => 'done' as const,
          () => 'done' as const,
        ),
      new Promise<'stuck'>(
        (r) =>
          (timer = setTimeout(() => {
            r('stuck');
          }, 5_000)),
      ),
    ]);
    clearTimeout(timer);
    if (outcome === 'stuck') console.warn(`cleanup step did not finish in 5 s: ${step.toString().slice(0, 80)}`);
  }
});

afterAll(async () => {
  for (const close of closeAfterAll) await close();
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
  const endpoints = p.endpoints
    ? (Object.fromEntries(Object.entries(p.endpoints).map(([k, v]) => [k, v && move(v)])) as ProviderConfig['endpoints'])
    : undefined;
  const authorizeParams = p.authorizeParams
    ? Object.fromEntries(Object.entries(p.authorizeParams).map(([k, v]) => [k, /^https?:/.test(v) ? move(v) : v]))
    : undefined;
  return { ...p, ...(endpoints ? { endpoints } : {}), ...(authorizeParams ? { authorizeParams } : {}), apiBaseUrls: p.apiBaseUrls.map(move), ...patch };
}

/** The example profile on the emulator, with the emulator's client secret where the profile ships one. */
function seedProfile(name: string, baseUrl: string, secret?: string, patch: Partial<ProviderConfig> = {}): ProviderConfig {
  return rebase(profile(name), baseUrl, { ...(secret ? { clientAuth: { method: 'client_secret_post', secret } } : {}), ...patch });
}

interface Rig extends CoreRig {
  system: SystemBrowser;
  /** Every custom-scheme URL the browser tried to open, with what `handleRedirect` answered. */
  deliveries: { url: string; accepted: boolean }[];
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
    () =>
      Promise.race([
        system
          .lastPage()
          ?.close()
          .catch(() => {}),
        new Promise((r) => setTimeout(r, 1_000)),
      ]),
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
  /** Who the session shows: what the document lets the app know about the person. */
  user: UserInfo;
  /** How far to move the core's clock so its access token is past `expires_in`. */
  expireBy: number;
  /** The provider hands out a new refresh token on every refresh. */
  rotates: boolean;
  /** The person's decline comes back as this sign-in's error (emulators: the Decline link). */
  declines: boolean;
}

const fromEmulator = (
  emu: { counters: Counters; state: EmulatorState; close(): Promise<void> },
  provider: ProviderConfig,
  extra: Partial<Started> = {},
): Started => ({
  provider,
  counts: () => ({ exchanges: emu.counters.tokenExchanges, refreshes: emu.counters.refreshes }),
  emulator: { state: emu.state, counters: emu.counters },
  close: () => emu.close(),
  ...extra,
});

/** The Identity Hub, Capacity and Proto documents name no source of the person's identity: the session says so. */
const UNKNOWN: UserInfo = { sub: 'unknown' };

const cases: SeedCase[] = [
  {
    name: 'Platform of Trust (grant_type=authorization, cancel_url bound to the sign-in, subject in the callback, form body with client_secret and state)',
    apiPath: '/me',
    // "subject - is ID of the created user": the only identity the document gives.
    user: { sub: EMULATOR_USER.sub },
    expireBy: 25 * HOUR,
    rotates: false,
    declines: true,
    async start() {
      const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
      return fromEmulator(emu, seedProfile('platform-of-trust', emu.baseUrl, POT_CLIENT.secret));
    },
  },
  {
    name: 'The Identity Hub (tenant paths, PKCE, rotating refresh tokens, loopback redirect)',
    apiPath: '/me',
    user: UNKNOWN,
    expireBy: 2 * HOUR,
    rotates: true,
    declines: true,
    async start() {
      const emu = await startIdentityHub({ tenant: 'acme', redirectUri: LOOPBACK });
      return fromEmulator(emu, seedProfile('identity-hub', emu.baseUrl));
    },
  },
  {
    name: 'Capacity (link URL, JSON body template with a numeric client_id, separate refresh URL, flat capitalised response)',
    apiPath: '/me',
    user: UNKNOWN,
    expireBy: 2 * HOUR,
    rotates: true,
    declines: true,
    async start() {
      const emu = await startCapacity({ redirectUri: REDIRECT });
      return fromEmulator(emu, seedProfile('capacity', emu.baseUrl, CAPACITY_CLIENT.secret));
    },
  },
  {
    name: 'Proto (callback-URI?code=… without state on a loopback listener, no PKCE, JSON body with client_secret, "Session expired" instead of 401)',
    apiPath: '/me',
    user: UNKNOWN,
    // The core is not told: the provider expires the token and the API says so in a 403.
    expireBy: 0,
    rotates: false,
    declines: true,
    async start() {
      const emu = await startProto({ redirectUri: LOOPBACK });
      return fromEmulator(emu, seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret), {
        expireAtProvider: () => {
          emu.state.expireAllAccessTokens();
        },
      });
    },
  },
  {
    name: 'standard OIDC (oidc-provider through issuer discovery)',
    apiPath: '/me',
    user: { sub: 'demo-user' },
    expireBy: 2 * HOUR,
    rotates: true,
    declines: false,
    async start() {
      const demo = await startDemoProvider({ redirectUris: [REDIRECT] });
      const provider: ProviderConfig = {
        id: 'oidc',
        displayName: 'OIDC',
        issuer: demo.issuer,
        clientId: demo.clientId,
        scopes: ['openid', 'profile', 'email', 'offline_access'],
        apiBaseUrls: [demo.apiBaseUrl],
      };
      // The demo's login page takes the same demo/demo as the emulators'.
      return { provider, counts: () => ({ exchanges: demo.counters.authorizationCode, refreshes: demo.counters.refreshToken }), close: () => demo.close() };
    },
  },
];

/** The person presses Decline on the provider's page; returns the sign-in's outcome. */
async function declineAt(r: Rig): Promise<unknown> {
  const signIn = r.core.signIn();
  signIn.catch(() => {});
  await until(() => r.system.lastPage() !== undefined, 10_000);
  await r.system.lastPage()!.locator('#decline').click({ timeout: 10_000 });
  return signIn;
}

describe('seed providers: the full journey (sign in → identity → API → refresh → restart → sign out → decline)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const emu = await c.start();
    cleanups.push(() => emu.close());
    const id = emu.provider.id;
    const r = await rig(emu.provider);

    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in', providerId: id, user: c.user });
    expect(emu.counts()).toEqual({ exchanges: 1, refreshes: 0 });
    // The vault holds the refresh token the provider issued, encrypted: never in the file as text.
    // With a refresh token, the access token is not stored at all (memory only).
    const first = r.vault.load(id)?.refreshToken;
    expect(first).toBeTruthy();
    expect(r.vault.load(id)?.accessToken).toBeUndefined();
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

    // Restart: a new core over the same vault file restores the person, without a browser.
    const again = await rig(emu.provider, { storePath: r.storePath, cipher: r.cipher });
    await expect(again.core.restore()).resolves.toMatchObject({ status: 'signed_in', providerId: id, user: c.user });
    await expect(again.core.request({ method: 'GET', path: c.apiPath })).resolves.toMatchObject({ status: 200 });
    expect(emu.counts()).toEqual({ exchanges: 1, refreshes: 2 });

    // No document has revocation: sign-out is local, and complete.
    await expect(again.core.signOut()).resolves.toMatchObject({ status: 'signed_out' });
    expect(again.vault.load(id)).toBeNull();
    expect(again.vault.lastProviderId()).toBeNull();
    await expect(again.core.request({ method: 'GET', path: c.apiPath })).rejects.toMatchObject({ code: 'not_signed_in' });

    if (c.declines) {
      // The person declines: the sign-in ends at once with access_denied, in plain words; nothing is exchanged.
      const d = await rig(emu.provider, { autoLogin: false });
      const before = Date.now();
      await expect(declineAt(d)).rejects.toMatchObject({
        code: 'access_denied',
        message: 'The sign-in was declined at the identity provider. Sign in again if you want to try once more.',
      });
      expect(Date.now() - before).toBeLessThan(10_000);
      expect(d.core.getSession()).toMatchObject({ status: 'signed_out' });
      expect(emu.emulator!.counters).toMatchObject({ declined: 1 });
    }
    expect(emu.counts()).toEqual({ exchanges: 1, refreshes: 2 });
    // The client never asked for anything outside the document (discovery, revocation…), and nothing was refused.
    if (emu.emulator) expect(emu.emulator.counters).toMatchObject({ unmatched: 0, rejected: 0, authorize: c.declines ? 2 : 1 });
    expect(r.system.errors).toEqual([]);
  });

  it('inTandem (JSON body, 30-second code, 20-year token from created_at kept in the vault without a refresh token, /oauth/userinfo, restart, decline)', async () => {
    const emu = await startInTandem({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const p = seedProfile('intandem', emu.baseUrl, INTANDEM_CLIENT.secret);
    const r = await rig(p);
    const person = { sub: EMULATOR_USER.sub, name: EMULATOR_USER.name, email: EMULATOR_USER.email };
    // The person is named by /oauth/userinfo, through the profile's userInfo paths.
    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in', user: person });
    // No refresh token: the 20-year access token and its expiry are what is kept, encrypted.
    const stored = r.vault.load('intandem')!;
    expect(stored.refreshToken).toBeUndefined();
    expect(stored.accessToken).toMatchObject({ type: 'bearer' });
    expect(stored.accessToken!.expiresAt! - Date.now()).toBeGreaterThan(19 * YEAR);
    expect(r.rawVault()).not.toContain(stored.accessToken!.token);
    expect(r.vault.lastProviderId()).toBe('intandem');
    // The documented API: GET /oauth/userinfo, inside the profile's API base.
    await expect(r.core.request({ method: 'GET', path: '/userinfo' })).resolves.toMatchObject({ status: 200 });

    // Restart: signed in again from the vault, no browser, no token request; ten years on the token is still good.
    const again = await rig(p, { storePath: r.storePath, cipher: r.cipher });
    again.advance(10 * YEAR);
    await expect(again.core.restore()).resolves.toMatchObject({ status: 'signed_in', providerId: 'intandem', user: person });
    await expect(again.core.request({ method: 'GET', path: '/userinfo' })).resolves.toMatchObject({ status: 200 });
    expect(emu.counters).toMatchObject({ tokenExchanges: 1, authorize: 1 });

    // Past twenty years a restart finds the token expired: dropped, signed out, nothing sent.
    const late = await rig(p, { storePath: r.storePath, cipher: r.cipher });
    late.advance(21 * YEAR);
    await expect(late.core.restore()).resolves.toMatchObject({ status: 'signed_out' });
    expect(late.vault.load('intandem')).toBeNull();
    expect(late.vault.lastProviderId()).toBeNull();

    // In a running session the expiry ends it cleanly too: nothing to refresh with.
    await r.core.signIn();
    r.advance(21 * YEAR);
    await expect(r.core.request({ method: 'GET', path: '/userinfo' })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(r.core.getSession()).toMatchObject({ status: 'signed_out', reason: { code: 'invalid_grant' } });
    expect(r.vault.load('intandem')).toBeNull();

    // Sign-out of a restored long-lived session empties the vault.
    await r.core.signIn();
    const third = await rig(p, { storePath: r.storePath, cipher: r.cipher });
    await expect(third.core.restore()).resolves.toMatchObject({ status: 'signed_in' });
    await expect(third.core.signOut()).resolves.toMatchObject({ status: 'signed_out' });
    expect(third.vault.load('intandem')).toBeNull();

    // The person declines the permission grant dialog.
    const d = await rig(p, { autoLogin: false });
    await expect(declineAt(d)).rejects.toMatchObject({ code: 'access_denied' });
    expect(emu.counters).toMatchObject({ tokenExchanges: 3, refreshes: 0, unmatched: 0, rejected: 0, declined: 1 });
  });

  it('The Identity Hub: a rotated-out refresh token is refused, and the stored one carries on through more expiries and a restart', async () => {
    const emu = await startIdentityHub({ tenant: 'acme', redirectUri: LOOPBACK });
    cleanups.push(() => emu.close());
    const r = await rig(seedProfile('identity-hub', emu.baseUrl));
    await r.core.signIn();
    const first = r.vault.load('identity-hub')!.refreshToken!;
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

  it("Platform of Trust: cancel_url is this sign-in's own redirect with its state; a cancel URL without that state is ignored, the real one ends the sign-in at once", async () => {
    const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const p = seedProfile('platform-of-trust', emu.baseUrl, POT_CLIENT.secret);
    const r = await rig(p, { autoLogin: false });
    const signIn = r.core.signIn();
    signIn.catch(() => {});
    await until(() => r.system.lastPage() !== undefined, 10_000);
    const page = r.system.lastPage()!;
    await page.locator('#decline').waitFor({ timeout: 10_000 });
    // What the portal was given: the app's redirect URI, this sign-in's state, and the decline marker.
    const cancelUrl = new URL(new URL(page.url()).searchParams.get('cancel_url') ?? 'x:');
    const authorizeState = new URL(page.url()).searchParams.get('state');
    expect(`${cancelUrl.protocol}${cancelUrl.pathname}`).toBe(REDIRECT);
    expect(Object.fromEntries(cancelUrl.searchParams)).toEqual({ state: authorizeState, error: 'access_denied' });

    // Forged or stale cancels (no state, another state, the old fixed cancel URL) are ignored: the sign-in waits on.
    for (const forged of [`${REDIRECT}?error=access_denied`, `${REDIRECT}?state=not-this-one&error=access_denied`, `${SCHEME}:/sign-in-cancelled`]) {
      expect(r.core.handleRedirect(forged)).toBe(false);
    }
    expect(r.core.getSession()).toMatchObject({ status: 'signing_in' });

    await page.locator('#decline').click({ timeout: 10_000 });
    await expect(signIn).rejects.toMatchObject({ code: 'access_denied' });
    expect(r.deliveries).toEqual([{ url: cancelUrl.href, accepted: true }]);
    // A second delivery of the same cancel finds nothing.
    expect(r.core.handleRedirect(cancelUrl.href)).toBe(false);
    expect(emu.counters).toMatchObject({ authorize: 1, tokenExchanges: 0, rejected: 0, declined: 1 });
  });

  it('Platform of Trust: the person is the callback\'s "subject" (callback.identity); without that mapping, unknown', async () => {
    const emu = await startPlatformOfTrust({ redirectUri: REDIRECT });
    cleanups.push(() => emu.close());
    const p = seedProfile('platform-of-trust', emu.baseUrl, POT_CLIENT.secret);
    const r = await rig(p);
    await expect(r.core.signIn()).resolves.toMatchObject({ user: { sub: EMULATOR_USER.sub } });
    // Without the profile's callback.identity the document gives the app no identity at all.
    const bare = { ...p };
    delete bare.callback;
    const b = await rig(bare);
    await expect(b.core.signIn()).resolves.toMatchObject({ user: { sub: 'unknown' } });
  });

  it("Proto: a callback without state completes only through the sign-in's own loopback listener; the same URL from anywhere else is ignored", async () => {
    const emu = await startProto({ redirectUri: LOOPBACK });
    cleanups.push(() => emu.close());
    const r = await rig(seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret), { autoLogin: false });
    const signIn = r.core.signIn();
    signIn.catch(() => {});
    await until(() => r.system.lastPage() !== undefined, 10_000);
    const page = r.system.lastPage()!;
    await page.locator('input[name="username"]').waitFor({ timeout: 10_000 });
    const redirectUri = new URL(page.url()).searchParams.get('redirect_uri')!;
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    // A deep link (another app, a web page) carrying a stateless callback: not bound to anything, ignored.
    expect(r.core.handleRedirect(`${redirectUri}?code=injected`)).toBe(false);
    expect(r.core.handleRedirect(`${REDIRECT}?code=injected`)).toBe(false);
    expect(r.core.getSession()).toMatchObject({ status: 'signing_in' });
    await page.fill('input[name="username"]', EMULATOR_USER.username);
    await page.fill('input[name="password"]', EMULATOR_USER.password);
    await page.click('button[type="submit"]');
    await expect(signIn).resolves.toMatchObject({ status: 'signed_in', providerId: 'proto' });
    // The listener took one callback and closed: nothing more can arrive there.
    await expect(fetch(`${redirectUri}?code=late`, { signal: AbortSignal.timeout(3_000) })).rejects.toThrow();
    expect(emu.counters).toMatchObject({ tokenExchanges: 1, unmatched: 0 });
  });

  it('Proto: the profile with a private-use redirect is refused at load: no state, no PKCE, nothing to bind the callback', () => {
    const p = seedProfile('proto', 'http://127.0.0.1:1', PROTO_CLIENT.secret, { redirect: 'scheme' });
    expect(() => parseAppConfig({ scheme: SCHEME, providers: [p] })).toThrowError(
      expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(/callback\.stateEchoed: .*"redirect": "loopback".*PKCE/) as unknown }),
    );
  });

  it('A stateless provider on a private-use redirect with PKCE: the genuine callback signs in; an injected code (issued for another verifier) fails the exchange and signs no one in', async () => {
    const emu = await startIdentityHub({ tenant: 'acme', redirectUri: REDIRECT, echoState: false });
    cleanups.push(() => emu.close());
    const p = seedProfile('identity-hub', emu.baseUrl, undefined, { redirect: 'scheme', callback: { stateEchoed: false } });
    const r = await rig(p);
    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    expect(r.deliveries).toHaveLength(1);
    expect(new URL(r.deliveries[0]!.url).searchParams.has('state')).toBe(false);
    await r.core.signOut();

    // The attacker runs their own authorization (their account, their PKCE verifier) and keeps the code.
    const authorize = new URL(`${emu.baseUrl}/acme/oauth2/v1/auth/`);
    authorize.search = new URLSearchParams({
      client_id: 'desktop-app',
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: 'A'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const loginPage = await (await fetch(authorize)).text();
    const pending = /name="pending" value="([^"]+)"/.exec(loginPage)![1]!;
    const loggedIn = await fetch(`${emu.baseUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ pending, username: EMULATOR_USER.username, password: EMULATOR_USER.password }),
    });
    const injected = loggedIn.headers.get('location')!;
    expect(injected.startsWith(`${REDIRECT}?code=`)).toBe(true);

    const victim = await rig(p, { autoLogin: false });
    const signIn = victim.core.signIn();
    signIn.catch(() => {});
    await until(() => victim.core.getSession().status === 'signing_in' && victim.system.lastPage() !== undefined, 10_000);
    expect(victim.core.handleRedirect(injected)).toBe(true);
    await expect(signIn).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(victim.core.getSession()).toMatchObject({ status: 'signed_out' });
    expect(victim.vault.load('identity-hub')).toBeNull();
    expect(emu.counters.tokenExchanges).toBe(1);
  });

  it('Capacity: the callback\'s code parameter is the profile\'s "extraction path auth code"', async () => {
    const emu = await startCapacity({ redirectUri: REDIRECT, codeParam: 'auth_code' });
    cleanups.push(() => emu.close());
    const r = await rig(seedProfile('capacity', emu.baseUrl, CAPACITY_CLIENT.secret, { callback: { codeParam: 'auth_code' } }));
    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    expect(new URL(r.deliveries[0]!.url).searchParams.has('auth_code')).toBe(true);
    await expect(r.core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 200 });
    expect(emu.counters).toMatchObject({ tokenExchanges: 1, rejected: 0, unmatched: 0 });
  });

  it.each([
    ['Session expired', 403],
    ['Invalid', 400],
    ['Session expired', 500],
    ['Invalid', 419],
  ] as [ProtoExpiredAnswer, number][])(
    'Proto: an API answering "%s" (status %s) for an expired session → exactly one refresh for 10 concurrent calls, then success',
    async (answer, status) => {
      const emu = await startProto({ redirectUri: LOOPBACK, expiredAnswer: answer, expiredStatus: status });
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

  it('Proto: when the refreshed token is refused too, the error reaches the caller after one refresh and one retry (no loop)', async () => {
    // Every access token, the refreshed one included, is expired at the provider as soon as it is issued.
    const emu = await startProto({ redirectUri: LOOPBACK, expiredStatus: 500, accessTtlMs: 0 });
    cleanups.push(() => emu.close());
    const r = await rig(seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret));
    await r.core.signIn();
    await expect(r.core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 500, body: '{"error":"Session expired"}' });
    expect(emu.counters.refreshes).toBe(1);
    expect(emu.counters.apiCalls).toBe(2);
  });

  it('Proto: without expiredTokenPattern the "Session expired" 403 reaches the caller and nothing refreshes (the pattern is what makes it work)', async () => {
    const emu = await startProto({ redirectUri: LOOPBACK });
    cleanups.push(() => emu.close());
    const p = { ...seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret) };
    delete p.expiredTokenPattern;
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
    name: 'Capacity: the nested paths of the old profile (data.tokens.access), which the document never shows',
    code: 'invalid_response',
    saw: { tokenExchanges: 1 },
    async arrange() {
      const emu = await startCapacity({ redirectUri: REDIRECT });
      const p = seedProfile('capacity', emu.baseUrl, CAPACITY_CLIENT.secret);
      return {
        ...emu,
        provider: { ...p, tokenResponse: { accessToken: 'data.tokens.access', refreshToken: 'data.tokens.refresh', expiresIn: 'data.expires_in' } },
      };
    },
  },
  {
    name: 'Capacity: a quoted "{{client_id}}" where the document\'s template has it unquoted (a number)',
    code: 'invalid_config',
    saw: { authorize: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startCapacity({ redirectUri: REDIRECT });
      const p = seedProfile('capacity', emu.baseUrl, CAPACITY_CLIENT.secret);
      return { ...emu, provider: { ...p, tokenRequest: { ...p.tokenRequest, bodyTemplate: { ...p.tokenRequest!.bodyTemplate, client_id: '{{client_id}}' } } } };
    },
  },
  {
    name: "Capacity: the code arrives under another parameter than the profile's callback.codeParam",
    code: 'invalid_response',
    saw: { authorize: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startCapacity({ redirectUri: REDIRECT, codeParam: 'auth_code' });
      return { ...emu, provider: seedProfile('capacity', emu.baseUrl, CAPACITY_CLIENT.secret) };
    },
  },
  {
    name: 'Proto: a profile that expects state (no callback.stateEchoed: false) ignores the stateless callback and waits',
    code: 'sign_in_timeout',
    saw: { authorize: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startProto({ redirectUri: LOOPBACK });
      const p = { ...seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret) };
      delete p.callback;
      return { ...emu, provider: p, rig: { signInTimeoutMs: 5_000 } };
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
      return {
        ...emu,
        provider: seedProfile('identity-hub', emu.baseUrl, undefined, { templateVars: { tenant: 'unknown' } }),
        rig: { signInTimeoutMs: REFUSED_TIMEOUT_MS },
      };
    },
  },
  {
    name: 'The Identity Hub: an unknown tenant only in the token URL (the token endpoint answers 404)',
    code: 'invalid_config',
    saw: { authorize: 1, rejected: 1, tokenExchanges: 0 },
    async arrange() {
      const emu = await startIdentityHub({ tenant: 'acme', redirectUri: LOOPBACK });
      const p = seedProfile('identity-hub', emu.baseUrl);
      return {
        ...emu,
        provider: { ...p, endpoints: { ...p.endpoints!, authorization: `${emu.baseUrl}/acme/oauth2/v1/auth/` }, templateVars: { tenant: 'acme-old' } },
      };
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
      const emu = await startProto({ redirectUri: LOOPBACK });
      return { ...emu, provider: seedProfile('proto', emu.baseUrl, 'wrong-secret') };
    },
  },
  {
    name: 'Proto: a form-encoded token request (the document wants application/json)',
    code: 'invalid_config',
    saw: { tokenExchanges: 0 },
    async arrange() {
      const emu = await startProto({ redirectUri: LOOPBACK });
      const p = { ...seedProfile('proto', emu.baseUrl, PROTO_CLIENT.secret) };
      delete p.tokenRequest;
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
      return {
        ...emu,
        provider: seedProfile('platform-of-trust', emu.baseUrl, POT_CLIENT.secret, { authorizeParams: { grant_type: 'authorization' } }),
        rig: { signInTimeoutMs: REFUSED_TIMEOUT_MS },
      };
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

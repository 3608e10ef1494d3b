/**
 * The auth core against real parts: oidc-provider on 127.0.0.1 as the
 * identity provider, its introspecting demo API as the resource server, and
 * Debian's Chromium as the person's system browser. Custom-scheme redirects
 * the browser attempts are handed to `core.handleRedirect`, the same entry
 * point the OS deep link reaches in the app.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthCoreOptions } from '../../main/auth/auth-core';
import type { AppConfig } from '../../main/auth/config';
import type { AuthCore } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { createTestCipher, type TestCipher } from '../helpers/aes-cipher';
import { demoTestConfig, REDIRECT_URI as REDIRECT, SCHEME, startCoreRig, type CoreRig } from '../helpers/core-rig';
import { CHROMIUM_MISSING } from '../helpers/chromium';
import { skipWithoutChromium } from '../helpers/skip-without-chromium';
import { launchSystemBrowser, type SystemBrowser } from '../helpers/system-browser';
import { until } from '../helpers/until';

skipWithoutChromium();

let demo: DemoProvider;
let dir: string;
let config: AppConfig;
/** Closes what `beforeAll` started: nothing if it returned early or failed part-way. */
const closeAfterAll: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (CHROMIUM_MISSING) return;
  demo = await startDemoProvider({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 120 });
  closeAfterAll.push(() => demo.close());
  config = demoTestConfig(demo);
  dir = mkdtempSync(join(tmpdir(), 'auth-core-it-'));
});

afterAll(async () => {
  for (const close of closeAfterAll) await close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Harness extends CoreRig {
  browser: SystemBrowser;
  redirects: string[];
}

const open: Harness[] = [];

async function harness(
  opts: {
    consent?: 'allow' | 'deny';
    deliver?: 'auto' | 'manual';
    storePath?: string;
    cipher?: TestCipher;
    core?: Partial<AuthCoreOptions>;
  } = {},
): Promise<Harness> {
  const redirects: string[] = [];
  // The browser needs the core (to deliver redirects) and the core the browser (to open URLs).
  const late: { core?: AuthCore } = {};
  const browser = await launchSystemBrowser({
    captureSchemes: [`${SCHEME}:`],
    onRedirect: (url) => {
      redirects.push(url);
      if (opts.deliver !== 'manual') late.core?.handleRedirect(url);
    },
    autoLogin: { ...demo.credentials, consent: opts.consent ?? 'allow' },
  });
  const rig = await startCoreRig({ dir, config, openUrl: browser.open, storePath: opts.storePath, cipher: opts.cipher, ...opts.core });
  late.core = rig.core;
  const h: Harness = { ...rig, browser, redirects };
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.core.dispose();
    await h.browser.close();
  }
});

/** A promise awaited later: mark it handled now, so a rejection that comes first is not reported as unhandled. */
function observed<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

async function meStatus(h: Harness): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await h.core.request({ method: 'GET', path: '/me' });
  return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
}

describe('auth core against oidc-provider and Chromium', () => {
  it('signs in, calls the API, refreshes on expiry, and signs out with revocation', async () => {
    const h = await harness();
    const before = { ...demo.counters };
    const state = await h.core.signIn();
    expect(state).toMatchObject({ status: 'signed_in', providerId: 'demo', user: { name: 'Demo User', email: 'demo@example.test' } });
    expect(state.storage.persistent).toBe(true);
    expect(demo.counters.authorizationCode - before.authorizationCode).toBe(1);
    // Signing in, again once the page exists (its URL and time-out for the waiting view), then signed in.
    expect(h.states.map((s) => s.status)).toEqual(['signing_in', 'signing_in', 'signed_in']);

    const me = await meStatus(h);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'Demo User', email: 'demo@example.test' });

    // The refresh token is stored encrypted: the raw file has no trace of it.
    const stored = h.vault.load('demo');
    expect(stored?.refreshToken).toBeTruthy();
    const raw = readFileSync(h.storePath, 'utf8');
    expect(raw).not.toContain(stored!.refreshToken);
    expect(raw).not.toContain('demo@example.test');

    // Forced expiry: the next call refreshes first, exactly once, and the rotated token is persisted.
    h.advance(10 * 60_000);
    const refreshesBefore = demo.counters.refreshToken;
    const results = await Promise.all(Array.from({ length: 20 }, () => meStatus(h)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(demo.counters.refreshToken - refreshesBefore).toBe(1);
    const rotated = h.vault.load('demo')!.refreshToken!;
    expect(rotated).not.toBe(stored!.refreshToken);

    const out = await h.core.signOut();
    expect(out.status).toBe('signed_out');
    expect(h.vault.load('demo')).toBeNull();
    await expect(h.core.request({ method: 'GET', path: '/me' })).rejects.toMatchObject({ code: 'not_signed_in' });

    // Revocation verified at the provider: the last refresh token no longer works.
    const rp = await client.discovery(new URL(demo.issuer), demo.clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    await expect(client.refreshTokenGrant(rp, rotated)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('restores a stored session silently in a new core, and an unknown token is not sent elsewhere', async () => {
    const first = await harness();
    await first.core.signIn();
    const storePath = first.storePath;
    const cipher = first.cipher;
    await first.core.dispose();

    const second = await harness({ storePath, cipher });
    const refreshesBefore = demo.counters.refreshToken;
    const restored = await second.core.restore();
    expect(restored).toMatchObject({ status: 'signed_in', user: { name: 'Demo User' } });
    expect(demo.counters.refreshToken - refreshesBefore).toBe(1);
    expect((await meStatus(second)).status).toBe(200);
    await expect(second.core.request({ method: 'GET', path: 'https://evil.example/steal' })).rejects.toMatchObject({ code: 'host_not_allowed' });
    // The library path applies the same header rule as the IPC validator (request-rules.ts).
    for (const name of ['Cookie', 'Proxy-Authorization', 'Authorization', 'Host', 'X-Forwarded-Host']) {
      await expect(second.core.request({ method: 'GET', path: '/me', headers: { [name]: 'x' } })).rejects.toMatchObject({ code: 'invalid_request' });
    }
    await second.core.signOut();
  });

  it('a callback with a wrong state is ignored and the genuine sign-in still succeeds', async () => {
    const h = await harness({ deliver: 'manual' });
    const before = demo.counters.authorizationCode;
    const signingIn = observed(h.core.signIn());
    await until(() => h.redirects.length === 1);
    const genuine = new URL(h.redirects[0]!);
    const forged = new URL(genuine.href);
    forged.searchParams.set('state', 'forged-state');
    expect(h.core.handleRedirect(forged.href)).toBe(false);
    expect(h.core.getSession().status).toBe('signing_in');
    expect(demo.counters.authorizationCode).toBe(before);

    expect(h.core.handleRedirect(genuine.href)).toBe(true);
    // Delivered twice (the OS may do that): exactly one exchange.
    expect(h.core.handleRedirect(genuine.href)).toBe(false);
    await expect(signingIn).resolves.toMatchObject({ status: 'signed_in' });
    expect(demo.counters.authorizationCode - before).toBe(1);
    await h.core.signOut();
  });

  it('error=access_denied ends the sign-in with access_denied', async () => {
    const h = await harness({ consent: 'deny' });
    await expect(h.core.signIn()).rejects.toMatchObject({ code: 'access_denied' });
    expect(h.core.getSession().status).toBe('signed_out');
    expect(h.vault.load('demo')).toBeNull();
  });

  it('a callback arriving after the sign-in timed out is refused and nothing is exchanged', async () => {
    const h = await harness({ deliver: 'manual', core: { signInTimeoutMs: 1_500 } });
    const before = demo.counters.authorizationCode;
    const signingIn = observed(h.core.signIn());
    await until(() => h.redirects.length === 1);
    await expect(signingIn).rejects.toMatchObject({ code: 'sign_in_timeout' });
    expect(h.core.handleRedirect(h.redirects[0]!)).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(demo.counters.authorizationCode).toBe(before);
    expect(h.core.getSession().status).toBe('signed_out');
  });

  it('a second sign-in supersedes the first: the first is cancelled and its callback refused', async () => {
    const h = await harness({ deliver: 'manual' });
    const first = observed(h.core.signIn());
    await until(() => h.redirects.length === 1);
    const second = observed(h.core.signIn());
    await expect(first).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    await until(() => h.redirects.length === 2);
    const [firstUrl, secondUrl] = h.redirects as [string, string];
    expect(new URL(firstUrl).searchParams.get('state')).not.toBe(new URL(secondUrl).searchParams.get('state'));
    expect(h.core.handleRedirect(firstUrl)).toBe(false);
    expect(h.core.handleRedirect(secondUrl)).toBe(true);
    await expect(second).resolves.toMatchObject({ status: 'signed_in' });
    await h.core.signOut();
  });

  it('cancelSignIn ends the waiting sign-in with sign_in_cancelled', async () => {
    const h = await harness({ deliver: 'manual' });
    const signingIn = observed(h.core.signIn());
    await until(() => h.core.getSession().status === 'signing_in' && h.redirects.length === 1);
    h.core.cancelSignIn();
    await expect(signingIn).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    expect(h.core.handleRedirect(h.redirects[0]!)).toBe(false);
    expect(h.core.getSession().status).toBe('signed_out');
  });

  it('a refresh token revoked at the provider signs out cleanly and tells the listener why', async () => {
    const h = await harness();
    await h.core.signIn();
    const rt = h.vault.load('demo')!.refreshToken!;
    const rp = await client.discovery(new URL(demo.issuer), demo.clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    await client.tokenRevocation(rp, rt, { token_type_hint: 'refresh_token' });
    h.advance(10 * 60_000);
    const refreshesBefore = demo.counters.refreshToken;
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => h.core.request({ method: 'GET', path: '/me' })));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'invalid_grant')).toBe(true);
    // No retry storm: one refresh attempt for ten callers.
    expect(demo.counters.refreshToken - refreshesBefore).toBeLessThanOrEqual(1);
    const last = h.states.at(-1)!;
    expect(last).toMatchObject({ status: 'signed_out', reason: { code: 'invalid_grant' } });
    expect(h.vault.load('demo')).toBeNull();
  });

  it('keeps the session in memory only when the OS has no real encryption (basic_text)', async () => {
    const cipher = createTestCipher({ backend: 'basic_text' });
    const h = await harness({ cipher });
    const state = await h.core.signIn();
    expect(state.status).toBe('signed_in');
    expect(state.storage.persistent).toBe(false);
    expect(state.storage.notice).toBeTruthy();
    expect((await meStatus(h)).status).toBe(200);
    let raw = '';
    try {
      raw = readFileSync(h.storePath, 'utf8');
    } catch {
      raw = '';
    }
    expect(raw).not.toMatch(/ciphertext/);
    expect(raw).not.toContain('demo@example.test');
    await h.core.signOut();
  });
});

describe('embedded demo provider across an app restart', () => {
  it('a session saved with the demo provider is restored silently after both restart', async () => {
    const stateFile = join(dir, `demo-state-${Date.now()}.json`);
    const storePath = join(dir, `vault-restart-${Date.now()}.json`);
    const cipher = createTestCipher();
    const first = await startDemoProvider({ redirectUris: [REDIRECT], stateFile });
    const browser = await launchSystemBrowser({
      captureSchemes: [`${SCHEME}:`],
      onRedirect: (u) => core1.handleRedirect(u),
      autoLogin: { ...first.credentials, consent: 'allow' },
    });
    const { core: core1 } = await startCoreRig({ dir, storePath, cipher, config: demoTestConfig(first), openUrl: browser.open });
    try {
      await core1.signIn();
      await core1.dispose();
    } finally {
      await browser.close();
      await first.close();
    }

    const second = await startDemoProvider({ redirectUris: [REDIRECT], stateFile });
    try {
      expect(second.issuer).toBe(first.issuer);
      const { core: core2 } = await startCoreRig({ dir, storePath, cipher, config: demoTestConfig(second), openUrl: async () => {} });
      await expect(core2.restore()).resolves.toMatchObject({ status: 'signed_in', user: { name: 'Demo User' } });
      await expect(core2.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 200 });
      await core2.signOut();
      await core2.dispose();
    } finally {
      await second.close();
    }
  });
});

/**
 * The auth core's state machine in milliseconds: the real core (real
 * openid-client, real Vault) against an intercepting fetch that plays the
 * provider and the API (test/helpers/intercepting-fetch.ts), and a clock the
 * test moves. Sign-in, callback routing, refresh, consent, sign-out, restore.
 * The same behaviours against a real provider: test/integration/.
 */
import { describe, expect, it } from 'vitest';
import { createAuthCore } from '../../main/auth/auth-core';
import { parseAppConfig } from '../../main/auth/config';
import type { AuthCore, KeyValueStore, SessionState } from '../../main/auth/types';
import { createTestCipher } from '../helpers/aes-cipher';
import { API, FILES, IDP, fakeProvider, type FakeProvider } from '../helpers/intercepting-fetch';
import { TestVault } from '../helpers/test-vault';

const config = parseAppConfig({
  scheme: 'com.example.desktop',
  providers: [
    {
      id: 'p',
      displayName: 'P',
      clientId: 'desktop',
      scopes: ['offline_access', 'read'],
      endpoints: { authorization: `${IDP}/authorize`, token: `${IDP}/token`, userinfo: `${IDP}/userinfo`, revocation: `${IDP}/revoke` },
      apiBaseUrls: [API],
      apis: [{ id: 'files', baseUrl: FILES, scopes: ['files:read'] }],
    },
  ],
});

function memoryStore(): KeyValueStore {
  const m = new Map<string, unknown>();
  return {
    get: (k) => structuredClone(m.get(k)),
    set: (k, v) => {
      m.set(k, structuredClone(v));
    },
    delete: (k) => {
      m.delete(k);
    },
  };
}

interface Rig {
  core: AuthCore;
  idp: FakeProvider;
  vault: TestVault;
  /** Authorization URLs the core opened, newest last. */
  opened: string[];
  states: SessionState[];
  advance(ms: number): void;
  /** A second core on the same vault and provider (an app restart). */
  restart(): Rig;
}

function rig(shared?: { idp: FakeProvider; store: KeyValueStore; cipher: ReturnType<typeof createTestCipher>; now: { t: number } }): Rig {
  const now = shared?.now ?? { t: Date.UTC(2026, 0, 1) };
  const clock = () => now.t;
  const idp = shared?.idp ?? fakeProvider(clock);
  const store = shared?.store ?? memoryStore();
  const cipher = shared?.cipher ?? createTestCipher();
  const vault = new TestVault({ cipher, store });
  const opened: string[] = [];
  const core = createAuthCore({
    config,
    vault,
    fetch: idp.fetch,
    clock,
    openUrl: (url) => {
      opened.push(url);
      return Promise.resolve();
    },
  });
  const states: SessionState[] = [];
  core.onSessionChanged((s) => states.push(s));
  return {
    core,
    idp,
    vault,
    opened,
    states,
    advance: (ms) => (now.t += ms),
    restart: () => rig({ idp, store, cipher, now }),
  };
}

/** Waits until the core has opened the browser (discovery, PKCE and the state are prepared asynchronously). */
async function browserOpened(r: Rig, count = 1): Promise<string> {
  const deadline = Date.now() + 3_000;
  while (r.opened.length < count && Date.now() < deadline) await new Promise((res) => setTimeout(res, 1));
  const url = r.opened[count - 1];
  if (!url) throw new Error('the browser was never opened');
  return url;
}

async function signIn(r: Rig, sub = 'alice'): Promise<SessionState> {
  const done = r.core.signIn();
  const n = r.opened.length + 1;
  expect(r.core.handleRedirect(r.idp.authorize(await browserOpened(r, n), sub))).toBe(true);
  return done;
}

describe('the auth core against an intercepting fetch', () => {
  it('sign-in: PKCE S256 and state in the browser URL, the code exchanged once, the person from userinfo, the refresh token in the vault', async () => {
    const r = rig();
    const state = await signIn(r);
    expect(state).toMatchObject({ status: 'signed_in', providerId: 'p', user: { sub: 'alice', email: 'alice@example.test' }, connectivity: 'online' });
    const url = new URL(r.opened[0]!);
    expect(url.origin + url.pathname).toBe(`${IDP}/authorize`);
    expect(url.searchParams.get('scope')).toBe('offline_access read');
    expect(r.idp.seen.codeGrants).toBe(1);
    expect(r.vault.loadAccounts()).toEqual([expect.objectContaining({ id: 'p:alice', refreshToken: r.idp.liveRefreshTokens()[0] })]);
    // Signing in, then again once the page exists (its URL and time-out, for the waiting view), then signed in.
    expect(r.states.map((s) => s.status)).toEqual(['signing_in', 'signing_in', 'signed_in']);
    expect(r.states[1]).toMatchObject({ status: 'signing_in', browser: { url: r.opened[0], expiresAt: expect.any(Number) as unknown } });
  });

  it('callback routing: a wrong state is ignored and exchanges nothing, the genuine one completes once, a replay and a stray callback are ignored', async () => {
    const r = rig();
    const done = r.core.signIn();
    const callback = new URL(r.idp.authorize(await browserOpened(r), 'alice'));
    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-the-state');
    expect(r.core.handleRedirect(forged.href)).toBe(false);
    expect(r.core.handleRedirect('com.example.other:/callback?code=x&state=y')).toBe(false);
    expect(r.core.handleRedirect(callback.href)).toBe(true);
    expect(r.core.handleRedirect(callback.href)).toBe(false);
    await expect(done).resolves.toMatchObject({ status: 'signed_in' });
    expect(r.idp.seen.codeGrants).toBe(1);
  });

  it('callback routing: error=access_denied ends that sign-in with access_denied; a newer sign-in supersedes an older one', async () => {
    const r = rig();
    const first = r.core.signIn();
    const firstUrl = await browserOpened(r);
    const second = r.core.signIn();
    await expect(first).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    // The superseded sign-in's callback is refused.
    expect(r.core.handleRedirect(r.idp.authorize(firstUrl, 'alice'))).toBe(false);
    const denied = new URL(r.idp.authorize(await browserOpened(r, 2), 'alice'));
    denied.searchParams.delete('code');
    denied.searchParams.set('error', 'access_denied');
    expect(r.core.handleRedirect(denied.href)).toBe(true);
    await expect(second).rejects.toMatchObject({ code: 'access_denied' });
    expect(r.core.getSession().status).toBe('signed_out');
    expect(r.idp.seen.codeGrants).toBe(0);
  });

  it('refresh: 20 concurrent calls with an expired token share one grant; the vault holds the rotated refresh token, the old one is dead', async () => {
    const r = rig();
    await signIn(r);
    const before = r.vault.loadAccounts()[0]?.refreshToken;
    r.advance(3600_000);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => r.core.request({ method: 'GET', path: `/n/${i}` })));
    expect(results.every((x) => x.status === 200)).toBe(true);
    expect(r.idp.seen.refreshGrants).toHaveLength(1);
    expect(r.idp.liveRefreshTokens()).toHaveLength(1);
    expect(r.idp.liveRefreshTokens()).not.toContain(before);
    expect(r.vault.loadAccounts()[0]?.refreshToken).toBe(r.idp.liveRefreshTokens()[0]);
  });

  it('refresh: a 401 is one refresh and one retry; a refusal of every token is answered as it is, one forced refresh per window', async () => {
    const r = rig();
    await signIn(r);
    r.idp.apiRefusesAll(true);
    for (let i = 0; i < 10; i += 1) expect((await r.core.request({ method: 'GET', path: '/x' })).status).toBe(401);
    expect(r.idp.seen.refreshGrants).toHaveLength(1);
    expect(r.idp.seen.api).toHaveLength(11);
  });

  it('refresh: invalid_grant ends the account with the reason shown and the vault cleared; a 503 keeps it offline', async () => {
    const r = rig();
    await signIn(r);
    r.advance(3600_000);
    r.idp.failRefresh(503, 'temporarily_unavailable');
    await expect(r.core.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'server_error' });
    expect(r.core.getSession()).toMatchObject({ status: 'signed_in', connectivity: 'offline' });
    r.advance(10 * 60_000);
    r.idp.failRefresh(400, 'invalid_grant');
    await expect(r.core.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(r.core.getSession()).toMatchObject({ status: 'signed_out', reason: { code: 'invalid_grant' } });
    expect(r.vault.loadAccounts()).toEqual([]);
    await r.core.dispose();
  });

  it('consent: an API whose scope the grant lacks is consent_required; consent by the same person grants it, and its own token is used', async () => {
    const r = rig();
    await signIn(r);
    await expect(r.core.request({ method: 'GET', path: '/doc', api: 'files' })).rejects.toMatchObject({ code: 'consent_required', api: 'files' });
    expect(r.core.listAccounts()[0]).toMatchObject({ needsAttention: true, consentNeeded: ['files'] });
    const consent = r.core.requestConsent('files');
    const url = new URL(await browserOpened(r, 2));
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['offline_access', 'read', 'files:read']));
    expect(url.searchParams.get('login_hint')).toBe('alice@example.test');
    expect(r.core.handleRedirect(r.idp.authorize(url.href, 'alice'))).toBe(true);
    await consent;
    expect(r.core.listAccounts()[0]).toMatchObject({ needsAttention: false });
    const res = await r.core.request({ method: 'GET', path: '/doc', api: 'files' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ scopes: ['files:read'] });
    expect(r.idp.seen.refreshGrants.at(-1)).toEqual({ scope: 'files:read' });
  });

  it('consent: another person in the browser is account_mismatch and changes nothing; their tokens are revoked', async () => {
    const r = rig();
    await signIn(r);
    const consent = r.core.requestConsent('files');
    expect(r.core.handleRedirect(r.idp.authorize(await browserOpened(r, 2), 'mallory'))).toBe(true);
    await expect(consent).rejects.toMatchObject({ code: 'account_mismatch' });
    expect(r.core.getSession()).toMatchObject({ status: 'signed_in', user: { sub: 'alice' } });
    for (let i = 0; i < 50 && r.idp.seen.revoked.length < 2; i += 1) await new Promise((res) => setImmediate(res));
    expect(r.idp.seen.revoked).toHaveLength(2);
  });

  it('sign-out: signed out at once, the refresh and access tokens revoked, the vault cleared; the other account stays and is not made active', async () => {
    const r = rig();
    await signIn(r, 'alice');
    await signIn(r, 'bob');
    expect(r.core.listAccounts().map((a) => [a.id, a.active])).toEqual([
      ['p:alice', false],
      ['p:bob', true],
    ]);
    const state = await r.core.signOut();
    expect(state).toMatchObject({ status: 'signed_in', user: { sub: 'alice' }, accounts: [expect.objectContaining({ id: 'p:alice', active: true })] });
    expect(r.idp.seen.revoked).toHaveLength(2);
    expect(r.vault.loadAccounts().map((a) => a.id)).toEqual(['p:alice']);
    await expect(r.core.signOutAll()).resolves.toMatchObject({ status: 'signed_out', revocation: { outcome: 'revoked', retrying: false } });
    expect(r.vault.loadAccounts()).toEqual([]);
  });

  it('restore: a restart refreshes only the active account, once; the others come back listed and refresh on first use', async () => {
    const first = rig();
    await signIn(first, 'alice');
    await signIn(first, 'bob');
    await first.core.dispose();
    const grantsBefore = first.idp.seen.refreshGrants.length;
    const second = first.restart();
    await expect(second.core.restore()).resolves.toMatchObject({ status: 'signed_in', user: { sub: 'bob' } });
    expect(second.core.listAccounts().map((a) => a.id)).toEqual(['p:alice', 'p:bob']);
    expect(first.idp.seen.refreshGrants.length - grantsBefore).toBe(1);
    const res = await second.core.request({ method: 'GET', path: '/me', accountId: 'p:alice' });
    expect(JSON.parse(res.body)).toMatchObject({ sub: 'alice' });
    expect(first.idp.seen.refreshGrants.length - grantsBefore).toBe(2);
    await second.core.dispose();
  });
});

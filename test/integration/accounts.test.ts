/**
 * Accounts and a token per API, against real parts: two oidc-provider
 * instances on 127.0.0.1 (two providers), each with two demo people and two
 * resource servers (contacts: granted at sign-in; calendar: needs consent),
 * and Debian's Chromium as the person's browser.
 *
 * The core's fetch is wrapped only to observe (the Authorization header each
 * API call carried) and, in the storm test, to hold one account's refresh
 * at a gate; every answer comes from the real provider and demo API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAppConfig, type AppConfig } from '../../main/auth/config';
import type { AuthCore, FetchLike } from '../../main/auth/types';
import { JsonFileStore } from '../../main/auth/json-file-store';
import type { Vault } from '../../main/auth/vault';
import { VAULT_STORE_KEY } from '../../main/auth/vault-file';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import type { TestCipher } from '../helpers/aes-cipher';
import { REDIRECT_URI as REDIRECT, SCHEME, startCoreRig } from '../helpers/core-rig';
import { skipWithoutChromium } from '../helpers/skip-without-chromium';
import { launchSystemBrowser, type AutoLogin, type SystemBrowser } from '../helpers/system-browser';
import { until } from '../helpers/until';

skipWithoutChromium();

let one: DemoProvider;
let two: DemoProvider;
let dir: string;
let config: AppConfig;
/** The providers started so far: beforeAll may fail part-way. */
const closeAfterAll: (() => Promise<void>)[] = [];

const profile = (id: string, displayName: string, d: DemoProvider) => ({
  id,
  displayName,
  issuer: d.issuer,
  clientId: d.clientId,
  scopes: ['openid', 'profile', 'email', 'offline_access', 'contacts:read'],
  apiBaseUrls: [d.apiBaseUrl],
  apis: [
    { id: 'contacts', baseUrl: d.apis.contacts.baseUrl, resource: d.apis.contacts.resource, scopes: d.apis.contacts.scopes },
    { id: 'calendar', baseUrl: d.apis.calendar.baseUrl, resource: d.apis.calendar.resource, scopes: d.apis.calendar.scopes },
  ],
  authorizeParams: { prompt: 'consent' },
});

beforeAll(async () => {
  one = await startDemoProvider({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 120 });
  closeAfterAll.push(() => one.close());
  two = await startDemoProvider({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 120 });
  closeAfterAll.push(() => two.close());
  config = parseAppConfig({
    scheme: SCHEME,
    providers: [
      profile('one', 'Provider One', one),
      profile('two', 'Provider Two', two),
      // The same provider, with an API that names only its resource: what it needs is learnt from the API's challenge.
      {
        ...profile('lean', 'Provider One, lean', one),
        scopes: ['openid', 'profile', 'email', 'offline_access'],
        apis: [{ id: 'contacts', baseUrl: one.apis.contacts.baseUrl, resource: one.apis.contacts.resource }],
      },
      // The same provider with Bearer tokens: a token replayed by hand then meets the API's audience check
      // (the others are DPoP-bound, refused without the key before any audience check).
      { ...profile('plain', 'Provider One, Bearer', one), dpop: 'off' },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'accounts-it-'));
});

afterAll(async () => {
  for (const close of closeAfterAll) await close();
  rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  core: AuthCore;
  vault: Vault;
  cipher: TestCipher;
  browser: SystemBrowser;
  /** Who the browser signs in as next (mutable). */
  person: AutoLogin;
  /** Where the core opens authorization URLs (mutable: another browser for one call). */
  opener: (url: string) => Promise<void>;
  storePath: string;
  /** Authorization header values sent to each API URL. */
  sent: { url: string; authorization: string }[];
  /** While set, refresh grants whose refresh_token satisfies it wait for `release()`. */
  gate: { hold?: (refreshToken: string) => boolean; release?: () => void; waiting: number };
  advance(ms: number): void;
  /** Origins the core cannot reach while listed (what undici reports for a dead link). */
  unreachable: Set<string>;
}

const open: Harness[] = [];

async function harness(
  opts: { storePath?: string; cipher?: TestCipher; backoff?: { baseMs: number; maxMs: number }; withoutRefreshTokens?: boolean } = {},
): Promise<Harness> {
  const sent: Harness['sent'] = [];
  const gate: Harness['gate'] = { waiting: 0 };
  let released: Promise<void> = Promise.resolve();
  const unreachable = new Set<string>();
  const observingFetch: FetchLike = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (unreachable.has(new URL(url).origin)) throw new TypeError('fetch failed');
    if (url.includes('/api/')) sent.push({ url, authorization: new Headers(init?.headers).get('authorization') ?? '' });
    if (url.endsWith('/token') && gate.hold && typeof init?.body !== 'undefined') {
      // The token endpoint's form: a string or URLSearchParams (anything else is not a refresh grant to hold).
      const body = new URLSearchParams(typeof init.body === 'string' || init.body instanceof URLSearchParams ? init.body : undefined);
      if (body.get('grant_type') === 'refresh_token' && gate.hold(body.get('refresh_token') ?? '')) {
        if (!gate.release) released = new Promise<void>((resolve) => (gate.release = resolve));
        gate.waiting += 1;
        await released;
      }
    }
    const response = await fetch(input, init);
    if (!opts.withoutRefreshTokens || !url.endsWith('/token') || !response.ok) return response;
    // A provider that issues no refresh token (inTandem's kind): the same answer without one.
    const body = (await response.json()) as Record<string, unknown>;
    Reflect.deleteProperty(body, 'refresh_token');
    return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
  };
  const person: AutoLogin = { ...one.credentials, consent: 'allow' };
  const browser = await launchSystemBrowser({ captureSchemes: [`${SCHEME}:`], onRedirect: (url) => core.handleRedirect(url), autoLogin: person });
  const rig = await startCoreRig({
    dir,
    ...(opts.storePath !== undefined ? { storePath: opts.storePath } : {}),
    ...(opts.cipher ? { cipher: opts.cipher } : {}),
    config,
    openUrl: (url) => h.opener(url),
    fetch: observingFetch,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
  });
  const core = rig.core;
  const h: Harness = {
    core,
    vault: rig.vault,
    cipher: rig.cipher,
    browser,
    person,
    opener: browser.open,
    storePath: rig.storePath,
    sent,
    gate,
    advance: (ms) => {
      rig.advance(ms);
    },
    unreachable,
  };
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    h.gate.release?.();
    await h.core.dispose();
    await h.browser.close();
  }
});

async function json(h: Harness, req: Parameters<AuthCore['request']>[0]): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await h.core.request(req);
  return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
}

/** Signs in as `who` at `providerId`; a second person at the same provider needs prompt=login (the browser keeps a session). */
async function signInAs(h: Harness, providerId: string, who: { username: string; password: string }, prompt?: 'login') {
  Object.assign(h.person, who);
  return h.core.signIn(providerId, prompt ? { prompt } : {});
}

describe('accounts: several people and providers at once', () => {
  it('two people at one provider and a second provider: listed, switched, each calls its API with its own token', async () => {
    const h = await harness();
    await signInAs(h, 'one', one.credentials);
    await signInAs(h, 'one', one.colleague, 'login');
    const state = await signInAs(h, 'two', two.credentials, 'login');

    expect(state.status).toBe('signed_in');
    const accounts = h.core.listAccounts();
    expect(accounts.map((a) => a.id).sort()).toEqual(['one:demo-colleague', 'one:demo-user', 'two:demo-user']);
    expect(accounts.find((a) => a.active)?.id).toBe('two:demo-user');
    expect(accounts.find((a) => a.id === 'one:demo-colleague')).toMatchObject({
      name: 'Sam Colleague',
      email: 'sam@example.test',
      providerName: 'Provider One',
    });
    expect(JSON.stringify(accounts)).not.toMatch(/token/i);
    expect(state.accounts).toHaveLength(3);

    // Signing in again as the same person renews that account instead of adding one.
    await signInAs(h, 'one', one.colleague, 'login');
    expect(h.core.listAccounts()).toHaveLength(3);
    expect(h.core.getSession()).toMatchObject({ status: 'signed_in', providerId: 'one', user: { sub: 'demo-colleague' } });

    // Each account, by id, gets its own person's answer from the sign-in API and from the contacts API.
    for (const id of ['one:demo-user', 'one:demo-colleague', 'two:demo-user']) {
      const sub = id.split(':')[1];
      expect(await json(h, { method: 'GET', path: '/me', accountId: id })).toMatchObject({ status: 200, body: { sub } });
      expect(await json(h, { method: 'GET', path: '/me', api: 'contacts', accountId: id })).toMatchObject({
        status: 200,
        body: { api: 'contacts', sub, scope: 'contacts:read' },
      });
    }
    // setActiveAccount changes what a request without accountId uses.
    await h.core.setActiveAccount('one:demo-user');
    expect(await json(h, { method: 'GET', path: '/me' })).toMatchObject({ body: { sub: 'demo-user', name: 'Demo User' } });
    await expect(h.core.setActiveAccount('one:nobody')).rejects.toMatchObject({ code: 'not_signed_in' });

    await h.core.signOutAll();
    expect(h.core.listAccounts()).toEqual([]);
  });

  it('per-API tokens carry their own audience and scope; the demo API refuses a token meant for the other API', async () => {
    const h = await harness();
    // DPoP (the demo offers it): the API's own token is bound to the account's key too.
    await signInAs(h, 'one', one.credentials);
    await json(h, { method: 'GET', path: '/me', api: 'contacts' });
    const boundAuth = h.sent.find((s) => s.url.startsWith(one.apis.contacts.baseUrl))!.authorization;
    expect(boundAuth).toMatch(/^DPoP /);
    const asBearer = await fetch(`${one.apis.contacts.baseUrl}/me`, { headers: { authorization: `Bearer ${boundAuth.slice('DPoP '.length)}` } });
    expect(asBearer.status).toBe(401);
    await h.core.signOutAll();
    h.sent.length = 0;

    await signInAs(h, 'plain', one.credentials);
    await json(h, { method: 'GET', path: '/me', api: 'contacts' });
    await json(h, { method: 'GET', path: '/me' });
    const contactsAuth = h.sent.find((s) => s.url.startsWith(one.apis.contacts.baseUrl))!.authorization;
    const signInAuth = h.sent.find((s) => s.url === `${one.apiBaseUrl}/me`)!.authorization;
    expect(contactsAuth).not.toBe(signInAuth);
    const contacts = await json(h, { method: 'GET', path: '/me', api: 'contacts' });
    expect(contacts.body).toMatchObject({ aud: one.apis.contacts.resource, scope: 'contacts:read' });

    // Replayed by hand at the other API and at the sign-in API: refused by audience.
    const other = await fetch(`${one.apis.calendar.baseUrl}/me`, { headers: { authorization: contactsAuth } });
    expect(other.status).toBe(401);
    expect(other.headers.get('www-authenticate')).toMatch(/audience/);
    expect((await fetch(`${one.apiBaseUrl}/me`, { headers: { authorization: contactsAuth } })).status).toBe(401);
    // And the sign-in token is no good for the contacts API either.
    expect((await fetch(`${one.apis.contacts.baseUrl}/me`, { headers: { authorization: signInAuth } })).status).toBe(401);
    await h.core.signOutAll();
  });

  it('signing out one account revokes its grant and leaves the others calling their APIs', async () => {
    const h = await harness();
    await signInAs(h, 'one', one.credentials);
    await signInAs(h, 'two', two.credentials, 'login');
    // A token of its own for the contacts API: revoked at sign-out with the sign-in's tokens.
    expect(await json(h, { method: 'GET', path: '/me', api: 'contacts', accountId: 'one:demo-user' })).toMatchObject({ status: 200 });
    const revocationsBefore = one.counters.revocations;
    const state = await h.core.signOut('one:demo-user');
    // The refresh token, the sign-in access token and the contacts API's access token.
    expect(one.counters.revocations - revocationsBefore).toBe(3);
    expect(state.accounts?.map((a) => a.id)).toEqual(['two:demo-user']);
    expect(h.vault.loadAccounts().map((a) => a.id)).toEqual(['two:demo-user']);
    await expect(h.core.request({ method: 'GET', path: '/me', accountId: 'one:demo-user' })).rejects.toMatchObject({ code: 'not_signed_in' });
    h.advance(10 * 60_000);
    expect(await json(h, { method: 'GET', path: '/me', api: 'contacts', accountId: 'two:demo-user' })).toMatchObject({ status: 200 });
    // Signing out the active account makes the remaining one active.
    await h.core.signOut('two:demo-user');
    expect(h.core.getSession().status).toBe('signed_out');
  });

  it('a restart restores every account: the active one at once, the others on first use', async () => {
    const first = await harness();
    await signInAs(first, 'one', one.credentials);
    await signInAs(first, 'two', two.credentials, 'login');
    await first.core.setActiveAccount('one:demo-user');
    await first.core.dispose();

    const second = await harness({ storePath: first.storePath, cipher: first.cipher });
    const before = { one: one.counters.refreshToken, two: two.counters.refreshToken };
    const restored = await second.core.restore();
    expect(restored).toMatchObject({ status: 'signed_in', providerId: 'one', user: { sub: 'demo-user' } });
    expect(restored.accounts?.map((a) => a.id).sort()).toEqual(['one:demo-user', 'two:demo-user']);
    expect(one.counters.refreshToken - before.one).toBe(1);
    expect(two.counters.refreshToken - before.two).toBe(0);
    expect(await json(second, { method: 'GET', path: '/me', accountId: 'two:demo-user' })).toMatchObject({ status: 200, body: { sub: 'demo-user' } });
    expect(two.counters.refreshToken - before.two).toBe(1);
    await second.core.dispose();

    // A vault last written by an older app records no active account (its schema strips the key): the most recently saved one is restored.
    const store = new JsonFileStore(first.storePath);
    const onDisk = store.get(VAULT_STORE_KEY) as Record<string, unknown>;
    Reflect.deleteProperty(onDisk, 'activeAccountId');
    store.set(VAULT_STORE_KEY, onDisk);
    const newest = [...second.vault.loadAccounts()].sort((a, b) => b.savedAt - a.savedAt)[0]!;
    const third = await harness({ storePath: first.storePath, cipher: first.cipher });
    expect(await third.core.restore()).toMatchObject({ status: 'signed_in', providerId: newest.providerId });
    await third.core.signOutAll();
  });

  it('a refresh storm on one (account, API) costs one refresh and does not hold up another account', async () => {
    const h = await harness();
    await signInAs(h, 'one', one.credentials);
    await signInAs(h, 'one', one.colleague, 'login');
    const [demoUser, colleague] = ['one:demo-user', 'one:demo-colleague'];
    // Both accounts have a contacts token, then everything expires.
    await json(h, { method: 'GET', path: '/me', api: 'contacts', accountId: demoUser });
    await json(h, { method: 'GET', path: '/me', api: 'contacts', accountId: colleague });
    h.advance(10 * 60_000);

    const demoUserRt = h.vault.loadAccounts().find((a) => a.id === demoUser)!.refreshToken;
    h.gate.hold = (rt) => rt === demoUserRt;
    const before = one.counters.refreshByResource[one.apis.contacts.resource] ?? 0;
    const storm = Promise.all(Array.from({ length: 200 }, () => h.core.request({ method: 'GET', path: '/me', api: 'contacts', accountId: demoUser })));
    await until(() => h.gate.waiting === 1, 10_000, 'the storm reaching the provider');

    // The other account refreshes and calls while the storm's one refresh is held.
    expect(await json(h, { method: 'GET', path: '/me', api: 'contacts', accountId: colleague })).toMatchObject({
      status: 200,
      body: { sub: 'demo-colleague' },
    });
    expect(h.gate.waiting).toBe(1);

    h.gate.release!();
    const results = await storm;
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(h.gate.waiting).toBe(1);
    // One refresh for the storm, one for the other account: per (account, API), one each.
    expect((one.counters.refreshByResource[one.apis.contacts.resource] ?? 0) - before).toBe(2);
    h.gate.hold = undefined;
    await h.core.signOutAll();
  });

  it('consent: calendar is consent_required, requestConsent grants it for the same person, then the call succeeds', async () => {
    const h = await harness();
    await signInAs(h, 'one', one.credentials);
    await expect(h.core.request({ method: 'GET', path: '/me', api: 'calendar' })).rejects.toMatchObject({ code: 'consent_required', api: 'calendar' });
    expect(h.core.listAccounts()[0]).toMatchObject({ needsAttention: true, consentNeeded: ['calendar'] });
    const refreshesBefore = one.counters.authorizationCode;

    const state = await h.core.requestConsent('calendar');
    expect(one.counters.authorizationCode - refreshesBefore).toBe(1);
    expect(state.accounts?.[0]).toMatchObject({ id: 'one:demo-user', needsAttention: false });
    expect(await json(h, { method: 'GET', path: '/me', api: 'calendar' })).toMatchObject({
      status: 200,
      body: { api: 'calendar', sub: 'demo-user', aud: one.apis.calendar.resource, scope: 'calendar:read' },
    });
    // What was granted before still works with the merged refresh token.
    h.advance(10 * 60_000);
    expect(await json(h, { method: 'GET', path: '/me', api: 'contacts' })).toMatchObject({ status: 200, body: { scope: 'contacts:read' } });
    expect(await json(h, { method: 'GET', path: '/me' })).toMatchObject({ status: 200 });
    await h.core.signOutAll();
  });

  it('consent given by a different person in the browser is refused with account_mismatch and nothing changes; their new tokens are revoked', async () => {
    const h = await harness();
    await signInAs(h, 'one', one.credentials);
    await expect(h.core.request({ method: 'GET', path: '/me', api: 'calendar' })).rejects.toMatchObject({ code: 'consent_required' });
    const rtBefore = h.vault.loadAccounts()[0]!.refreshToken;
    const revocationsBefore = one.counters.revocations;

    // A fresh browser with no session there, where the colleague signs in instead.
    const stranger = await launchSystemBrowser({
      captureSchemes: [`${SCHEME}:`],
      onRedirect: (url) => h.core.handleRedirect(url),
      autoLogin: { ...one.colleague, consent: 'allow' },
    });
    try {
      h.opener = stranger.open;
      const consent = h.core.requestConsent('calendar');
      await expect(consent).rejects.toMatchObject({ code: 'account_mismatch' });
    } finally {
      await stranger.close();
    }
    // The colleague's refresh and access token from that consent: revoked at the provider, not left valid unused.
    await until(() => one.counters.revocations - revocationsBefore >= 2, 5_000, 'the discarded tokens revoked');
    expect(one.counters.revocations - revocationsBefore).toBe(2);
    expect(h.vault.pendingRevocations()).toEqual([]);
    expect(h.core.listAccounts()).toEqual([expect.objectContaining({ id: 'one:demo-user', active: true, needsAttention: true })]);
    expect(h.vault.loadAccounts().map((a) => [a.id, a.refreshToken])).toEqual([['one:demo-user', rtBefore]]);
    await expect(h.core.request({ method: 'GET', path: '/me', api: 'calendar' })).rejects.toMatchObject({ code: 'consent_required' });
    expect(await json(h, { method: 'GET', path: '/me' })).toMatchObject({ status: 200, body: { sub: 'demo-user' } });
    await h.core.signOutAll();
  });

  it('100 accounts in the vault: start-up refreshes only the active one; a dead one ends alone', async () => {
    const first = await harness();
    await signInAs(first, 'one', one.credentials);
    await first.core.dispose();
    // 99 more people stored beside the real one (their refresh tokens are unknown to the provider).
    for (let i = 0; i < 99; i += 1) {
      first.vault.saveAccount({
        id: `two:person-${i}`,
        providerId: 'two',
        refreshToken: `not-a-real-refresh-token-${i}`,
        user: { sub: `person-${i}`, name: `Person ${i}` },
        savedAt: 1,
      });
    }
    first.vault.setActiveAccountId('one:demo-user');

    const second = await harness({ storePath: first.storePath, cipher: first.cipher });
    const before = { one: one.counters.refreshToken, two: two.counters.refreshToken };
    const restored = await second.core.restore();
    expect(restored).toMatchObject({ status: 'signed_in', user: { sub: 'demo-user' } });
    expect(second.core.listAccounts()).toHaveLength(100);
    expect(one.counters.refreshToken - before.one).toBe(1);
    expect(two.counters.refreshToken - before.two).toBe(0);

    await second.core.setActiveAccount('two:person-7');
    await expect(second.core.request({ method: 'GET', path: '/me' })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(second.core.listAccounts()).toHaveLength(99);
    expect(second.core.getSession()).toMatchObject({ status: 'signed_out', reason: { code: 'invalid_grant' } });
    expect(second.vault.loadAccounts()).toHaveLength(99);
    expect(await json(second, { method: 'GET', path: '/me', accountId: 'one:demo-user' })).toMatchObject({ status: 200 });
    await second.core.dispose();

    // Restarted after the active person's sign-in ended: nobody else is made active behind their back.
    const third = await harness({ storePath: first.storePath, cipher: first.cipher });
    const refreshesBefore = one.counters.refreshToken + two.counters.refreshToken;
    const again = await third.core.restore();
    expect(again).toMatchObject({ status: 'signed_out' });
    expect(third.core.listAccounts()).toHaveLength(99);
    expect(third.core.listAccounts().some((a) => a.active)).toBe(false);
    expect(one.counters.refreshToken + two.counters.refreshToken).toBe(refreshesBefore);
    await third.core.signOut('one:demo-user');
  });

  it('signOutAll makes nobody active on the way: the window never shows the next person as signed in', async () => {
    const h = await harness();
    await signInAs(h, 'one', one.credentials);
    await signInAs(h, 'two', two.credentials, 'login');
    const seen: string[] = [];
    const off = h.core.onSessionChanged((state) => seen.push(state.status));
    expect(await h.core.signOutAll()).toMatchObject({ status: 'signed_out' });
    off();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).not.toContain('signed_in');
    expect(h.core.listAccounts()).toHaveLength(0);
    expect(h.vault.loadAccounts()).toHaveLength(0);
  });

  it('an account without a refresh token asked for an API with its own token: a clear invalid_config, and the account is not ended', async () => {
    const h = await harness({ withoutRefreshTokens: true });
    expect(await signInAs(h, 'one', one.credentials)).toMatchObject({ status: 'signed_in', providerId: 'one' });
    await expect(h.core.request({ method: 'GET', path: '/me', api: 'contacts' })).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('no refresh token') as unknown,
    });
    expect(h.core.getSession()).toMatchObject({ status: 'signed_in', providerId: 'one' });
    expect(h.core.listAccounts()).toHaveLength(1);
    await h.core.signOutAll();
  });

  it("an API's insufficient_scope challenge (RFC 6750) is consent_required; consent asks for the scope it named", async () => {
    const h = await harness();
    await signInAs(h, 'lean', one.credentials);
    await expect(h.core.request({ method: 'GET', path: '/me', api: 'contacts' })).rejects.toMatchObject({ code: 'consent_required', api: 'contacts' });
    const contactsCalls = h.sent.filter((s) => s.url.startsWith(one.apis.contacts.baseUrl)).length;
    expect(contactsCalls).toBe(1);
    expect(h.core.listAccounts()[0]).toMatchObject({ id: 'lean:demo-user', needsAttention: true });

    await h.core.requestConsent('contacts');
    expect(await json(h, { method: 'GET', path: '/me', api: 'contacts' })).toMatchObject({
      status: 200,
      body: { api: 'contacts', sub: 'demo-user', scope: 'contacts:read', aud: one.apis.contacts.resource },
    });
    expect(h.core.listAccounts()[0]).toMatchObject({ needsAttention: false });
    await h.core.signOutAll();
  });

  it('connectivity is per account: one provider unreachable marks only its account offline, a background retry brings it back, DPoP-bound API tokens refresh with the account key', async () => {
    const h = await harness({ backoff: { baseMs: 200, maxMs: 400 } });
    await signInAs(h, 'two', two.credentials);
    await signInAs(h, 'one', one.credentials, 'login');
    expect(await json(h, { method: 'GET', path: '/me', api: 'contacts', accountId: 'two:demo-user' })).toMatchObject({ status: 200 });

    // Provider two goes away; every token has expired, so the next call must refresh, and cannot.
    h.unreachable.add(new URL(two.issuer).origin);
    h.advance(10 * 60_000);
    await expect(h.core.request({ method: 'GET', path: '/me', accountId: 'two:demo-user' })).rejects.toMatchObject({ code: 'network_error' });
    const offline = h.core.listAccounts();
    expect(offline.find((a) => a.id === 'two:demo-user')).toMatchObject({ offline: true });
    expect(offline.find((a) => a.id === 'one:demo-user')?.offline).toBeUndefined();
    // The active account (one) is not affected: online, its calls (a DPoP-bound API token, refreshed with its key) work.
    expect(h.core.getSession()).toMatchObject({ status: 'signed_in', providerId: 'one', connectivity: 'online' });
    expect(await json(h, { method: 'GET', path: '/me', api: 'contacts' })).toMatchObject({ status: 200, body: { api: 'contacts' } });
    expect(h.sent.at(-1)?.authorization).toMatch(/^DPoP /);
    // Switching to the offline account shows it offline; nothing was ended.
    expect(await h.core.setActiveAccount('two:demo-user')).toMatchObject({ connectivity: 'offline' });
    expect(h.vault.loadAccounts()).toHaveLength(2);

    // Provider two is back: the account's own background retry finds it without any call.
    h.unreachable.clear();
    await until(
      () => h.core.getSession().status === 'signed_in' && (h.core.getSession() as { connectivity?: string }).connectivity === 'online',
      10_000,
      'back online',
    );
    expect(h.core.listAccounts().every((a) => a.offline === undefined)).toBe(true);
    expect(await json(h, { method: 'GET', path: '/me', api: 'contacts' })).toMatchObject({ status: 200 });
    await h.core.signOutAll();
    expect(h.core.getSession()).toMatchObject({ status: 'signed_out', revocation: { outcome: 'revoked', retrying: false } });
  });
});

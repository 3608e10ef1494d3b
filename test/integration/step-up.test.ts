/**
 * Step-up authentication (RFC 9470) against real parts: oidc-provider on
 * 127.0.0.1 with two authentication levels (password; password + one-time
 * code) whose login asks for the code when `acr_values` asks for that level,
 * the demo API demanding that level on `/admin` (with RFC 9470's challenge),
 * and Debian's Chromium as the person's browser.
 *
 * The core's fetch is wrapped only to observe what was sent; every answer
 * comes from the real provider and the demo API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES } from '../../main/app-config';
import { parseAppConfig, type AppConfig } from '../../main/auth/config';
import type { AuthCore, FetchLike } from '../../main/auth/types';
import type { Vault } from '../../main/auth/vault';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { DEMO_ACR } from '../../main/demo/interactions';
import { REDIRECT_URI as REDIRECT, SCHEME, startCoreRig } from '../helpers/core-rig';
import { skipWithoutChromium } from '../helpers/skip-without-chromium';
import { launchSystemBrowser, type AutoLogin, type SystemBrowser } from '../helpers/system-browser';
import { until } from '../helpers/until';

skipWithoutChromium();

let demo: DemoProvider;
/** Advertises the same levels but ignores acr_values (never asks for the code). */
let lax: DemoProvider;
let dir: string;
let config: AppConfig;

const profile = (id: string, d: DemoProvider) => ({
  id,
  displayName: id,
  issuer: d.issuer,
  clientId: d.clientId,
  scopes: [...DEFAULT_SCOPES, 'contacts:read'],
  apiBaseUrls: [d.apiBaseUrl],
  apis: [{ id: 'contacts', displayName: 'Contacts', baseUrl: d.apis.contacts.baseUrl, resource: d.apis.contacts.resource, scopes: d.apis.contacts.scopes }],
});

beforeAll(async () => {
  demo = await startDemoProvider({ redirectUris: [REDIRECT] });
  lax = await startDemoProvider({ redirectUris: [REDIRECT], acr: { ignoreAcrValues: true } });
  config = parseAppConfig({ scheme: SCHEME, providers: [profile('demo', demo), profile('lax', lax)] });
  dir = mkdtempSync(join(tmpdir(), 'step-up-it-'));
});

afterAll(async () => {
  // Either may be unset when beforeAll failed part-way.
  await (demo as DemoProvider | undefined)?.close();
  await (lax as DemoProvider | undefined)?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  core: AuthCore;
  vault: Vault;
  browser: SystemBrowser;
  person: AutoLogin;
  /** Authorization URLs the core opened. */
  opened: URL[];
  /** Where the core opens them (mutable: another browser for one call). */
  opener: (url: string) => Promise<void>;
  /** API URLs called, in order. */
  apiCalls: string[];
  /** Bodies of pushed authorization requests (RFC 9126; the demo offers PAR, so the parameters go there). */
  pushed: URLSearchParams[];
}

const open: Harness[] = [];

async function harness(): Promise<Harness> {
  const apiCalls: string[] = [];
  const pushed: URLSearchParams[] = [];
  const observingFetch: FetchLike = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes('/api/')) apiCalls.push(new URL(url).pathname);
    if (url.endsWith('/request') && (typeof init?.body === 'string' || init?.body instanceof URLSearchParams)) pushed.push(new URLSearchParams(init.body));
    return fetch(input, init);
  };
  const person: AutoLogin = { ...demo.credentials, consent: 'allow' };
  const browser = await launchSystemBrowser({ captureSchemes: [`${SCHEME}:`], onRedirect: (url) => core.handleRedirect(url), autoLogin: person });
  const opened: URL[] = [];
  const rig = await startCoreRig({
    dir,
    config,
    fetch: observingFetch,
    openUrl: (url) => {
      opened.push(new URL(url));
      return h.opener(url);
    },
  });
  const core = rig.core;
  const h: Harness = { core, vault: rig.vault, browser, person, opened, opener: browser.open, apiCalls, pushed };
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.core.dispose();
    await h.browser.close();
  }
});

async function json(h: Harness, req: Parameters<AuthCore['request']>[0]): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await h.core.request(req);
  return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
}

describe('step-up authentication (RFC 9470)', () => {
  it('challenge → step_up_required (no browser, no refresh) → requestStepUp → the calls succeed with the higher acr', async () => {
    const h = await harness();
    await h.core.signIn('demo');
    expect(await json(h, { method: 'GET', path: '/me' })).toMatchObject({ status: 200 });
    const refreshesBefore = demo.counters.refreshToken;
    const openedBefore = h.opened.length;

    // The sign-in token's API and an API with its own token both ask for the stronger level.
    await expect(h.core.request({ method: 'GET', path: '/admin' })).rejects.toMatchObject({
      code: 'step_up_required',
      message: `This API needs a stronger sign-in (${DEMO_ACR.mfa}). Confirm it is you in your browser to continue.`,
    });
    await expect(h.core.request({ method: 'GET', path: '/admin', api: 'contacts' })).rejects.toMatchObject({
      code: 'step_up_required',
      api: 'contacts',
      message: expect.stringMatching(/^Contacts needs a stronger sign-in/) as unknown,
    });
    // Each challenge was one call: no refresh-and-retry (a new token from the same sign-in would be refused alike).
    expect(h.apiCalls.filter((p) => p.endsWith('/admin'))).toHaveLength(2);
    expect(demo.counters.refreshToken - refreshesBefore).toBe(1); // the contacts API's first token, nothing for the challenges
    // The account needs the person; nothing opened the browser by itself.
    expect(h.core.listAccounts()[0]).toMatchObject({ id: 'demo:demo-user', needsAttention: true, stepUpNeeded: ['#0', 'contacts'] });
    expect(h.opened.length).toBe(openedBefore);

    const state = await h.core.requestStepUp();
    expect(state.accounts?.[0]).toMatchObject({ id: 'demo:demo-user', needsAttention: false });
    expect(state.accounts?.[0]?.stepUpNeeded).toBeUndefined();
    // RFC 9470 §4: the requirement, and who is expected (the parameters were pushed, RFC 9126).
    expect(h.opened.at(-1)!.searchParams.has('request_uri')).toBe(true);
    const sent = h.pushed.at(-1)!;
    expect(sent.get('acr_values')).toBe(DEMO_ACR.mfa);
    expect(sent.get('login_hint')).toBe('demo@example.test');
    expect(sent.get('id_token_hint')).toMatch(/^ey/);

    expect(await json(h, { method: 'GET', path: '/admin' })).toMatchObject({ status: 200, body: { sub: 'demo-user', acr: DEMO_ACR.mfa } });
    expect(await json(h, { method: 'GET', path: '/admin', api: 'contacts' })).toMatchObject({ status: 200, body: { api: 'contacts', acr: DEMO_ACR.mfa } });
    expect(h.core.getSession()).toMatchObject({ status: 'signed_in', user: { sub: 'demo-user' } });
    // The renewed sign-in is the one saved.
    expect(h.vault.loadAccounts().map((a) => a.id)).toEqual(['demo:demo-user']);
    await h.core.signOutAll();
  });

  it('a challenge the current sign-in already meets is a server error, not a loop', async () => {
    const h = await harness();
    await h.core.signIn('demo');
    await expect(h.core.request({ method: 'GET', path: '/admin' })).rejects.toMatchObject({ code: 'step_up_required' });
    await h.core.requestStepUp();
    const calls = h.apiCalls.length;
    const opened = h.opened.length;
    await expect(h.core.request({ method: 'GET', path: '/admin-broken' })).rejects.toMatchObject({
      code: 'server_error',
      message: expect.stringMatching(/asked for a stronger sign-in that you already have/) as unknown,
    });
    expect(h.apiCalls.length - calls).toBe(1);
    expect(h.opened.length).toBe(opened);
    expect(h.core.listAccounts()[0]).toMatchObject({ needsAttention: false });
    await expect(h.core.requestStepUp()).rejects.toMatchObject({ code: 'invalid_request' });
    await h.core.signOutAll();
  });

  it('a step-up by another person is account_mismatch: nothing replaced, their new tokens revoked', async () => {
    const h = await harness();
    await h.core.signIn('demo');
    await expect(h.core.request({ method: 'GET', path: '/admin' })).rejects.toMatchObject({ code: 'step_up_required' });
    const rtBefore = h.vault.loadAccounts()[0]!.refreshToken;
    const revocationsBefore = demo.counters.revocations;

    const stranger = await launchSystemBrowser({
      captureSchemes: [`${SCHEME}:`],
      onRedirect: (url) => h.core.handleRedirect(url),
      autoLogin: { ...demo.colleague, consent: 'allow' },
    });
    try {
      h.opener = stranger.open;
      await expect(h.core.requestStepUp()).rejects.toMatchObject({ code: 'account_mismatch' });
    } finally {
      await stranger.close();
    }
    await until(() => demo.counters.revocations - revocationsBefore >= 2, 5_000, 'the discarded tokens revoked');
    expect(h.vault.loadAccounts().map((a) => [a.id, a.refreshToken])).toEqual([['demo:demo-user', rtBefore]]);
    expect(h.core.listAccounts()).toEqual([expect.objectContaining({ id: 'demo:demo-user', active: true, needsAttention: true, stepUpNeeded: ['#0'] })]);
    expect(await json(h, { method: 'GET', path: '/me' })).toMatchObject({ status: 200, body: { sub: 'demo-user' } });
    await h.core.signOutAll();
  });

  it('a provider that ignores acr_values: step_up_failed, the old tokens kept and still working', async () => {
    const h = await harness();
    Object.assign(h.person, lax.credentials);
    await h.core.signIn('lax');
    await expect(h.core.request({ method: 'GET', path: '/admin' })).rejects.toMatchObject({ code: 'step_up_required' });
    const rtBefore = h.vault.loadAccounts()[0]!.refreshToken;

    await expect(h.core.requestStepUp()).rejects.toMatchObject({
      code: 'step_up_failed',
      message:
        'The stronger sign-in did not succeed: the identity provider confirmed a weaker kind of sign-in than the one asked for. Nothing was changed; you are still signed in as before.',
    });
    expect(h.vault.loadAccounts().map((a) => [a.id, a.refreshToken])).toEqual([['lax:demo-user', rtBefore]]);
    expect(h.core.listAccounts()[0]).toMatchObject({ needsAttention: true, stepUpNeeded: ['#0'] });
    expect(await json(h, { method: 'GET', path: '/me' })).toMatchObject({ status: 200, body: { sub: 'demo-user' } });
    expect(await json(h, { method: 'GET', path: '/me', api: 'contacts' })).toMatchObject({ status: 200 });
    await h.core.signOutAll();
  });
});

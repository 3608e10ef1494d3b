/**
 * Sign-in on another device (RFC 8628) against real parts: oidc-provider's
 * device flow (`features.deviceFlow`) on 127.0.0.1 with its own device pages,
 * and Debian's Chromium playing the person's phone, where the user code is
 * typed at the provider's device page.
 *
 * oidc-provider sends no `interval` and never `slow_down`; the demo provider
 * adds RFC 8628 §3.2's `interval` (1 s, to keep the suite quick), and one test
 * relabels the provider's own `authorization_pending` answer as `slow_down`
 * (a koa middleware on the real provider: RFC 8628 §3.5's "polling too fast").
 * The core's fetch is wrapped only to observe the polls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES } from '../../main/app-config';
import { parseAppConfig, type AppConfig } from '../../main/auth/config';
import type { DeviceSignInPrompt, FetchLike, SessionState } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { launchChromium } from '../helpers/chromium';
import { REDIRECT_URI as REDIRECT, SCHEME, startCoreRig, type CoreRig } from '../helpers/core-rig';
import { skipWithoutChromium } from '../helpers/skip-without-chromium';
import { until } from '../helpers/until';

skipWithoutChromium();

let demo: DemoProvider;
/** Device codes that live 2 s. */
let brief: DemoProvider;
/** No device flow at all. */
let browserOnly: DemoProvider;
/** While above zero, the provider's `authorization_pending` answers go out as `slow_down` (counted down). */
let slowDowns = 0;
let chromium: Browser;
let dir: string;
let config: AppConfig;

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const profile = (id: string, d: DemoProvider, deviceCode: 'fallback' | 'only') => ({
  id,
  displayName: `Demo ${id}`,
  issuer: d.issuer,
  clientId: d.clientId,
  scopes: DEFAULT_SCOPES,
  apiBaseUrls: [d.apiBaseUrl],
  deviceCode,
});

beforeAll(async () => {
  demo = await startDemoProvider({
    redirectUris: [REDIRECT],
    deviceFlow: { intervalSeconds: 1 },
    accessTokenTtlSeconds: 120,
    onProvider: (provider) => {
      provider.use(async (ctx, next) => {
        await next();
        const body: unknown = ctx.body;
        if (slowDowns > 0 && ctx.path === '/token' && ctx.status === 400 && (body as { error?: unknown } | null)?.error === 'authorization_pending') {
          slowDowns -= 1;
          ctx.body = { error: 'slow_down', error_description: 'polling too fast' };
        }
      });
    },
  });
  brief = await startDemoProvider({ redirectUris: [REDIRECT], deviceFlow: { intervalSeconds: 1, ttlSeconds: 2 } });
  browserOnly = await startDemoProvider({ redirectUris: [REDIRECT], deviceFlow: false });
  config = parseAppConfig({
    scheme: SCHEME,
    providers: [profile('demo', demo, 'fallback'), profile('kiosk', demo, 'only'), profile('brief', brief, 'only'), profile('nodevice', browserOnly, 'only')],
  });
  chromium = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'device-it-'));
});

afterAll(async () => {
  for (const d of [demo, brief, browserOnly] as (DemoProvider | undefined)[]) await d?.close();
  await (chromium as Browser | undefined)?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  rig: CoreRig;
  /** When each device-code poll reached the token endpoint (ms). */
  polls: number[];
  /** Device codes the provider handed out (to prove none reached the window's state). */
  deviceCodes: string[];
  opened: string[];
}

const open: Harness[] = [];

async function harness(openUrl: (url: string) => Promise<void> = () => Promise.reject(new Error('no browser on this kiosk'))): Promise<Harness> {
  const polls: number[] = [];
  const deviceCodes: string[] = [];
  const opened: string[] = [];
  const observingFetch: FetchLike = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const body = typeof init?.body === 'string' || init?.body instanceof URLSearchParams ? new URLSearchParams(init.body) : undefined;
    if (url.endsWith('/token') && body?.get('grant_type') === DEVICE_GRANT) polls.push(Date.now());
    const response = await fetch(input, init);
    if (url.endsWith('/device/auth') && response.ok) {
      const code = ((await response.clone().json()) as { device_code?: unknown }).device_code;
      if (typeof code === 'string') deviceCodes.push(code);
    }
    return response;
  };
  const rig = await startCoreRig({
    dir,
    config,
    fetch: observingFetch,
    openUrl: (url) => {
      opened.push(url);
      return openUrl(url);
    },
  });
  const h = { rig, polls, deviceCodes, opened };
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) await h.rig.core.dispose();
});

/** The prompt the window was given, once the core has it. */
async function promptOf(h: Harness): Promise<DeviceSignInPrompt> {
  let prompt: DeviceSignInPrompt | undefined;
  await until(
    () => {
      const s = h.rig.core.getSession();
      prompt = s.status === 'signing_in' ? s.device : undefined;
      return prompt !== undefined;
    },
    10_000,
    'the device prompt',
  );
  return prompt!;
}

/** The person on their phone: opens the verification URI, types the code, confirms, signs in, allows. */
async function enterCode(prompt: DeviceSignInPrompt, who: { username: string; password: string }, answer: 'confirm' | 'abort' = 'confirm'): Promise<Page> {
  const context = await chromium.newContext();
  const page = await context.newPage();
  await page.goto(prompt.verificationUri);
  expect(await page.textContent('body')).toMatch(/If someone sent you a code or asked you to enter one, stop here/);
  await page.fill('#user_code', prompt.userCode);
  await Promise.all([page.waitForLoadState('domcontentloaded'), page.click('#continue')]);
  expect(await page.textContent('#confirm-code')).toBe(prompt.userCode);
  await Promise.all([page.waitForLoadState('domcontentloaded'), page.click(answer === 'confirm' ? '#confirm' : '#abort')]);
  if (answer === 'abort') return page;
  await page.fill('input[name="username"]', who.username);
  await page.fill('input[name="password"]', who.password);
  await Promise.all([page.waitForLoadState('domcontentloaded'), page.click('button[type="submit"]')]);
  await page.click('#allow');
  await page.waitForSelector('#device-done', { timeout: 10_000 });
  return page;
}

/** No poll reaches the provider for `ms` after the sign-in settled. */
async function expectNoPollingFor(h: Harness, ms: number): Promise<void> {
  const count = h.polls.length;
  await new Promise((r) => setTimeout(r, ms));
  expect(h.polls.length).toBe(count);
}

describe('sign-in on another device (RFC 8628)', () => {
  it('the browser cannot be opened → device code; the code typed in Chromium at the provider ends signed in (vault, DPoP, refresh)', async () => {
    const h = await harness();
    const signIn = h.rig.core.signIn('demo');
    const prompt = await promptOf(h);
    // The browser was tried once (the profile's fallback), then the provider was asked for a code.
    expect(h.opened).toHaveLength(1);
    expect(prompt.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(prompt.verificationUri).toBe(`${demo.issuer}/device`);
    expect(new URL(prompt.verificationUriComplete!).searchParams.get('user_code')).toBe(prompt.userCode);
    expect(prompt.expiresAt).toBeGreaterThan(Date.now() + 9 * 60_000);

    const page = await enterCode(prompt, demo.credentials);
    const state = await signIn;
    await page.context().close();
    expect(state).toMatchObject({ status: 'signed_in', providerId: 'demo', user: { sub: 'demo-user', name: 'Demo User' } });
    // The same rules as a browser sign-in: an encrypted vault entry with the refresh token and the DPoP key.
    const [saved] = h.rig.vault.loadAccounts();
    expect(saved).toMatchObject({ id: 'demo:demo-user', providerId: 'demo' });
    expect(saved!.refreshToken).toBeTruthy();
    expect(saved!.dpopKey).toBeDefined();
    expect(h.rig.rawVault()).not.toContain(saved!.refreshToken!);
    const me = await h.rig.core.request({ method: 'GET', path: '/me' });
    expect(JSON.parse(me.body)).toMatchObject({ sub: 'demo-user', tokenBinding: expect.stringMatching(/^DPoP/) as unknown });
    // The access token expires: one refresh, as for any sign-in.
    const refreshes = demo.counters.refreshToken;
    h.rig.advance(10 * 60_000);
    expect((await h.rig.core.request({ method: 'GET', path: '/me' })).status).toBe(200);
    expect(demo.counters.refreshToken - refreshes).toBe(1);
    // The window saw the user code, never the device code.
    expect(h.deviceCodes).toHaveLength(1);
    expect(JSON.stringify(h.rig.states)).not.toContain(h.deviceCodes[0]);
    expect(h.rig.states.some((s: SessionState) => s.status === 'signing_in' && s.device?.userCode === prompt.userCode)).toBe(true);
    await expectNoPollingFor(h, 2_500);
    await h.rig.core.signOutAll();
  });

  it('slow_down makes the polls 5 s further apart; cancel then ends it at once, nothing polls afterwards', async () => {
    const h = await harness();
    slowDowns = 1;
    const signIn = h.rig.core.signIn('kiosk');
    await promptOf(h);
    expect(h.opened).toEqual([]); // `only`: no browser is ever opened
    await until(() => h.polls.length >= 3, 15_000, 'three polls');
    const [first, second, third] = h.polls as [number, number, number];
    // The server's interval (1 s) until slow_down, then 1 + 5 s (RFC 8628 §3.5).
    expect(second - first).toBeGreaterThanOrEqual(5_900);
    expect(third - second).toBeGreaterThanOrEqual(5_900);
    h.rig.core.cancelSignIn();
    await expect(signIn).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    expect(h.rig.core.getSession().status).toBe('signed_out');
    await expectNoPollingFor(h, 7_000);
  }, 40_000);

  it('the code expires before it is used: sign_in_timeout, signed out, no polling left', async () => {
    const h = await harness();
    const started = Date.now();
    const signIn = h.rig.core.signIn('brief');
    await expect(signIn).rejects.toMatchObject({ code: 'sign_in_timeout', message: expect.stringMatching(/code expired/) as unknown });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(h.polls.length).toBeGreaterThanOrEqual(1);
    expect(h.rig.core.getSession()).toMatchObject({ status: 'signed_out' });
    expect(h.rig.vault.loadAccounts()).toEqual([]);
    await expectNoPollingFor(h, 2_500);
  });

  it('the person refuses on the other device: access_denied, nothing stored', async () => {
    const h = await harness();
    const signIn = h.rig.core.signIn('kiosk');
    const page = await enterCode(await promptOf(h), demo.credentials, 'abort');
    await expect(signIn).rejects.toMatchObject({ code: 'access_denied' });
    await page.context().close();
    expect(h.rig.vault.loadAccounts()).toEqual([]);
    await expectNoPollingFor(h, 2_000);
  });

  it('"Sign in on another device" for a provider without the device flow: invalid_config naming it; not allowed by the profile: invalid_request', async () => {
    const h = await harness();
    await expect(h.rig.core.signIn('nodevice')).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringMatching(/does not offer sign-in on another device/) as unknown,
    });
    expect(h.rig.core.getSession().status).toBe('signed_out');
    const strict = parseAppConfig({ scheme: SCHEME, providers: [{ ...profile('plain', demo, 'only'), deviceCode: undefined }] });
    const rig = await startCoreRig({ dir, config: strict, openUrl: () => Promise.resolve() });
    await expect(rig.core.signIn('plain', { onAnotherDevice: true })).rejects.toMatchObject({ code: 'invalid_request' });
    await rig.core.dispose();
  });
});

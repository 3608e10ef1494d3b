/**
 * The embedded demo provider against real parts: openid-client as the
 * relying party, Debian's Chromium as the person's system browser, plain
 * fetch as the API caller. What these tests pin down is what the auth core
 * builds on: discovery, code + PKCE with a private-use scheme redirect (and a
 * loopback one), RFC 9207 `iss`, refresh rotation, RFC 7009 revocation and an
 * API that refuses revoked and expired tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { CHROMIUM_MISSING, launchChromium } from '../helpers/chromium';
import { REDIRECT_URI as REDIRECT, SCHEME } from '../helpers/core-rig';
import { skipWithoutChromium } from '../helpers/skip-without-chromium';
import { launchSystemBrowser, type AutoLogin, type SystemBrowser } from '../helpers/system-browser';
import { until } from '../helpers/until';

skipWithoutChromium();

const LOOPBACK_REDIRECT = 'http://127.0.0.1/callback';
const SCOPE = 'openid profile email offline_access';

let browser: Browser;
let demo: DemoProvider;
let rp: client.Configuration;
const cleanups: (() => Promise<void>)[] = [];
/** Closes what `beforeAll` started: nothing if it returned early or failed part-way. */
const closeAfterAll: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (CHROMIUM_MISSING) return;
  browser = await launchChromium();
  closeAfterAll.unshift(() => browser.close());
  demo = await startDemoProvider({ redirectUris: [REDIRECT, LOOPBACK_REDIRECT] });
  closeAfterAll.unshift(() => demo.close());
  rp = await relyingParty(demo);
});

afterAll(async () => {
  for (const close of closeAfterAll) await close();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function relyingParty(provider: DemoProvider): Promise<client.Configuration> {
  // http issuer on loopback: allowed for tests only.
  return client.discovery(new URL(provider.issuer), provider.clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
    execute: [client.allowInsecureRequests],
  });
}

interface Attempt {
  url: URL;
  verifier: string;
  state: string;
}

async function authorizationRequest(config: client.Configuration, redirectUri = REDIRECT): Promise<Attempt> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  return { url, verifier, state };
}

async function systemBrowser(autoLogin: AutoLogin | false): Promise<{ sb: SystemBrowser; redirects: string[] }> {
  const redirects: string[] = [];
  const sb = await launchSystemBrowser({ captureSchemes: [`${SCHEME}:`], onRedirect: (u) => redirects.push(u), autoLogin, browser });
  cleanups.push(() => sb.close());
  return { sb, redirects };
}

/** A full sign-in as a person would do it; returns the token response. */
async function signIn(provider: DemoProvider, config: client.Configuration) {
  const { sb, redirects } = await systemBrowser({ ...provider.credentials, consent: 'allow' });
  const attempt = await authorizationRequest(config);
  await sb.open(attempt.url.href);
  await until(() => redirects.length > 0);
  await sb.settled();
  expect(sb.errors).toEqual([]);
  expect(redirects).toHaveLength(1);
  const callback = new URL(redirects[0]!);
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: attempt.verifier, expectedState: attempt.state });
  return { callback, tokens };
}

async function callApi(provider: DemoProvider, path: string, token?: string) {
  const res = await fetch(`${provider.apiBaseUrl}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  });
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body: (await res.json()) as Record<string, unknown> };
}

describe('demo provider: discovery', () => {
  it('serves a discovery document openid-client accepts, on loopback, with the features the core relies on', () => {
    expect(demo.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.apiBaseUrl).toBe(`${demo.issuer}/api`);
    expect(demo.clientId).toBe('desktop-demo');
    const meta = rp.serverMetadata();
    expect(meta.issuer).toBe(demo.issuer);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    expect(meta.revocation_endpoint).toBe(`${demo.issuer}/token/revocation`);
    expect(meta.introspection_endpoint).toBe(`${demo.issuer}/token/introspection`);
    expect(meta.end_session_endpoint).toBe(`${demo.issuer}/session/end`);
    expect(meta.userinfo_endpoint).toBe(`${demo.issuer}/me`);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    // DPoP (RFC 9449) and PAR (RFC 9126) are offered, PAR not required by default.
    expect(meta.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
    expect(meta.pushed_authorization_request_endpoint).toBe(`${demo.issuer}/request`);
    expect(meta.require_pushed_authorization_requests).not.toBe(true);
  });

  it('refuses an authorization request without PKCE and one with an unregistered redirect URI', async () => {
    const noPkce = client.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT, scope: SCOPE, state: 's' });
    const res = await fetch(noPkce, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
    // A redirect_uri that is registered gets the error on the redirect.
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.protocol).toBe(`${SCHEME}:`);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);

    const attempt = await authorizationRequest(rp, 'com.evil.app:/callback');
    const bad = await fetch(attempt.url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
    // An unregistered redirect_uri is never redirected to: an error page instead.
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();
    expect(await bad.text()).toMatch(/redirect_uri/);
  });
});

describe('demo provider: sign-in in the system browser', () => {
  it('code + PKCE via a private-use scheme yields access, refresh and ID tokens, with iss on the redirect', async () => {
    const before = { ...demo.counters };
    const { callback, tokens } = await signIn(demo, rp);
    expect(callback.protocol).toBe(`${SCHEME}:`);
    expect(callback.pathname).toBe('/callback');
    // RFC 9207: oidc-provider adds iss to every authorization response (not configurable in v9).
    expect(callback.searchParams.get('iss')).toBe(demo.issuer);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(300);
    // OIDC Core §11: without prompt=consent oidc-provider drops offline_access from the granted
    // scope; the refresh token above comes from the demo's issueRefreshToken policy regardless.
    expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(demo.issuer);
    expect(claims.aud).toBe(demo.clientId);
    expect(claims.sub).toBe('demo-user');

    const info = await client.fetchUserInfo(rp, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: 'demo-user', name: 'Demo User', email: 'demo@example.test' });
    expect(demo.counters.authorizationCode - before.authorizationCode).toBe(1);
  });

  it('shows the demo credentials, re-renders with an error on a wrong password, then signs in', async () => {
    const { sb, redirects } = await systemBrowser(false);
    const attempt = await authorizationRequest(rp);
    await sb.open(attempt.url.href);
    const page = sb.lastPage()!;
    const username = page.locator('input[name="username"]');
    await username.waitFor({ state: 'visible', timeout: 10_000 });
    const hint = await page.locator('.hint').innerText();
    expect(hint).toContain(`username ${demo.credentials.username}`);
    expect(hint).toContain(`password ${demo.credentials.password}`);
    expect(await page.locator('button[type="submit"]').innerText()).toBe('Sign in');

    await username.fill(demo.credentials.username);
    await page.fill('input[name="password"]', 'wrong-password');
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().includes('/login'), { timeout: 10_000 }), page.click('button[type="submit"]')]);
    // Pages are locked down: nothing but inline style may load.
    expect(response.headers()['content-security-policy']).toMatch(/default-src 'none'/);
    await expect(page.locator('[role="alert"]').innerText({ timeout: 10_000 })).resolves.toMatch(/Wrong username or password/);
    expect(await page.content()).not.toContain('wrong-password');
    expect(redirects).toEqual([]);

    await page.fill('input[name="username"]', demo.credentials.username);
    await page.fill('input[name="password"]', demo.credentials.password);
    await page.click('button[type="submit"]');
    await page.locator('#allow').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#deny').innerText()).toBe('Deny');
    await page.click('#allow').catch(() => {});
    await until(() => redirects.length > 0);
    const tokens = await client.authorizationCodeGrant(rp, new URL(redirects[0]!), {
      pkceCodeVerifier: attempt.verifier,
      expectedState: attempt.state,
    });
    expect(tokens.access_token).toBeTruthy();
  });

  it('Deny ends the authorization with error=access_denied on the redirect', async () => {
    const before = demo.counters.authorizationCode;
    const { sb, redirects } = await systemBrowser({ ...demo.credentials, consent: 'deny' });
    const attempt = await authorizationRequest(rp);
    await sb.open(attempt.url.href);
    await until(() => redirects.length > 0);
    await sb.settled();
    const callback = new URL(redirects[0]!);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(attempt.state);
    expect(callback.searchParams.get('iss')).toBe(demo.issuer);
    expect(callback.searchParams.has('code')).toBe(false);
    await expect(client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: attempt.verifier, expectedState: attempt.state })).rejects.toMatchObject({
      error: 'access_denied',
    });
    expect(demo.counters.authorizationCode).toBe(before);
  });

  it("accepts a loopback redirect on any port (RFC 8252 §7.3): the browser lands on the app's own server", async () => {
    const hits: string[] = [];
    const app: Server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('You can close this window.');
    });
    await new Promise<void>((resolve) =>
      app.listen(0, '127.0.0.1', () => {
        resolve();
      }),
    );
    cleanups.push(
      () =>
        new Promise<void>((resolve) =>
          app.close(() => {
            resolve();
          }),
        ),
    );
    const port = (app.address() as AddressInfo).port;
    const redirectUri = `http://127.0.0.1:${port}/callback`;

    const { sb, redirects } = await systemBrowser({ ...demo.credentials, consent: 'allow' });
    const attempt = await authorizationRequest(rp, redirectUri);
    await sb.open(attempt.url.href);
    await until(() => hits.length > 0);
    await sb.settled();
    expect(redirects).toEqual([]);
    const callback = new URL(hits[0]!, redirectUri);
    expect(callback.searchParams.get('iss')).toBe(demo.issuer);
    const tokens = await client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: attempt.verifier, expectedState: attempt.state });
    expect(tokens.refresh_token).toBeTruthy();
  });
});

describe('demo provider: API, revocation, refresh', () => {
  it('/api/me answers 200 with a valid token and 401 invalid_token without one or with garbage', async () => {
    const { tokens } = await signIn(demo, rp);
    const calls = demo.counters.apiCalls;

    const me = await callApi(demo, '/me', tokens.access_token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ sub: 'demo-user', name: 'Demo User', email: 'demo@example.test' });
    expect(String(me.body.scope).split(' ')).toEqual(expect.arrayContaining(['openid', 'email']));
    expect(Number.isNaN(Date.parse(String(me.body.servedAt)))).toBe(false);

    const hello = await callApi(demo, '/hello', tokens.access_token);
    expect(hello).toMatchObject({ status: 200, body: { message: 'Hello, Demo User!' } });

    for (const token of [undefined, 'garbage-token', `${tokens.access_token}x`]) {
      const refused = await callApi(demo, '/me', token);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_token');
      expect(refused.wwwAuthenticate).toMatch(/^Bearer /);
      expect(refused.wwwAuthenticate).toContain('error="invalid_token"');
    }
    // An ID token is not an access token.
    expect((await callApi(demo, '/me', tokens.id_token)).status).toBe(401);
    expect(demo.counters.apiCalls - calls).toBe(6);
  });

  it('a revoked access token (RFC 7009) is refused by the API', async () => {
    const { tokens } = await signIn(demo, rp);
    const revocations = demo.counters.revocations;
    expect((await callApi(demo, '/me', tokens.access_token)).status).toBe(200);
    await client.tokenRevocation(rp, tokens.access_token, { token_type_hint: 'access_token' });
    expect(demo.counters.revocations - revocations).toBe(1);
    expect((await callApi(demo, '/me', tokens.access_token)).status).toBe(401);
    // oidc-provider revokes the whole grant with it: the refresh token is gone too.
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('revoking the refresh token also ends the access tokens of its grant', async () => {
    const { tokens } = await signIn(demo, rp);
    expect((await callApi(demo, '/me', tokens.access_token)).status).toBe(200);
    await client.tokenRevocation(rp, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    expect((await callApi(demo, '/me', tokens.access_token)).status).toBe(401);
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refresh rotates the refresh token; the old one then fails with invalid_grant and takes the grant with it', async () => {
    const { tokens } = await signIn(demo, rp);
    const refreshes = demo.counters.refreshToken;
    const first = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(first.refresh_token).toBeTruthy();
    expect(first.refresh_token).not.toBe(tokens.refresh_token);
    expect(first.access_token).not.toBe(tokens.access_token);
    expect((await callApi(demo, '/me', first.access_token)).status).toBe(200);

    const second = await client.refreshTokenGrant(rp, first.refresh_token!);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(demo.counters.refreshToken - refreshes).toBe(2);

    // Re-using a rotated refresh token is treated as theft: invalid_grant, and every
    // token of the grant (including the newest refresh and access tokens) is revoked.
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(rp, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await callApi(demo, '/me', second.access_token)).status).toBe(401);
    expect(demo.counters.refreshToken - refreshes).toBe(2);
  });

  it('an expired access token is refused; a refresh then gets a working one', async () => {
    const shortLived = await startDemoProvider({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 2 });
    cleanups.push(() => shortLived.close());
    const config = await relyingParty(shortLived);
    const { tokens } = await signIn(shortLived, config);
    expect(tokens.expires_in).toBe(2);
    expect((await callApi(shortLived, '/me', tokens.access_token)).status).toBe(200);
    const deadline = Date.now() + 6_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await callApi(shortLived, '/me', tokens.access_token)).status;
    }
    expect(status).toBe(401);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await callApi(shortLived, '/me', refreshed.access_token)).status).toBe(200);
    expect(shortLived.counters).toMatchObject({ authorizationCode: 1, refreshToken: 1, revocations: 0 });
  });
});

describe('demo provider: lifecycle', () => {
  it('listens where asked and close() frees the port', async () => {
    const first = await startDemoProvider({ redirectUris: [REDIRECT] });
    const port = Number(new URL(first.issuer).port);
    expect((await fetch(`${first.issuer}/.well-known/openid-configuration`)).status).toBe(200);
    await first.close();
    await expect(fetch(`${first.issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();

    // The same port is free again: a new provider can take it explicitly.
    const second = await startDemoProvider({ redirectUris: [REDIRECT], port, clientId: 'other-client' });
    try {
      expect(second.issuer).toBe(`http://127.0.0.1:${port}`);
      expect(second.clientId).toBe('other-client');
      const config = await relyingParty(second);
      expect(config.serverMetadata().issuer).toBe(second.issuer);
    } finally {
      await second.close();
    }
  });
});

/**
 * Sign-out while a refresh grant is in flight, against the real oidc-provider
 * with rotation on: the provider has already rotated the refresh token (RT1 →
 * RT2) when the person signs out, and its answer is held until sign-out has
 * begun. The provider here revokes only the token it is given (as some do),
 * so revoking RT1 alone would leave RT2 valid. Proved with the provider's own
 * introspection.
 *
 * oidc-provider itself cannot be configured that way: `revokeGrantPolicy`
 * returning false only keeps the Grant entry, its revocation still deletes
 * every token of the grant (lib/helpers/revoke.js, `revokeByGrantId`). So a
 * middleware in front of its revocation endpoint destroys exactly the named
 * token through oidc-provider's own models.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as client from 'openid-client';
import type Provider from 'oidc-provider';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAppConfig, type AppConfig } from '../../main/auth/config';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { REDIRECT_URI as REDIRECT, SCHEME, startCoreRig, type CoreRig } from '../helpers/core-rig';
import { loginOverHttp } from '../helpers/http-login';
import { until } from '../helpers/until';

/** The longest the provider holds an answer, whatever the test does. */
const HOLD_LIMIT_MS = 8_000;

/** A token endpoint answer to a refresh grant, held after the provider has rotated (what it issued is known). */
interface Hold {
  armed: boolean;
  /** What the held answer carries. */
  issued?: { refreshToken: string; accessToken: string; resource: string };
  release(): void;
}

let demo: DemoProvider;
let rp: client.Configuration;
let config: AppConfig;
let dir: string;
const revoked: string[] = [];
const hold: Hold = { armed: false, release: () => {} };
/** The revocation endpoint answers 503 (down) while set. */
const revocationDown = { on: false };
const closeAfterAll: (() => Promise<unknown>)[] = [];

async function readForm(ctx: { req: AsyncIterable<unknown> }): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of ctx.req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function playTheProvider(provider: Provider): void {
  // RFC 7009 revocation of the named token only: no grant-wide cascade.
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== '/token/revocation') {
      await next();
      return;
    }
    if (revocationDown.on) {
      ctx.status = 503;
      ctx.body = '';
      return;
    }
    const token = (await readForm(ctx)).get('token') ?? '';
    const found = (await provider.RefreshToken.find(token)) ?? (await provider.AccessToken.find(token));
    if (found?.clientId === demo.clientId) {
      await found.destroy();
      revoked.push(token);
    }
    ctx.status = 200;
    ctx.body = '';
  });
  // Holds the answer to an armed refresh grant after the provider has processed it (and rotated).
  provider.use(async (ctx, next) => {
    await next();
    // Typed as always there, but only the routes oidc-provider served set it.
    const params = (ctx as { oidc?: { params?: Record<string, unknown> } }).oidc?.params;
    if (!hold.armed || ctx.method !== 'POST' || ctx.path !== '/token' || params?.grant_type !== 'refresh_token' || ctx.status !== 200) return;
    hold.armed = false;
    const body = ctx.body as { refresh_token?: unknown; access_token?: unknown };
    if (typeof body.refresh_token !== 'string' || typeof body.access_token !== 'string') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const released = new Promise<void>((resolve) => {
      hold.release = resolve;
      timer = setTimeout(resolve, HOLD_LIMIT_MS);
    });
    const resource = params.resource;
    hold.issued = { refreshToken: body.refresh_token, accessToken: body.access_token, resource: typeof resource === 'string' ? resource : '' };
    await released;
    clearTimeout(timer);
  });
}

beforeAll(async () => {
  demo = await startDemoProvider({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 600, onProvider: playTheProvider });
  closeAfterAll.push(() => demo.close());
  rp = await client.discovery(new URL(demo.issuer), demo.clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  config = parseAppConfig({
    scheme: SCHEME,
    providers: [
      {
        id: 'demo',
        displayName: 'Demo',
        issuer: demo.issuer,
        clientId: demo.clientId,
        scopes: ['openid', 'profile', 'email', 'offline_access', 'contacts:read'],
        apiBaseUrls: [demo.apiBaseUrl],
        apis: [{ id: 'contacts', baseUrl: demo.apis.contacts.baseUrl, resource: demo.apis.contacts.resource, scopes: demo.apis.contacts.scopes }],
      },
    ],
  });
  dir = mkdtempSync(path.join(tmpdir(), 'sign-out-in-flight-'));
});
afterAll(async () => {
  hold.release();
  await Promise.all(closeAfterAll.map((close) => close()));
  rmSync(dir, { recursive: true, force: true });
});

let rigs: CoreRig[] = [];
beforeEach(() => {
  hold.armed = false;
  delete hold.issued;
  revoked.length = 0;
  revocationDown.on = false;
});
afterEach(async () => {
  hold.release();
  for (const r of rigs) await r.core.dispose();
  rigs = [];
});

async function signedIn(extra: Partial<Parameters<typeof startCoreRig>[0]> = {}): Promise<CoreRig> {
  const r = await startCoreRig({
    dir,
    config,
    providerTimeoutSeconds: 5,
    ...extra,
    openUrl: async (url, core) => {
      core.handleRedirect(await loginOverHttp(url, demo.credentials, SCHEME));
    },
  });
  rigs.push(r);
  await r.core.signIn();
  return r;
}

/** A call's outcome, handled from the start (it settles while the test awaits sign-out). */
const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (value) => ({ value }),
    (err: unknown) => err,
  );

/** The provider's own word (RFC 7662) on whether a token still works. */
async function active(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
  return (await client.tokenIntrospection(rp, token, { token_type_hint: hint })).active;
}

/** An API call that needs a refresh (the access token has expired), its answer held after the provider rotated RT1 → RT2. */
async function refreshHeld(r: CoreRig): Promise<{ rt1: string; rt2: string; at2: string; call: Promise<unknown> }> {
  const rt1 = r.vault.load('demo')!.refreshToken!;
  hold.armed = true;
  r.advance(3600_000);
  const call = settle(r.core.request({ method: 'GET', path: '/hello' }));
  await until(() => hold.issued !== undefined, 10_000, 'the held refresh answer');
  return { rt1, rt2: hold.issued!.refreshToken, at2: hold.issued!.accessToken, call };
}

describe('sign-out while a refresh grant is in flight (rotation, per-token revocation)', () => {
  it('the sign-in token: signed out at once, and the rotated refresh token the held answer brings is revoked too', async () => {
    const r = await signedIn();
    const { rt1, rt2, at2, call } = await refreshHeld(r);
    expect(rt2).not.toBe(rt1);
    expect(await active(rt2, 'refresh_token')).toBe(true);

    const signingOut = r.core.signOut();
    // The window shows the person signed out before the provider has answered.
    expect(r.core.getSession().status).toBe('signed_out');
    expect(r.states.at(-1)?.status).toBe('signed_out');
    expect(r.vault.load('demo')).toBeNull();
    hold.release();
    await expect(signingOut).resolves.toMatchObject({ status: 'signed_out', revocation: { outcome: 'revoked', retrying: false } });
    expect(await call).toMatchObject({ code: 'not_signed_in' });

    expect(await active(rt2, 'refresh_token')).toBe(false);
    expect(await active(at2, 'access_token')).toBe(false);
    expect(revoked).toContain(rt2);
    // The rotated token was never written back to the vault.
    expect(r.vault.load('demo')).toBeNull();
    expect(r.rawVault()).not.toContain(rt2);
  });

  it("an API's own down-scoped grant in flight at signOutAll: its rotated refresh token is revoked", async () => {
    const r = await signedIn();
    const rt1 = r.vault.load('demo')!.refreshToken!;
    hold.armed = true;
    const call = settle(r.core.request({ method: 'GET', path: '/me', api: 'contacts' }));
    await until(() => hold.issued !== undefined, 10_000, 'the held refresh answer');
    const { refreshToken: rt2, resource } = hold.issued!;
    expect(resource).toBe(demo.apis.contacts.resource);
    expect(rt2).not.toBe(rt1);

    const signingOut = r.core.signOutAll();
    expect(r.core.getSession().status).toBe('signed_out');
    hold.release();
    await expect(signingOut).resolves.toMatchObject({ status: 'signed_out', accounts: [] });
    expect(await call).toMatchObject({ code: 'not_signed_in' });
    expect(await active(rt2, 'refresh_token')).toBe(false);
  });

  it('the revocation is kept before sign-out waits (an app quit meanwhile retries it at start); a failed one keeps every token it names', async () => {
    // No background retry during the test: the next start does it.
    const r = await signedIn({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const { rt1, rt2, at2, call } = await refreshHeld(r);

    const signingOut = r.core.signOut();
    // While sign-out waits for the held grant, the revocation is already in the vault, not yet tried.
    const held = r.vault.pendingRevocations();
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ attempts: 0, tokens: { refreshToken: rt1 } });
    expect(r.rawVault()).not.toContain(rt1);

    revocationDown.on = true;
    hold.release();
    await expect(signingOut).resolves.toMatchObject({ status: 'signed_out', revocation: { outcome: 'failed', retrying: true } });
    expect(await call).toMatchObject({ code: 'not_signed_in' });
    // The same entry, now with everything that is still to revoke: RT2, the RT1 it replaced, and AT2.
    const kept = r.vault.pendingRevocations();
    expect(kept).toHaveLength(1);
    expect(kept[0]!.id).toBe(held[0]!.id);
    expect(kept[0]).toMatchObject({ attempts: 1, tokens: { refreshToken: rt2, replacedRefreshTokens: [rt1] } });
    expect(kept[0]!.tokens.apiAccessTokens).toContain(at2);
    expect(r.rawVault()).not.toContain(rt2);
    await r.core.dispose();

    // The next start retries it, and the provider takes every token.
    revocationDown.on = false;
    const next = await startCoreRig({ dir, config, providerTimeoutSeconds: 5, storePath: r.storePath, cipher: r.cipher, openUrl: () => Promise.resolve() });
    rigs.push(next);
    await next.core.restore();
    await until(() => next.vault.pendingRevocations().length === 0, 10_000, 'the kept revocation retried at start');
    expect(revoked).toEqual(expect.arrayContaining([rt2, rt1, at2]));
    expect(await active(rt2, 'refresh_token')).toBe(false);
    expect(await active(at2, 'access_token')).toBe(false);
  });

  it('a sign-out the provider takes leaves nothing kept', async () => {
    const r = await signedIn();
    await expect(r.core.signOut()).resolves.toMatchObject({ revocation: { outcome: 'revoked', retrying: false } });
    expect(r.vault.pendingRevocations()).toEqual([]);
  });
});

/**
 * What independent providers taught (django-oauth-toolkit 1.7, LemonLDAP::NG
 * 2.16, glewlwyd 2.7, oauth2-mock-server), replayed against the real
 * oidc-provider with the real auth core: a sign-in with no refresh token says
 * when it ends and why; an `invalid_scope` names the refused scope; explicit
 * endpoints replace a discovery document that cannot be used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Provider } from 'oidc-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAppConfig, type ProviderConfig } from '../../main/auth/config';
import { jsonLinesLogger } from '../../main/auth/log';
import type { FetchLike } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { REDIRECT_URI, SCHEME, startCoreRig, type CoreRig } from '../helpers/core-rig';
import type { TestCipher } from '../helpers/aes-cipher';
import { loginOverHttp } from '../helpers/http-login';

const SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const TTL_SECONDS = 300;

let dir: string;
const demos: DemoProvider[] = [];
const rigs: CoreRig[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'provider-lessons-'));
});
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.core.dispose();
});
afterAll(async () => {
  for (const d of demos) await d.close();
  rmSync(dir, { recursive: true, force: true });
});

async function demo(opts: Partial<Parameters<typeof startDemoProvider>[0]> = {}): Promise<DemoProvider> {
  const d = await startDemoProvider({ redirectUris: [REDIRECT_URI], accessTokenTtlSeconds: TTL_SECONDS, ...opts });
  demos.push(d);
  return d;
}

interface Rig extends CoreRig {
  logs: { level: string; event: string; [field: string]: unknown }[];
  requested: string[];
}

async function rig(d: DemoProvider, profile: Partial<ProviderConfig>, restart?: { storePath: string; cipher: TestCipher }): Promise<Rig> {
  const logs: Rig['logs'] = [];
  const requested: string[] = [];
  const recording: FetchLike = (input, init) => {
    requested.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return fetch(input, init);
  };
  const config = parseAppConfig({
    scheme: SCHEME,
    providers: [{ id: 'demo', displayName: 'Demo', issuer: d.issuer, clientId: d.clientId, scopes: SCOPES, apiBaseUrls: [d.apiBaseUrl], ...profile }],
  });
  const r = await startCoreRig({
    config,
    dir,
    fetch: recording,
    logger: jsonLinesLogger('debug', (line) => logs.push(JSON.parse(line) as Rig['logs'][number])),
    openUrl: async (url, core) => {
      core.handleRedirect(await loginOverHttp(url, d.credentials, SCHEME));
    },
    ...(restart ?? {}),
  });
  rigs.push(r);
  return Object.assign(r, { logs, requested });
}

describe('a sign-in with no refresh token says when it ends, and the log says why', () => {
  it('offline_access dropped (no prompt=consent): the account ends with its access token, the window is told, the log names the cause and the fix; a restart keeps the end', async () => {
    const d = await demo({ refreshTokens: 'offline_access' });
    const r = await rig(d, {});
    const before = Date.now();
    const state = await r.core.signIn();
    const account = state.accounts?.[0];
    expect(account?.signInEndsAt).toBeGreaterThanOrEqual(before + (TTL_SECONDS - 5) * 1000);
    expect(account?.signInEndsAt).toBeLessThanOrEqual(Date.now() + TTL_SECONDS * 1000);
    const warning = r.logs.find((l) => l.event === 'sign_in.no_refresh_token');
    expect(warning).toMatchObject({
      level: 'warn',
      providerId: 'demo',
      likelyCause: 'offline_access_dropped',
      fix: expect.stringContaining('"authorizeParams": { "prompt": "consent" }') as unknown,
    });
    expect(d.counters.refreshToken).toBe(0);

    // The access token is kept (encrypted) and restored: the end comes along.
    const again = await rig(d, {}, { storePath: r.storePath, cipher: r.cipher });
    const restored = await again.core.restore();
    expect(restored).toMatchObject({ status: 'signed_in' });
    expect(restored.accounts?.[0]?.signInEndsAt).toBe(account?.signInEndsAt);
  });

  it('the fix, prompt=consent: the same provider gives a refresh token, and there is no end and no warning', async () => {
    const d = await demo({ refreshTokens: 'offline_access' });
    const r = await rig(d, { authorizeParams: { prompt: 'consent' } });
    const state = await r.core.signIn();
    expect(state.accounts?.[0]).not.toHaveProperty('signInEndsAt');
    expect(r.logs.map((l) => l.event)).not.toContain('sign_in.no_refresh_token');
    expect(r.rawVault()).not.toBe('');
  });
});

describe("invalid_scope: one message naming the scope the provider refused (the token endpoint's wording)", () => {
  const message = (context: string) =>
    `${context}: the provider rejected this app's request: it refused the scope "email". Check the client ID, redirect URI and scopes.`;

  it('in the authorization response', async () => {
    const d = await demo({ clientScope: 'openid profile offline_access' });
    const r = await rig(d, { par: 'off' });
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'invalid_config', message: message('Sign-in') });
    expect(d.counters.authorizationCode).toBe(0);
  });

  it('at the pushed authorization request endpoint, the same words', async () => {
    const d = await demo({ clientScope: 'openid profile offline_access' });
    const r = await rig(d, { par: 'required' });
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'invalid_config', message: message('Pushed authorization request') });
  });
});

describe('explicit endpoints override discovery (django-oauth-toolkit 1.7: discovery only with a trailing slash, no revocation endpoint in it)', () => {
  /** Serves discovery only at `…/openid-configuration/`, without revocation_endpoint, as django-oauth-toolkit 1.7 does. */
  function likeDjangoOauthToolkit(provider: Provider): void {
    provider.use(async (ctx, next) => {
      if (ctx.path === '/.well-known/openid-configuration') {
        ctx.status = 404;
        ctx.body = 'Not Found';
        return;
      }
      if (ctx.path !== '/.well-known/openid-configuration/') {
        await next();
        return;
      }
      ctx.path = '/.well-known/openid-configuration';
      await next();
      const body = { ...(ctx.body as Record<string, unknown>) };
      delete body.revocation_endpoint;
      ctx.body = body;
    });
  }

  it('issuer alone: discovery fails with invalid_config', async () => {
    const d = await demo({ onProvider: likeDjangoOauthToolkit });
    const r = await rig(d, {});
    await expect(r.core.signIn()).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('issuer and endpoints: no discovery request at all, sign-in works, and sign-out revokes at the profile’s revocation endpoint', async () => {
    const d = await demo({ onProvider: likeDjangoOauthToolkit });
    const r = await rig(d, {
      endpoints: {
        authorization: `${d.issuer}/auth`,
        token: `${d.issuer}/token`,
        revocation: `${d.issuer}/token/revocation`,
        userinfo: `${d.issuer}/me`,
      },
    });
    await expect(r.core.signIn()).resolves.toMatchObject({ status: 'signed_in', user: { name: 'Demo User' } });
    expect(r.requested.filter((u) => u.includes('/.well-known/'))).toEqual([]);
    const out = await r.core.signOut();
    expect(out).toMatchObject({ status: 'signed_out', revocation: { outcome: 'revoked' } });
    expect(d.counters.revocations).toBeGreaterThanOrEqual(1);
  });
});

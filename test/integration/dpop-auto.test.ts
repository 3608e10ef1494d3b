/**
 * `dpop: "auto"` is a property of the pair (provider, API) — issue 19 §1.
 * oidc-provider with its defaults (DPoP and PAR on) and the demo API in its
 * three stances: an RFC 6750 API that knows only Bearer and publishes
 * nothing, one that publishes RFC 9728 metadata naming its DPoP algorithms,
 * and one whose metadata requires DPoP. The person is played over plain HTTP
 * (test/helpers/http-login.ts): what matters here is what the core sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig, ProviderConfig } from '../../main/auth/config';
import type { AuthCore, FetchLike } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider, type DemoProviderOptions } from '../../main/demo/demo-provider';
import { REDIRECT_URI, SCHEME, demoTestConfig, startCoreRig, type CoreRig } from '../helpers/core-rig';
import { loginOverHttp } from '../helpers/http-login';

let dir: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dpop-auto-'));
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Sent {
  url: string;
  authorization: string | null;
  dpop: string | null;
}

async function setUp(
  demoOpts: Omit<DemoProviderOptions, 'redirectUris'>,
  profile: Partial<ProviderConfig> = {},
): Promise<{ demo: DemoProvider; rig: CoreRig; sent: Sent[]; opened: string[] }> {
  const demo = await startDemoProvider({ redirectUris: [REDIRECT_URI], ...demoOpts });
  closers.push(() => demo.close());
  const sent: Sent[] = [];
  const opened: string[] = [];
  const recording: FetchLike = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init?.headers);
    sent.push({ url, authorization: headers.get('authorization'), dpop: headers.get('dpop') });
    return fetch(input, init);
  };
  const rig = await startCoreRig({
    // Unless a case says otherwise, the profile says nothing about DPoP: `auto`, no apiBaseUrlsDpop.
    config: withProfile(demoTestConfig(demo), profile),
    dir,
    fetch: recording,
    openUrl: async (url: string, core: AuthCore) => {
      opened.push(url);
      core.handleRedirect(await loginOverHttp(url, demo.credentials, SCHEME));
    },
  });
  closers.push(() => rig.core.dispose());
  return { demo, rig, sent, opened };
}

function withProfile(config: AppConfig, profile: Partial<ProviderConfig>): AppConfig {
  return { ...config, providers: config.providers.map((p) => ({ ...p, ...profile })) };
}

const apiCalls = (sent: Sent[], demo: DemoProvider) => sent.filter((s) => s.url.startsWith(`${demo.apiBaseUrl}/`));
const metadataFetches = (sent: Sent[], demo: DemoProvider) => sent.filter((s) => s.url === `${demo.issuer}/.well-known/oauth-protected-resource/api`);

describe('dpop "auto" against oidc-provider with DPoP and PAR on (its defaults)', () => {
  it('a Bearer-only API (RFC 6750, no metadata) gets Bearer tokens and 200s with an empty profile', async () => {
    const { demo, rig, sent } = await setUp({ apiDpop: 'bearer-only' });
    await expect(rig.core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    // The API was asked once what it takes; it publishes nothing, so nothing was bound.
    expect(metadataFetches(sent, demo)).toHaveLength(1);
    expect(sent.some((s) => s.dpop !== null)).toBe(false);
    expect(rig.vault.loadAccounts()[0]?.dpopKey).toBeUndefined();

    const res = await rig.core.request({ method: 'GET', path: '/me' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ tokenBinding: 'Bearer' });
    expect(apiCalls(sent, demo).map((s) => s.authorization?.split(' ')[0])).toEqual(['Bearer']);
  });

  it('control: the old rule (the provider alone decides, as dpop "required" still does) gets tokens that API refuses', async () => {
    const { rig } = await setUp({ apiDpop: 'bearer-only' }, { dpop: 'required' });
    await rig.core.signIn();
    expect(rig.vault.loadAccounts()[0]?.dpopKey).toBeDefined();
    const res = await rig.core.request({ method: 'GET', path: '/me' });
    expect(res.status).toBe(401);
  });

  it('an API publishing RFC 9728 metadata with dpop_signing_alg_values_supported gets DPoP-bound tokens', async () => {
    const { demo, rig, sent } = await setUp({});
    await rig.core.signIn();
    expect(metadataFetches(sent, demo)).toHaveLength(1);
    expect(rig.vault.loadAccounts()[0]?.dpopKey).toMatchObject({ kty: 'EC' });
    const res = await rig.core.request({ method: 'GET', path: '/me' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ tokenBinding: expect.stringMatching(/^DPoP/) as unknown });
    const call = apiCalls(sent, demo).at(-1)!;
    expect(call.authorization).toMatch(/^DPoP /);
    expect(call.dpop).toBeTruthy();

    // A second sign-in within the cache period asks the API nothing new.
    await rig.core.signIn(undefined, { prompt: 'login' });
    expect(metadataFetches(sent, demo)).toHaveLength(1);
  });

  it('an API whose metadata requires DPoP while the provider does not offer it → invalid_config naming both, nothing opened', async () => {
    const { rig, opened } = await setUp({ dpop: false, apiDpop: 'requires' });
    const err = await rig.core.signIn().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect((err as Error).message).toMatch(
      /^The API http:\/\/127\.0\.0\.1:\d+\/api accepts only DPoP-bound tokens .*but the provider "Demo" \(demo\) does not offer DPoP/,
    );
    expect(opened).toEqual([]);
  });
});

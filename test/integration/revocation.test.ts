/**
 * Revocation that is not silently lost, through the whole core: the signed-out
 * state says how the provider took it; a failed one is kept encrypted in the
 * vault and retried (in the background, and at the next start) for a bounded
 * time. Real oidc-provider; its revocation endpoint behind the fault server to
 * make it refuse or fail; a profile without a revocation endpoint.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../main/auth/config';
import type { FetchLike } from '../../main/auth/types';
import { REVOCATIONS_STORE_KEY } from '../../main/auth/revocation-store';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import type { TestCipher } from '../helpers/aes-cipher';
import { demoTestConfig, REDIRECT_URI as REDIRECT, SCHEME, startCoreRig, type CoreRig, type CoreRigOptions } from '../helpers/core-rig';
import { startFaultServer, type FaultServer } from '../helpers/fault-server';
import { loginOverHttp } from '../helpers/http-login';
import { until } from '../helpers/until';

let demo: DemoProvider;
let fault: FaultServer;
let dir: string;
let rp: client.Configuration;
/** Closes what `beforeAll` started: nothing if it returned early or failed part-way. */
const closeAfterAll: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  demo = await startDemoProvider({ redirectUris: [REDIRECT], accessTokenTtlSeconds: 600 });
  closeAfterAll.push(() => demo.close());
  fault = await startFaultServer(demo.issuer);
  closeAfterAll.push(() => fault.close());
  dir = mkdtempSync(path.join(tmpdir(), 'revocation-'));
  rp = await client.discovery(new URL(demo.issuer), demo.clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
    execute: [client.allowInsecureRequests],
  });
});
afterAll(async () => {
  await Promise.all(closeAfterAll.map((close) => close()));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fault.mode = 'pass';
  fault.only = undefined;
  fault.seen.length = 0;
});

function appConfig(withRevocation = true): AppConfig {
  return withRevocation
    ? demoTestConfig(demo)
    : demoTestConfig(demo, { endpoints: { authorization: `${demo.issuer}/auth`, token: `${demo.issuer}/token`, userinfo: `${demo.issuer}/me` } });
}

let rigs: CoreRig[] = [];
afterEach(async () => {
  for (const r of rigs) await r.core.dispose();
  rigs = [];
});

async function rig(opts: { storePath?: string; cipher?: TestCipher; withRevocation?: boolean; core?: Partial<CoreRigOptions> } = {}): Promise<CoreRig> {
  // The revocation endpoint goes through the fault server; everything else straight to the provider.
  const routed: FetchLike = async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(url === `${demo.issuer}/token/revocation` ? `${fault.origin}/token/revocation` : url, init);
  };
  const r = await startCoreRig({
    dir,
    storePath: opts.storePath,
    cipher: opts.cipher,
    config: appConfig(opts.withRevocation ?? true),
    fetch: routed,
    providerTimeoutSeconds: 2,
    backoff: { baseMs: 200, maxMs: 400 },
    openUrl: async (url, core) => {
      core.handleRedirect(await loginOverHttp(url, demo.credentials, SCHEME));
    },
    ...opts.core,
  });
  rigs.push(r);
  return r;
}

/** The refresh token still works at the provider (introspection would tell the same). */
async function stillValid(refreshToken: string): Promise<boolean> {
  try {
    await client.refreshTokenGrant(rp, refreshToken);
    return true;
  } catch {
    return false;
  }
}
const revocationsSeen = () => fault.seen.filter((s) => s.path === '/token/revocation');

describe('revocation outcome in the signed-out state', () => {
  it('the provider revokes → revocation: revoked, nothing kept', async () => {
    const r = await rig();
    await r.core.signIn();
    await expect(r.core.signOut()).resolves.toMatchObject({ status: 'signed_out', revocation: { outcome: 'revoked', retrying: false } });
    expect(r.vault.pendingRevocations()).toEqual([]);
  });

  it('a provider without a revocation endpoint → revocation: not_offered, nothing sent, nothing kept', async () => {
    const r = await rig({ withRevocation: false });
    await r.core.signIn();
    await expect(r.core.signOut()).resolves.toMatchObject({ status: 'signed_out', revocation: { outcome: 'not_offered', retrying: false } });
    expect(revocationsSeen()).toHaveLength(0);
    expect(r.vault.pendingRevocations()).toEqual([]);
  });

  it('the provider refuses (401 invalid_client) → failed, kept encrypted, retried in the background until it works', async () => {
    const r = await rig();
    await r.core.signIn();
    const rt = r.vault.load('demo')!.refreshToken!;
    fault.mode = 'respond';
    fault.response = { status: 401, body: JSON.stringify({ error: 'invalid_client' }), contentType: 'application/json' };
    await expect(r.core.signOut()).resolves.toMatchObject({ status: 'signed_out', revocation: { outcome: 'failed', retrying: true } });
    // Kept in the vault, encrypted: the raw file holds no token.
    const raw = readFileSync(r.storePath, 'utf8');
    expect(raw).toContain(REVOCATIONS_STORE_KEY);
    expect(raw).not.toContain(rt);
    expect(r.vault.pendingRevocations()).toHaveLength(1);
    // Retried with backoff while it keeps refusing, then the provider accepts.
    await until(() => revocationsSeen().length >= 4, 10_000, 'a retry');
    fault.mode = 'pass';
    await until(
      () => r.core.getSession().status === 'signed_out' && (r.core.getSession() as { revocation?: { outcome: string } }).revocation?.outcome === 'revoked',
      10_000,
      'revoked',
    );
    expect(r.states.at(-1)).toMatchObject({ revocation: { outcome: 'revoked', retrying: false } });
    expect(r.vault.pendingRevocations()).toEqual([]);
    expect(await stillValid(rt)).toBe(false);
  });

  it('the provider is down at sign-out → failed and kept; revoked at the next start; the token is dead at the provider', async () => {
    const first = await rig({ core: { backoff: { baseMs: 60_000, maxMs: 60_000 } } });
    await first.core.signIn();
    const rt = first.vault.load('demo')!.refreshToken!;
    fault.mode = 'status500';
    await expect(first.core.signOut()).resolves.toMatchObject({ revocation: { outcome: 'failed', retrying: true } });
    await first.core.dispose();
    fault.mode = 'pass';

    const next = await rig({ storePath: first.storePath, cipher: first.cipher });
    await expect(next.core.restore()).resolves.toMatchObject({ status: 'signed_out', revocation: { outcome: 'failed', retrying: true } });
    await until(() => next.vault.pendingRevocations().length === 0, 10_000, 'revocation retried at start');
    await until(() => (next.core.getSession() as { revocation?: { outcome: string } }).revocation?.outcome === 'revoked', 5_000, 'state updated');
    expect(await stillValid(rt)).toBe(false);
  });

  it('two failed sign-outs in a row: both kept, both revoked once the provider answers', async () => {
    const r = await rig();
    fault.mode = 'status500';
    await r.core.signIn();
    const first = r.vault.load('demo')!.refreshToken!;
    await r.core.signOut();
    await r.core.signIn();
    const second = r.vault.load('demo')!.refreshToken!;
    await r.core.signOut();
    expect(r.vault.pendingRevocations().length).toBe(2);
    fault.mode = 'pass';
    await until(() => r.vault.pendingRevocations().length === 0, 10_000, 'both revoked');
    expect(await stillValid(first)).toBe(false);
    expect(await stillValid(second)).toBe(false);
  });

  it('retries are bounded: after the maximum number of attempts the kept revocation is given up and the window says failed', async () => {
    const r = await rig({ core: { revocationMaxAttempts: 3 } });
    await r.core.signIn();
    fault.mode = 'status500';
    await r.core.signOut();
    await until(() => r.vault.pendingRevocations().length === 0, 10_000, 'given up');
    // Two tokens per attempt (refresh and access), three attempts, then nothing more.
    expect(revocationsSeen()).toHaveLength(6);
    await new Promise((res) => setTimeout(res, 600));
    expect(revocationsSeen()).toHaveLength(6);
    expect(r.core.getSession()).toMatchObject({ status: 'signed_out', revocation: { outcome: 'failed', retrying: false } });
  });

  it('retries are bounded in time: a kept revocation older than the window is dropped at start', async () => {
    const first = await rig({ core: { backoff: { baseMs: 60_000, maxMs: 60_000 } } });
    await first.core.signIn();
    fault.mode = 'status500';
    await first.core.signOut();
    await first.core.dispose();
    fault.seen.length = 0;
    const next = await rig({ storePath: first.storePath, cipher: first.cipher, core: { revocationRetryWindowMs: 7 * 24 * 3600_000 } });
    next.advance(8 * 24 * 3600_000);
    await next.core.restore();
    await until(() => next.vault.pendingRevocations().length === 0, 5_000, 'dropped');
    expect(revocationsSeen()).toHaveLength(0);
  });
});

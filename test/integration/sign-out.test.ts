/**
 * sign-out.ts against real servers: oidc-provider's RFC 7009 endpoint
 * (revoked), the same endpoint behind a server that fails (failed), a profile
 * without a revocation endpoint (not_offered) and an unreachable provider.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderConfig } from '../../main/auth/config';
import { resolveProvider } from '../../main/auth/provider-client';
import { revokeAndEndSession } from '../../main/auth/sign-out';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { startFaultServer, type FaultServer } from '../helpers/fault-server';
import { REDIRECT_URI } from '../helpers/core-rig';

let demo: DemoProvider;
let fault: FaultServer;

beforeAll(async () => {
  demo = await startDemoProvider({ redirectUris: [REDIRECT_URI] });
  fault = await startFaultServer(demo.issuer, 'status500');
});
afterAll(async () => {
  await fault.close();
  await demo.close();
});

const tokens = { accessToken: 'at-never-logged', refreshToken: 'rt-never-logged', tokenType: 'Bearer' };

function profile(endpoints?: ProviderConfig['endpoints']): ProviderConfig {
  return {
    id: 'demo',
    displayName: 'Demo',
    ...(endpoints ? { endpoints, issuer: demo.issuer } : { issuer: demo.issuer }),
    clientId: demo.clientId,
    scopes: ['openid'],
    apiBaseUrls: [demo.apiBaseUrl],
  };
}

async function run(p: ProviderConfig, config?: () => Promise<client.Configuration>) {
  const logs: unknown[] = [];
  const outcome = await revokeAndEndSession(p, tokens, {
    config: config ?? (() => resolveProvider(p)),
    openUrl: async () => {},
    logger: (...a) => logs.push(a),
  });
  expect(JSON.stringify(logs)).not.toMatch(/never-logged/);
  return { outcome, logs };
}

describe('revokeAndEndSession', () => {
  it('the provider accepts the revocation of both tokens → revoked', async () => {
    expect((await run(profile())).outcome).toBe('revoked');
  });

  it('the revocation endpoint answers 500 → failed (the token may stay valid), logged without the token', async () => {
    const meta = (await resolveProvider(profile())).serverMetadata();
    const p = profile({
      authorization: meta.authorization_endpoint!,
      token: meta.token_endpoint!,
      revocation: `${fault.origin}${new URL(meta.revocation_endpoint!).pathname}`,
    });
    const { outcome, logs } = await run(p);
    expect(outcome).toBe('failed');
    expect(JSON.stringify(logs)).toContain('sign_out.revoke_failed');
    expect(fault.seen.some((r) => r.body.includes('token='))).toBe(true);
  });

  it('a provider without a revocation endpoint → not_offered, nothing sent', async () => {
    const meta = (await resolveProvider(profile())).serverMetadata();
    const p = profile({ authorization: meta.authorization_endpoint!, token: meta.token_endpoint! });
    expect((await run(p)).outcome).toBe('not_offered');
  });

  it('the provider cannot be reached → failed, never throws', async () => {
    const { outcome } = await run(profile(), () => Promise.reject(new TypeError('fetch failed')));
    expect(outcome).toBe('failed');
  });
});

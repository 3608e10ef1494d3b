/**
 * userinfo.ts: the person from ID-token claims, the OIDC userinfo endpoint and
 * a plain-JSON userinfo endpoint read by profile paths — against a real HTTP
 * server on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderConfig } from '../../main/auth/config';
import { resolveUserInfo, userFromClaims } from '../../main/auth/userinfo';

let server: Server;
let origin = '';
const seen: (string | undefined)[] = [];
let answer: { status: number; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((r) =>
    server.listen(0, '127.0.0.1', () => {
      r();
    }),
  );
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((r) =>
      server.close(() => {
        r();
      }),
    ),
);

const profile = (over: Partial<ProviderConfig> = {}): ProviderConfig => ({
  id: 'plain',
  displayName: 'Plain',
  endpoints: { authorization: `${origin}/auth`, token: `${origin}/token`, userinfo: `${origin}/me` },
  clientId: 'c',
  scopes: ['read'],
  apiBaseUrls: [`${origin}/api`],
  ...over,
});

function configFor(p: ProviderConfig): client.Configuration {
  const config = new client.Configuration({ issuer: origin, userinfo_endpoint: p.endpoints!.userinfo! }, p.clientId);
  client.allowInsecureRequests(config);
  return config;
}

const noClaims = { claims: () => undefined } as unknown as client.TokenEndpointResponseHelpers;
const deps = { fetch: globalThis.fetch.bind(globalThis), logger: () => {}, timeoutSeconds: 5 };

describe('userFromClaims', () => {
  it.each([
    [
      { sub: 'a', name: 'A', email: 'a@x' },
      { sub: 'a', name: 'A', email: 'a@x' },
    ],
    [
      { id: 42, preferred_username: 'ann' },
      { sub: '42', name: 'ann' },
    ],
    [{ sub: '', name: 'x'.repeat(300) }, { sub: 'unknown' }],
    [{ sub: { nested: true } }, { sub: 'unknown' }],
  ])('%j → %j', (claims, user) => {
    expect(userFromClaims(claims)).toEqual(user);
  });
});

describe('resolveUserInfo', () => {
  it('reads a plain JSON endpoint by the profile paths, sending the token as Bearer', async () => {
    answer = { status: 200, body: JSON.stringify({ data: { uid: 'u-1', display: 'Ann', mail: 'ann@example.com' } }) };
    const p = profile({ userInfo: { sub: 'data.uid', name: 'data.display', email: 'data.mail' } });
    const user = await resolveUserInfo(p, configFor(p), noClaims, { accessToken: 'at-1', tokenType: 'bearer' }, deps);
    expect(user).toEqual({ sub: 'u-1', name: 'Ann', email: 'ann@example.com' });
    expect(seen.at(-1)).toBe('Bearer at-1');
  });

  it('a failing userinfo endpoint does not fail the sign-in: the person is "unknown", and the failure is logged without the token', async () => {
    answer = { status: 500, body: '{}' };
    const logs: unknown[] = [];
    const p = profile();
    const user = await resolveUserInfo(
      p,
      configFor(p),
      noClaims,
      { accessToken: 'at-secret', tokenType: 'Bearer' },
      { ...deps, logger: (...a) => logs.push(a) },
    );
    expect(user).toEqual({ sub: 'unknown' });
    expect(JSON.stringify(logs)).toContain('server_error');
    expect(JSON.stringify(logs)).not.toContain('at-secret');
  });

  it("the callback's parameters named by callback.identity fill only what the token and userinfo did not say", async () => {
    const p = profile({ endpoints: { authorization: `${origin}/auth`, token: `${origin}/token` }, callback: { identity: { sub: 'subject', name: 'who' } } });
    const callback = new URLSearchParams({ code: 'c', subject: 'pot-user-7', who: 'Pat' });
    expect(
      await resolveUserInfo(
        p,
        configFor({ ...p, endpoints: { ...p.endpoints!, userinfo: `${origin}/me` } }),
        noClaims,
        { tokenType: 'Bearer' },
        deps,
        callback,
      ),
    ).toEqual({
      sub: 'pot-user-7',
      name: 'Pat',
    });
    const withClaims = { claims: () => ({ sub: 'from-token' }) } as unknown as client.TokenEndpointResponseHelpers;
    answer = { status: 500, body: '{}' };
    expect(
      await resolveUserInfo(
        p,
        configFor({ ...p, endpoints: { ...p.endpoints!, userinfo: `${origin}/me` } }),
        withClaims,
        { tokenType: 'Bearer' },
        deps,
        callback,
      ),
    ).toEqual({
      sub: 'from-token',
      name: 'Pat',
    });
    // Without the mapping, callback parameters say nothing about the person.
    expect(await resolveUserInfo(profile(), configFor(profile()), noClaims, { tokenType: 'Bearer' }, deps, callback)).toEqual({ sub: 'unknown' });
  });

  it('claims that already name the person skip the network', async () => {
    const before = seen.length;
    const p = profile();
    const withClaims = { claims: () => ({ sub: 's', name: 'N', email: 'e@x' }) } as unknown as client.TokenEndpointResponseHelpers;
    expect(await resolveUserInfo(p, configFor(p), withClaims, { accessToken: 'at', tokenType: 'Bearer' }, deps)).toEqual({ sub: 's', name: 'N', email: 'e@x' });
    expect(seen.length).toBe(before);
  });
});

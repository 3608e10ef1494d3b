/**
 * RFC 9728 protected-resource metadata: the one fetch-and-validate home
 * (main/auth/resource-metadata.ts) against a real HTTP server on 127.0.0.1
 * that answers each path the way a careless or hostile API might, and the
 * per-API DPoP stance built on it (main/auth/api-dpop-support.ts) with its cache.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiDpopSupport, stanceOf } from '../../main/auth/api-dpop-support';
import { parseAppConfig } from '../../main/auth/config';
import { fetchResourceMetadata, metadataUrlFor, resourceMetadataChallenge } from '../../main/auth/resource-metadata';
import type { FetchLike } from '../../main/auth/types';

let server: Server;
let origin = '';
const hits: string[] = [];
/** Path → how to answer it. */
const routes = new Map<string, (res: ServerResponse) => void>();

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    hits.push(path);
    const route = routes.get(path);
    if (route) route(res);
    else json(404, { error: 'not_found' })(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const wk = '/.well-known/oauth-protected-resource';
  routes.set(
    `${wk}/good`,
    json(200, { resource: `${origin}/good`, authorization_servers: [origin], scopes_supported: ['read'], dpop_signing_alg_values_supported: ['ES256'] }),
  );
  routes.set(`${wk}/bearer`, json(200, { resource: `${origin}/bearer`, authorization_servers: [origin] }));
  routes.set(
    `${wk}/requires`,
    json(200, { resource: `${origin}/requires`, dpop_signing_alg_values_supported: ['ES256'], dpop_bound_access_tokens_required: true }),
  );
  routes.set(`${wk}/other`, json(200, { resource: `${origin}/good`, authorization_servers: [origin] }));
  routes.set(`${wk}/http-issuer`, json(200, { resource: `${origin}/http-issuer`, authorization_servers: ['http://auth.example'] }));
  routes.set(`${wk}/bad-type`, json(200, { resource: `${origin}/bad-type`, authorization_servers: 'https://auth.example' }));
  routes.set(`${wk}/array`, json(200, [1, 2]));
  routes.set(`${wk}/huge`, json(200, { resource: `${origin}/huge`, padding: 'x'.repeat(200 * 1024) }));
  routes.set(`${wk}/endless`, (res) => {
    // No Content-Length: only counting the bytes stops it.
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const timer = setInterval(() => res.write(chunk), 1);
    res.on('close', () => {
      clearInterval(timer);
    });
  });
  routes.set(`${wk}/slow`, (res) => {
    setTimeout(() => {
      json(200, { resource: `${origin}/slow` })(res);
    }, 3000).unref();
  });
  routes.set(`${wk}/redirect`, (res) => {
    res.writeHead(302, { location: `${origin}${wk}/good` });
    res.end();
  });
  routes.set(`${wk}/boom`, json(500, { error: 'server_error' }));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const realFetch: FetchLike = globalThis.fetch.bind(globalThis);
const opts = { fetch: realFetch, timeoutMs: 1000 };

describe('fetchResourceMetadata (RFC 9728)', () => {
  it('puts the well-known path between the host and the resource path (§3.1)', () => {
    expect(metadataUrlFor(new URL('https://api.example/v1/tools')).href).toBe('https://api.example/.well-known/oauth-protected-resource/v1/tools');
    expect(metadataUrlFor(new URL('https://api.example/')).href).toBe('https://api.example/.well-known/oauth-protected-resource');
  });

  it('reads valid metadata: authorization servers, scopes, DPoP support', async () => {
    await expect(fetchResourceMetadata(`${origin}/good`, opts)).resolves.toEqual({
      resource: `${origin}/good`,
      authorizationServers: [origin],
      scopes: ['read'],
      dpopAlgs: ['ES256'],
      dpopRequired: false,
    });
  });

  it('an API that publishes none (404) → null, not an error', async () => {
    await expect(fetchResourceMetadata(`${origin}/nothing`, opts)).resolves.toBeNull();
  });

  it.each([
    ['other', /describes another resource .*not http:\/\/127\.0\.0\.1:\d+\/other/],
    ['http-issuer', /the authorization server http:\/\/auth\.example is not an https issuer/],
    ['bad-type', /the field "authorization_servers" is missing or not valid/],
    ['array', /the field "\(top level\)" is missing or not valid/],
    ['huge', /it is larger than 64 KiB \(not read\)/],
    ['endless', /it is larger than 64 KiB \(not read\)/],
    ['redirect', /its metadata address answered 302/],
    ['boom', /its metadata address answered 500/],
  ])('hostile metadata at /%s → invalid_response naming the problem', async (path, message) => {
    const err = await fetchResourceMetadata(`${origin}/${path}`, opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_response' });
    expect((err as Error).message).toMatch(/^The API at http:\/\/127\.0\.0\.1:\d+ published protected-resource metadata \(RFC 9728\) that cannot be used: /);
    expect((err as Error).message).toMatch(message);
  });

  it('a slow API is cut off at the deadline with network_error', async () => {
    const started = Date.now();
    const err = await fetchResourceMetadata(`${origin}/slow`, { ...opts, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'network_error',
      message: expect.stringMatching(/did not send the protected-resource metadata of the API at http:\/\/127\.0\.0\.1:\d+ within 0\.3 s/) as unknown,
    });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('refuses a non-https (remote http) resource or metadata address before sending anything', async () => {
    const before = hits.length;
    await expect(fetchResourceMetadata('http://api.example/x', opts)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(fetchResourceMetadata(`${origin}/good`, { ...opts, from: 'http://api.example/.well-known/oauth-protected-resource' })).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringMatching(/metadata address http:\/\/api\.example is not https/) as unknown,
    });
    expect(hits.length).toBe(before);
  });

  it.each([
    ['Bearer resource_metadata="https://api.example/.well-known/oauth-protected-resource/v1"', 'https://api.example/.well-known/oauth-protected-resource/v1'],
    ['Bearer realm="x", error="invalid_token", resource_metadata="https://a.example/m"', 'https://a.example/m'],
    ['Bearer realm="x", DPoP algs="ES256", resource_metadata="https://a.example/m"', 'https://a.example/m'],
    // An unquoted URL is not a token (RFC 9110 §11.2): malformed, not read.
    ['Bearer resource_metadata=https://a.example/m', null],
    ['Bearer realm="x"', null],
    ['Basic realm="resource_metadata=https://a.example/m"', null],
    [null, null],
  ])('WWW-Authenticate %j → resource_metadata %j (§5.1)', (header, expected) => {
    expect(resourceMetadataChallenge(header)).toBe(expected);
  });
});

describe('ApiDpopSupport: each API’s stance, from the profile or the API, cached', () => {
  const profile = (extra: object) =>
    parseAppConfig({
      scheme: 'com.example.desktop',
      providers: [{ id: 'p', displayName: 'P', issuer: 'https://id.example', clientId: 'c', scopes: ['openid'], ...extra }],
    }).providers[0]!;

  it('the profile’s word wins without a request; otherwise the metadata decides, fetched once per cache period', async () => {
    let now = 0;
    const support = new ApiDpopSupport({ fetch: opts.fetch, clock: () => now, logger: () => undefined });
    const p = profile({
      apiBaseUrls: [`${origin}/good`],
      apis: [
        { id: 'declared', baseUrl: `${origin}/bearer`, dpop: true },
        { id: 'bearer', baseUrl: `${origin}/bearer` },
        { id: 'silent', baseUrl: `${origin}/nothing` },
        { id: 'strict', baseUrl: `${origin}/requires` },
      ],
    });
    const before = hits.length;
    expect(await support.forProvider(p)).toEqual([
      { api: `${origin}/good`, field: 'apiBaseUrlsDpop', stance: 'accepts', source: 'metadata' },
      { api: 'declared', field: 'apis.0.dpop', stance: 'accepts', source: 'profile' },
      { api: 'bearer', field: 'apis.1.dpop', stance: 'bearer', source: 'metadata' },
      { api: 'silent', field: 'apis.2.dpop', stance: 'unknown', source: 'none' },
      { api: 'strict', field: 'apis.3.dpop', stance: 'requires', source: 'metadata' },
    ]);
    expect(hits.length - before).toBe(4);
    await support.forProvider(p);
    expect(hits.length - before).toBe(4);
    now += 11 * 60_000;
    await support.forProvider(p);
    expect(hits.length - before).toBe(8);
  });

  it('unusable metadata counts as none (Bearer) and is asked again next time', async () => {
    const support = new ApiDpopSupport({ fetch: opts.fetch, clock: () => 0, logger: () => undefined });
    const p = profile({ apiBaseUrls: [`${origin}/boom`] });
    const before = hits.length;
    expect((await support.forProvider(p))[0]).toMatchObject({ stance: 'unknown' });
    await support.forProvider(p);
    expect(hits.length - before).toBe(2);
  });

  it('stanceOf reads the two RFC 9728 DPoP fields', () => {
    expect(stanceOf(null)).toBe('unknown');
    expect(stanceOf({ resource: 'x', authorizationServers: [], scopes: [], dpopRequired: false })).toBe('bearer');
    expect(stanceOf({ resource: 'x', authorizationServers: [], scopes: [], dpopAlgs: [], dpopRequired: false })).toBe('bearer');
    expect(stanceOf({ resource: 'x', authorizationServers: [], scopes: [], dpopAlgs: ['ES256'], dpopRequired: false })).toBe('accepts');
    expect(stanceOf({ resource: 'x', authorizationServers: [], scopes: [], dpopRequired: true })).toBe('requires');
  });
});

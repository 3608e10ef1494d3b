/**
 * Finding 4 (SECURITY.md "A redirect gets the same path checks as a direct
 * path"): an allow-listed API that turns hostile answers `302` with a Location
 * that climbs out of its path prefix in a form the URL parser leaves alone.
 * Asked for directly, each is refused; by redirect, the token used to follow.
 * A real HTTP server on loopback records every request that carries the token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../../main/api/api-client';

let server: Server;
let origin = '';
let location = '';
let withToken: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.headers.authorization) withToken.push(req.url ?? '');
    if (req.url === '/api-a/go') res.writeHead(302, { location: location.replace('{origin}', origin) }).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"secret":true}');
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

function call(path: string) {
  return apiRequest(
    {
      baseUrls: [`${origin}/api-a`],
      fetch: globalThis.fetch.bind(globalThis),
      logger: () => {},
      accessToken: () => Promise.resolve({ token: 'tok', type: 'Bearer' }),
    },
    { method: 'GET', path },
  );
}

describe('an API redirect is checked like a path asked for directly', () => {
  it.each([
    ['..;/ (servlet path parameter)', '/api-a/..;/api-b/secret'],
    ['double-encoded dots', '/api-a/%252e%252e/api-b/secret'],
    ['dots and an encoded slash', '/api-a/..%2fapi-b/secret'],
    ['encoded dots and slash', '/api-a/%2e%2e%2fapi-b/secret'],
    ['an absolute Location with ..;', '{origin}/api-a/..;/api-b/secret'],
    ['dots then an encoded NUL (finding 7)', '/api-a/..%00/api-b/secret'],
  ])('%s: refused directly and by redirect, the token never reaches the target', async (_label, target) => {
    const asPath = target.replace('{origin}', '').replace(/^\/api-a/, '');
    await expect(call(asPath)).rejects.toMatchObject({ code: 'host_not_allowed' });
    withToken = [];
    location = target;
    await expect(call('/go')).rejects.toMatchObject({ code: 'host_not_allowed' });
    expect(withToken).toEqual(['/api-a/go']);
  });

  it('a redirect inside the base is still followed with the token', async () => {
    withToken = [];
    location = '/api-a/next';
    await expect(call('/go')).resolves.toMatchObject({ status: 200 });
    expect(withToken).toEqual(['/api-a/go', '/api-a/next']);
  });
});

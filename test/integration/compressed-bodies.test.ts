/**
 * Finding 2 (SECURITY.md "Compressed bodies are counted after decoding"):
 * every body is limited by its DECODED size. Real gzip and brotli from
 * node:zlib, served by a loopback HTTP server with an honest Content-Length
 * (the compressed size), decoded by the real fetch (undici). A probe between
 * fetch and the app counts the decoded bytes the app pulls: before the fix,
 * `response.text()` / `arrayBuffer()` pulled all 32 MiB of a 32 KiB bomb.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../../main/api/api-client';
import { MAX_PROVIDER_RESPONSE_BYTES } from '../../main/api/bounded-body';
import { parseAppConfig } from '../../main/auth/config';
import { DpopKey } from '../../main/auth/dpop';
import { toAuthError } from '../../main/auth/protocol-errors';
import { resolveProvider } from '../../main/auth/provider-client';
import type { FetchLike } from '../../main/auth/types';

const DECODED_BYTES = 32 * 1024 * 1024;
const LIMIT = 1024 * 1024;
/** What a stream may have pulled beyond the limit: the chunk that crossed it and one queued behind it. */
const SLACK = 512 * 1024;

let server: Server;
let origin = '';
let gzipBomb: Buffer;
let brotliBomb: Buffer;
let nonceRound = 0;

function bombJson(): Buffer {
  // Valid JSON all the way, so nothing but the size can refuse it.
  const body = Buffer.alloc(DECODED_BYTES, 0x20);
  body[0] = 0x7b; // {
  body[DECODED_BYTES - 1] = 0x7d; // }
  return body;
}

beforeAll(async () => {
  const plain = bombJson();
  gzipBomb = gzipSync(plain, { level: 9 });
  brotliBomb = brotliCompressSync(plain, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } });
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, encoding: 'gzip' | 'br', body: Buffer, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': String(body.length), ...extra }).end(body);
    };
    if (path.endsWith('/gzip')) send(200, 'gzip', gzipBomb);
    else if (path.endsWith('/br')) send(200, 'br', brotliBomb);
    else if (path.endsWith('/small')) send(200, 'gzip', gzipSync(Buffer.from('{"ok":true}')));
    else if (path.endsWith('/nonce')) {
      nonceRound += 1;
      // The first answer is a use_dpop_nonce challenge whose body declares under 16 KiB (brotli) and is a bomb; the retry succeeds.
      if (nonceRound === 1) send(401, 'br', brotliBomb, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-1' });
      else send(200, 'gzip', gzipSync(Buffer.from('{"ok":true}')));
    } else if (path === '/token') send(200, 'gzip', gzipBomb, { 'cache-control': 'no-store' });
    else if (path === '/.well-known/openid-configuration') send(200, 'br', brotliBomb);
    else res.writeHead(404).end();
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

/** The real fetch, with a count of the decoded bytes each response handed on (one entry per response). */
function probedFetch(): { fetch: FetchLike; pulled: number[] } {
  const pulled: number[] = [];
  const probed = async (input: Parameters<FetchLike>[0], init?: Parameters<FetchLike>[1]): Promise<Response> => {
    const res = await fetch(input, init);
    const index = pulled.push(0) - 1;
    if (!res.body) return res;
    const counting = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          pulled[index] = (pulled[index] ?? 0) + chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    // The headers as the server sent them: Content-Length is the compressed size, as in the attack.
    return new Response(counting, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { fetch: probed, pulled };
}

function bearer() {
  return Promise.resolve({ token: 't', type: 'Bearer' });
}

describe('API responses are limited by their decoded size', () => {
  it.each([
    ['gzip', '/gzip'],
    ['brotli', '/br'],
  ])('a %s bomb with a small Content-Length is refused after at most the limit is decoded', async (_label, path) => {
    const probe = probedFetch();
    const call = apiRequest(
      { baseUrls: [`${origin}/api`], fetch: probe.fetch, logger: () => {}, accessToken: bearer, maxResponseBytes: LIMIT },
      { method: 'GET', path },
    );
    await expect(call).rejects.toMatchObject({ code: 'invalid_response' });
    expect(probe.pulled[0]).toBeGreaterThan(LIMIT);
    expect(probe.pulled[0]).toBeLessThanOrEqual(LIMIT + SLACK);
  });

  it('a compressed answer within the limit arrives decoded', async () => {
    const res = await apiRequest(
      { baseUrls: [`${origin}/api`], fetch: probedFetch().fetch, logger: () => {}, accessToken: bearer },
      { method: 'GET', path: '/small' },
    );
    expect(res).toMatchObject({ status: 200, body: '{"ok":true}' });
  });

  it('the drain before a DPoP nonce retry stops at 16 KiB decoded, whatever Content-Length says', async () => {
    nonceRound = 0;
    const probe = probedFetch();
    const key = await DpopKey.generate('ES256');
    const res = await apiRequest(
      {
        baseUrls: [`${origin}/api`],
        fetch: probe.fetch,
        logger: () => {},
        accessToken: () => Promise.resolve({ token: 't', type: 'DPoP' }),
        dpop: key.resourceProofs,
      },
      { method: 'GET', path: '/nonce' },
    );
    expect(res).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(probe.pulled[0]).toBeLessThanOrEqual(16 * 1024 + SLACK);
  });
});

describe('provider responses are limited by their decoded size (at openid-client’s customFetch)', () => {
  it('a token endpoint answering a gzip bomb: refused, at most the provider limit decoded', async () => {
    const probe = probedFetch();
    const provider = parseAppConfig({
      scheme: 'com.example.desktop',
      providers: [
        {
          id: 'p',
          displayName: 'P',
          endpoints: { authorization: `${origin}/authorize`, token: `${origin}/token` },
          clientId: 'c',
          scopes: [],
          apiBaseUrls: [`${origin}/api`],
        },
      ],
    }).providers[0];
    if (!provider) throw new Error('no provider');
    const config = await resolveProvider(provider, { fetch: probe.fetch });
    await expect(client.refreshTokenGrant(config, 'rt').catch((err: unknown) => Promise.reject(toAuthError(err, 'Refresh')))).rejects.toMatchObject({
      code: 'invalid_response',
      message: expect.stringContaining('too large') as unknown,
    });
    expect(probe.pulled[0]).toBeLessThanOrEqual(MAX_PROVIDER_RESPONSE_BYTES + SLACK);
  });

  it('discovery answering a brotli bomb: refused, at most the provider limit decoded', async () => {
    const probe = probedFetch();
    const provider = parseAppConfig({
      scheme: 'com.example.desktop',
      providers: [{ id: 'p', displayName: 'P', issuer: origin, clientId: 'c', scopes: ['openid'], apiBaseUrls: [`${origin}/api`] }],
    }).providers[0];
    if (!provider) throw new Error('no provider');
    await expect(resolveProvider(provider, { fetch: probe.fetch })).rejects.toMatchObject({ code: 'invalid_config' });
    expect(probe.pulled[0]).toBeLessThanOrEqual(MAX_PROVIDER_RESPONSE_BYTES + SLACK);
  });
});

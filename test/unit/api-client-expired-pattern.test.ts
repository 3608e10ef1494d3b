/**
 * api-client.ts: `expiredTokenPattern` on whatever error status the API uses
 * for an expired token (Proto: "a Session expired or Invalid response error"),
 * still one refresh and one retry; never on a success — against a real HTTP
 * server on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../../main/api/api-client';

let server: Server;
let base = '';
/** What the API answers to the token `old`; `new` always gets 200 unless `refusesNew`. */
let answer = { status: 403, body: '{"error":"Session expired"}', refusesNew: false };
let calls: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    calls.push(token);
    const ok = token === 'new' && !answer.refusesNew;
    res.writeHead(ok ? 200 : answer.status, { 'content-type': 'application/json' }).end(ok ? '{"ok":true}' : answer.body);
  });
  await new Promise<void>((r) =>
    server.listen(0, '127.0.0.1', () => {
      r();
    }),
  );
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(
  () =>
    new Promise<void>((r) =>
      server.close(() => {
        r();
      }),
    ),
);

async function call() {
  calls = [];
  let refreshes = 0;
  const res = await apiRequest(
    {
      baseUrls: [base],
      fetch: globalThis.fetch.bind(globalThis),
      logger: () => {},
      expiredTokenPattern: /Session expired|"Invalid"/i,
      accessToken: (rejected) => {
        if (rejected === undefined) return Promise.resolve({ token: 'old', type: 'Bearer' });
        refreshes += 1;
        return Promise.resolve({ token: 'new', type: 'Bearer' });
      },
    },
    { method: 'GET', path: '/me' },
  );
  return { res, refreshes, calls: [...calls] };
}

describe('expiredTokenPattern', () => {
  it.each([
    [400, '{"error":"Invalid"}'],
    [403, '{"error":"Session expired"}'],
    [419, '{"error":"Session expired"}'],
    [500, '{"error":"Session expired"}'],
    [503, 'Session expired'],
  ])('status %i with a matching body → one refresh, one retry, success', async (status, body) => {
    answer = { status, body, refusesNew: false };
    const r = await call();
    expect(r.res.status).toBe(200);
    expect(r.refreshes).toBe(1);
    expect(r.calls).toEqual(['old', 'new']);
  });

  it.each([
    [200, '{"note":"Session expired yesterday"}'],
    [201, '{"error":"Session expired"}'],
    [403, '{"error":"forbidden"}'],
  ])('status %i with body %s → passed through, no refresh', async (status, body) => {
    answer = { status, body, refusesNew: false };
    // A success is never retried: repeating a request that worked could repeat its effect.
    const r = await call();
    expect(r.res).toMatchObject({ status, body });
    expect(r.refreshes).toBe(0);
    expect(r.calls).toEqual(['old']);
  });

  it('an API that refuses the refreshed token too: its answer is returned after one retry, never a loop', async () => {
    answer = { status: 500, body: '{"error":"Session expired"}', refusesNew: true };
    const r = await call();
    expect(r.res.status).toBe(500);
    expect(r.refreshes).toBe(1);
    expect(r.calls).toEqual(['old', 'new']);
  });
});

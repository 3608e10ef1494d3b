/**
 * Issue 20, finding 3: an API that refuses every token must not turn every
 * call into a refresh grant. At most one forced refresh per (account, API)
 * within 30 s unless the token changed; otherwise the refusal is returned as
 * it is. Against the real oidc-provider (demo provider) and a real HTTP API
 * on loopback that answers 401 — or a 404 whose body echoes the path, which
 * the renderer controls, matching `expiredTokenPattern`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAppConfig } from '../../main/auth/config';
import type { FetchLike } from '../../main/auth/types';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { demoTestConfig, REDIRECT_URI, SCHEME, startCoreRig, type CoreRig } from '../helpers/core-rig';
import { loginOverHttp } from '../helpers/http-login';

let demo: DemoProvider;
let api: Server;
let apiBase = '';
let dir: string;
/** What the API answers every request with. */
let answer: 'always401' | 'echo404' = 'always401';
/** Authorization headers the API received, in order (API calls only, not its RFC 9728 metadata). */
let apiSeen: string[] = [];
/** RFC 9728 metadata requests: the DPoP decision (issue 19) asks the API once per sign-in. */
let metadataSeen = 0;

beforeAll(async () => {
  demo = await startDemoProvider({ redirectUris: [REDIRECT_URI], accessTokenTtlSeconds: 600 });
  api = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/.well-known/oauth-protected-resource')) {
      metadataSeen += 1;
      res.writeHead(404).end();
      return;
    }
    apiSeen.push(req.headers.authorization ?? '');
    if (answer === 'always401') res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    // A body that quotes the request path: whatever the caller puts there, the pattern may match.
    else res.writeHead(404, { 'content-type': 'text/plain' }).end(`No such page: ${req.url ?? ''}`);
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiBase = `http://127.0.0.1:${(api.address() as AddressInfo).port}/api`;
  dir = mkdtempSync(path.join(tmpdir(), 'forced-refresh-'));
});

afterAll(async () => {
  await new Promise((r) => api.close(r));
  await demo.close();
  rmSync(dir, { recursive: true, force: true });
});

let rigs: CoreRig[] = [];
let refreshGrants = 0;

beforeEach(() => {
  apiSeen = [];
  metadataSeen = 0;
  refreshGrants = 0;
});

afterEach(async () => {
  for (const r of rigs) await r.core.dispose();
  rigs = [];
});

async function signedIn(expiredTokenPattern?: string): Promise<CoreRig> {
  const base = demoTestConfig({ ...demo, apiBaseUrl: apiBase });
  const config = parseAppConfig({ ...base, providers: base.providers.map((p) => ({ ...p, ...(expiredTokenPattern ? { expiredTokenPattern } : {}) })) });
  const counting: FetchLike = (input, init) => {
    if (typeof init?.body === 'string' || init?.body instanceof URLSearchParams) {
      if (String(init.body).includes('grant_type=refresh_token')) refreshGrants += 1;
    }
    return fetch(input, init);
  };
  const r = await startCoreRig({
    dir,
    config,
    fetch: counting,
    openUrl: async (url, core) => {
      core.handleRedirect(await loginOverHttp(url, demo.credentials, SCHEME));
    },
  });
  rigs.push(r);
  await r.core.signIn();
  return r;
}

describe('one forced refresh per (account, API) per window', () => {
  it('30 calls to an API that always answers 401: one refresh grant, every call gets the 401 as it is; after the window one more', async () => {
    answer = 'always401';
    const r = await signedIn();
    for (let i = 0; i < 30; i += 1) {
      const res = await r.core.request({ method: 'GET', path: `/thing/${i}` });
      expect(res.status).toBe(401);
    }
    expect(refreshGrants).toBe(1);
    // The first call was retried once with the new token; the others were answered with their first 401.
    expect(apiSeen).toHaveLength(31);
    expect(metadataSeen).toBe(1);
    expect(new Set(apiSeen).size).toBe(2);
    // Once the window has passed, a refusal may refresh again (once).
    r.advance(30_001);
    for (let i = 0; i < 5; i += 1) expect((await r.core.request({ method: 'GET', path: '/again' })).status).toBe(401);
    expect(refreshGrants).toBe(2);
  });

  it('30 calls whose 404 body echoes the path into expiredTokenPattern: one refresh grant, every call gets its 404', async () => {
    answer = 'echo404';
    const r = await signedIn('session.?expired');
    for (let i = 0; i < 30; i += 1) {
      const res = await r.core.request({ method: 'GET', path: '/session-expired', query: { n: String(i) } });
      expect(res.status).toBe(404);
      expect(res.body).toContain('/session-expired');
    }
    expect(refreshGrants).toBe(1);
    expect(apiSeen).toHaveLength(31);
  });

  it('a token that changed meanwhile may be refreshed on its first refusal (the window is per token, not a lock-out)', async () => {
    answer = 'always401';
    const r = await signedIn();
    expect((await r.core.request({ method: 'GET', path: '/a' })).status).toBe(401);
    expect(refreshGrants).toBe(1);
    // The access token expires: an ordinary refresh (not forced) replaces it…
    r.advance(600_000);
    expect((await r.core.request({ method: 'GET', path: '/b' })).status).toBe(401);
    // …and that new token's first refusal is one forced refresh again, though the window has not passed.
    expect(refreshGrants).toBe(3);
  });
});

/**
 * "Point it at an API, nothing else" (issue 23): from a bare API URL to a 200.
 * Counterparts: oidc-provider with its own `features.registration` (RFC 7591)
 * and `features.resourceIndicators` (RFC 8707), and the demo API (built from
 * main/demo/demo-api.ts) that publishes RFC 9728 metadata and answers 401
 * with `resource_metadata`. A hostile resource server on 127.0.0.1 plays the
 * APIs that lie. The person is played over plain HTTP (test/helpers/http-login.ts).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Provider from 'oidc-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAppConfig, type AppConfig } from '../../main/auth/config';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { createTestCipher } from '../helpers/aes-cipher';
import { REDIRECT_URI, SCHEME, demoTestConfig } from '../helpers/core-rig';
import { startRecordingRig, unrelatedAppConfig } from '../helpers/recording-fetch';

let dir: string;
let demo: DemoProvider;
let oidc: Provider;
/** When set, the provider answers every pushed authorization request with invalid_client (a server that keeps forgetting). */
let refuseEveryClient = false;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'api-connection-'));
  demo = await startDemoProvider({
    redirectUris: [REDIRECT_URI],
    onProvider: (p) => {
      oidc = p;
      p.use(async (ctx, next) => {
        if (refuseEveryClient && ctx.path === '/request') {
          ctx.status = 401;
          ctx.body = { error: 'invalid_client', error_description: 'client is invalid' };
          return;
        }
        await next();
      });
    },
  });
});
afterEach(async () => {
  refuseEveryClient = false;
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  await demo.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A configuration that knows nothing of the demo: one unrelated provider. */
const UNRELATED: AppConfig = unrelatedAppConfig();

async function rig(opts: { config?: AppConfig; storePath?: string; cipher?: ReturnType<typeof createTestCipher> } = {}) {
  const r = await startRecordingRig({ dir, config: opts.config ?? UNRELATED, credentials: demo.credentials, ...opts });
  closers.push(() => r.core.dispose());
  const registrations = () => r.sent.filter((s) => s.method === 'POST' && s.url === `${demo.issuer}/reg`);
  return { ...r, registrations };
}

describe('connect to an API by its URL alone (RFC 9728 → RFC 8414 → RFC 7591 → RFC 8707)', () => {
  it('from a bare API URL to a 200 with a freshly registered client; the person saw the server before the browser opened', async () => {
    const r = await rig();
    const apiUrl = demo.apis.contacts.resource;
    const plan = await r.core.planApiConnection(apiUrl);
    expect(plan).toMatchObject({
      apiUrl,
      issuer: demo.issuer,
      issuerHost: new URL(demo.issuer).host,
      otherOrigin: false,
      client: 'register',
      scopes: ['openid', 'offline_access', 'contacts:read'],
    });
    // Planning opens nothing and registers nothing; it found the metadata from the API's own 401.
    expect(r.opened).toEqual([]);
    expect(r.registrations()).toHaveLength(0);
    expect(r.sent.map((s) => s.url)).toContain(`${demo.issuer}/.well-known/oauth-protected-resource/api/contacts`);

    const state = await r.core.connectApi(plan.id);
    expect(state).toMatchObject({ status: 'signed_in', providerId: plan.providerId });
    expect(r.registrations()).toHaveLength(1);
    const registration = JSON.parse(r.registrations()[0]!.body) as Record<string, unknown>;
    expect(registration).toMatchObject({
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      client_name: 'Test Desktop',
    });
    // RFC 8707: the pushed authorization request named the API.
    const par = r.sent.find((s) => s.url === `${demo.issuer}/request`)!;
    expect(new URLSearchParams(par.body).getAll('resource')).toEqual([apiUrl]);
    // The account list shows the server's name.
    expect(r.core.listAccounts()).toMatchObject([{ providerId: plan.providerId, providerName: new URL(demo.issuer).host, active: true }]);

    const res = await r.core.request({ api: 'api', method: 'GET', path: '/me' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ api: 'contacts', aud: apiUrl, scope: 'contacts:read' });
  });

  it('restart reuses the registration and the account: no second registration, the API still answers', async () => {
    const cipher = createTestCipher();
    const storePath = join(dir, 'restart.json');
    const first = await rig({ storePath, cipher });
    const plan = await first.core.planApiConnection(demo.apis.calendar.resource);
    await first.core.connectApi(plan.id);
    await first.core.dispose();
    expect(first.rawVault()).not.toContain(first.discovery.registration(demo.issuer)!.clientId);

    const second = await rig({ storePath, cipher });
    const restored = await second.core.restore();
    expect(restored).toMatchObject({ status: 'signed_in', providerId: plan.providerId });
    expect(second.core.listAccounts()).toMatchObject([{ providerName: new URL(demo.issuer).host }]);
    const res = await second.core.request({ api: 'api', method: 'GET', path: '/me' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ api: 'calendar' });
    // Connecting another API of the same server reuses the registration.
    const again = await second.core.planApiConnection(demo.apis.contacts.resource);
    expect(again.client).toBe('reuse');
    await second.core.connectApi(again.id);
    expect(second.registrations()).toHaveLength(0);
  });

  it('a server that deleted the client → registered once more and the sign-in goes on; one that keeps refusing → one re-registration, no loop', async () => {
    const r = await rig();
    const plan = await r.core.planApiConnection(demo.apis.contacts.resource);
    await r.core.connectApi(plan.id);
    const oldClient = r.discovery.registration(demo.issuer)!.clientId;
    // The server forgets the client (its registration store loses it).
    // oidc-provider reads a dynamic client from its adapter on every use (lib/models/client.js `find`).
    await (oidc.Client as unknown as { adapter: { destroy(id: string): Promise<void> } }).adapter.destroy(oldClient);
    await expect(r.core.signIn(plan.providerId, { prompt: 'login' })).resolves.toMatchObject({ status: 'signed_in' });
    expect(r.registrations()).toHaveLength(2);
    expect(r.discovery.registration(demo.issuer)!.clientId).not.toBe(oldClient);
    expect((await r.core.request({ api: 'api', method: 'GET', path: '/me' })).status).toBe(200);

    refuseEveryClient = true;
    const err = await r.core.signIn(plan.providerId, { prompt: 'login' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect(r.registrations()).toHaveLength(3);
  });

  it('a connected API is reachable only at its own resource URL, and its token goes nowhere else', async () => {
    const r = await rig();
    const plan = await r.core.planApiConnection(demo.apis.contacts.resource);
    await r.core.connectApi(plan.id);
    for (const path of ['/../calendar/me', 'http://127.0.0.1:9/steal', '//evil.example/x']) {
      await expect(r.core.request({ api: 'api', method: 'GET', path })).rejects.toMatchObject({ code: 'host_not_allowed' });
    }
    // The account has this one API (index 0 is it); no other can be named.
    await expect(r.core.request({ api: 1, method: 'GET', path: '/me' })).rejects.toMatchObject({ code: 'host_not_allowed' });
    await expect(r.core.request({ api: 'contacts', method: 'GET', path: '/me' })).rejects.toMatchObject({ code: 'host_not_allowed' });
    const outside = r.sent.filter((s) => s.authorization !== null && !s.url.startsWith(demo.apis.contacts.resource) && !s.url.startsWith(`${demo.issuer}/me`));
    expect(outside).toEqual([]);
  });

  it('nothing discovered overrides a configured profile: an API inside one is refused, and its server lends the configured client id', async () => {
    const r = await rig({ config: demoTestConfig(demo) });
    await expect(r.core.planApiConnection(demo.apis.contacts.resource)).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/already configured with "Demo"/) as unknown,
    });
    const elsewhere = await rig({
      config: parseAppConfig({
        scheme: SCHEME,
        providers: [
          { id: 'demo', displayName: 'Demo', issuer: demo.issuer, clientId: demo.clientId, scopes: ['openid'], apiBaseUrls: ['https://unrelated.example'] },
        ],
      }),
    });
    const plan = await elsewhere.core.planApiConnection(demo.apis.contacts.resource);
    expect(plan.client).toBe('configured');
    await elsewhere.core.connectApi(plan.id);
    expect(elsewhere.registrations()).toHaveLength(0);
    expect((await elsewhere.core.request({ api: 'api', method: 'GET', path: '/me' })).status).toBe(200);
  });

  it('a plan must exist and be confirmed: an unknown or reused plan id opens nothing', async () => {
    const r = await rig();
    await expect(r.core.connectApi('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'invalid_request' });
    const plan = await r.core.planApiConnection(demo.apis.contacts.resource);
    await r.core.connectApi(plan.id);
    const opened = r.opened.length;
    await expect(r.core.connectApi(plan.id)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(r.opened).toHaveLength(opened);
  });
});

describe('hostile resource servers: a clear error naming the problem, nothing registered, nothing opened', () => {
  let server: Server;
  let origin = '';
  const answers = new Map<string, (res: ServerResponse) => void>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const answer = answers.get(path);
      if (answer) {
        answer(res);
        return;
      }
      // Every API path: 401 naming its metadata, as RFC 9728 §5.1 says.
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${origin}/meta${path}"` });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const json = (body: unknown) => (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    answers.set('/meta/wrong-resource', json({ resource: `${origin}/another`, authorization_servers: [demo.issuer] }));
    answers.set('/meta/http-issuer', json({ resource: `${origin}/http-issuer`, authorization_servers: ['http://auth.example'] }));
    answers.set('/meta/oversized', json({ resource: `${origin}/oversized`, authorization_servers: [demo.issuer], junk: 'x'.repeat(100 * 1024) }));
    answers.set('/meta/slow', (res) => {
      setTimeout(() => {
        json({ resource: `${origin}/slow`, authorization_servers: [demo.issuer] })(res);
      }, 8000).unref();
    });
    answers.set('/meta/no-server', json({ resource: `${origin}/no-server` }));
    answers.set('/meta/elsewhere', json({ resource: `${origin}/elsewhere`, authorization_servers: [demo.issuer], scopes_supported: ['contacts:read'] }));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['wrong-resource', 'invalid_response', /describes another resource/],
    ['http-issuer', 'invalid_response', /the authorization server http:\/\/auth\.example is not an https issuer/],
    ['oversized', 'invalid_response', /larger than 64 KiB/],
    ['slow', 'network_error', /did not send the protected-resource metadata of the API at .* within 5 s/],
    ['no-server', 'invalid_response', /names no authorization server/],
  ])(
    '%s → %s',
    async (path, code, message) => {
      const r = await rig();
      const err = await r.core.planApiConnection(`${origin}/${path}`).catch((e: unknown) => e);
      expect(err).toMatchObject({ code });
      expect((err as Error).message).toMatch(message);
      expect(r.opened).toEqual([]);
      expect(r.registrations()).toHaveLength(0);
    },
    15_000,
  );

  it('an authorization server on another origin than the API is allowed as RFC 9728 allows, and the plan says so', async () => {
    const r = await rig();
    const plan = await r.core.planApiConnection(`${origin}/elsewhere`);
    expect(plan).toMatchObject({ otherOrigin: true, apiHost: new URL(origin).host, issuerHost: new URL(demo.issuer).host });
  });
});

/**
 * The parts of "connect to an API by URL" that need no provider: the
 * encrypted store of registrations and connected APIs, the RFC 7591 request
 * and its answer checks (against a real HTTP server on 127.0.0.1 that answers
 * like careless or hostile servers), and the window's view model.
 * End to end against oidc-provider: test/integration/api-connection.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNativeClient } from '../../main/auth/client-registration';
import { DISCOVERY_STORE_KEY, DiscoveryStore, type ClientRegistration, type DiscoveredApi } from '../../main/auth/discovery-store';
import { JsonFileStore } from '../../main/auth/json-file-store';
import type { ApiConnectionPlan, FetchLike } from '../../main/auth/types';
import { connectView } from '../../renderer/connect-api';
import { createTestCipher } from '../helpers/aes-cipher';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'api-connection-parts-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const REG: ClientRegistration = {
  issuer: 'https://id.example',
  clientId: 'client-123',
  redirectUris: ['com.example.desktop:/callback'],
  registeredAt: 1,
  registrationAccessToken: 'rat-secret-value',
};
const API: DiscoveredApi = {
  resource: 'https://api.example/v1',
  issuer: 'https://id.example',
  scopes: ['openid', 'read'],
  apiScopes: ['read'],
  serverName: 'id.example',
  dpop: false,
};

describe('DiscoveryStore', () => {
  it('keeps registrations and APIs only inside the ciphertext, and reads them back after a restart', () => {
    const file = path.join(dir, 'store.json');
    const cipher = createTestCipher();
    const persistent = () => ({ persistent: true });
    const first = new DiscoveryStore({ cipher, store: new JsonFileStore(file), status: persistent });
    first.saveRegistration(REG);
    first.saveApi(API);
    const raw = readFileSync(file, 'utf8');
    for (const secret of ['client-123', 'rat-secret-value', 'api.example', 'id.example']) expect(raw).not.toContain(secret);
    const second = new DiscoveryStore({ cipher, store: new JsonFileStore(file), status: persistent });
    expect(second.registration('https://id.example')).toEqual(REG);
    expect(second.apis()).toEqual([API]);
    second.forgetRegistration('https://id.example');
    expect(new DiscoveryStore({ cipher, store: new JsonFileStore(file), status: persistent }).registration('https://id.example')).toBeUndefined();
  });

  it('storage without real encryption (basic_text, none): memory only, nothing written', () => {
    const file = path.join(dir, 'weak.json');
    const store = new DiscoveryStore({ cipher: createTestCipher(), store: new JsonFileStore(file), status: () => ({ persistent: false }) });
    store.saveRegistration(REG);
    expect(store.registration(REG.issuer)?.clientId).toBe('client-123');
    expect(() => readFileSync(file, 'utf8')).toThrow();
  });

  it.each([
    ['garbage', 'not an object'],
    ['a wrong version', { version: 2, ciphertext: 'AAAA' }],
    ['ciphertext that does not decrypt', { version: 1, ciphertext: Buffer.from('nope').toString('base64') }],
  ])('%s on disk → dropped, the app registers afresh instead of failing', (_what, value) => {
    const file = path.join(dir, `bad-${Math.random()}.json`);
    const kv = new JsonFileStore(file);
    kv.set(DISCOVERY_STORE_KEY, value);
    const logs: string[] = [];
    const store = new DiscoveryStore({ cipher: createTestCipher(), store: kv, status: () => ({ persistent: true }), logger: (_l, event) => logs.push(event) });
    expect(store.apis()).toEqual([]);
    expect(logs).toEqual(['discovery_store.dropped']);
    expect(kv.get(DISCOVERY_STORE_KEY)).toBeUndefined();
  });
});

describe('registerNativeClient (RFC 7591) against careless and hostile servers', () => {
  let server: Server;
  let origin = '';
  let answer: { status: number; body: unknown } = { status: 201, body: {} };
  let received: unknown;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const realFetch: FetchLike = globalThis.fetch.bind(globalThis);
  const register = () =>
    registerNativeClient({
      fetch: realFetch,
      clock: () => 42,
      issuer: origin,
      registrationEndpoint: `${origin}/reg`,
      redirectUri: 'com.example.desktop:/callback',
      clientName: 'Test App',
    });

  it('asks for a native public client with code + refresh and keeps the management credentials', async () => {
    answer = {
      status: 201,
      body: { client_id: 'abc', token_endpoint_auth_method: 'none', registration_access_token: 'rat', registration_client_uri: `${origin}/reg/abc` },
    };
    await expect(register()).resolves.toEqual({
      issuer: origin,
      clientId: 'abc',
      redirectUris: ['com.example.desktop:/callback'],
      registeredAt: 42,
      registrationAccessToken: 'rat',
      registrationClientUri: `${origin}/reg/abc`,
    });
    expect(received).toEqual({
      client_name: 'Test App',
      application_type: 'native',
      redirect_uris: ['com.example.desktop:/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
  });

  it.each([
    ['a refusal', 400, { error: 'invalid_redirect_uri' }, 'invalid_config', /refused to register this app \(HTTP 400, invalid_redirect_uri\)/],
    ['a server failure', 503, {}, 'server_error', /HTTP 503/],
    ['no client_id', 201, { client_secret_expires_at: 0 }, 'invalid_response', /without a valid client_id/],
    ['a secret', 201, { client_id: 'abc', client_secret: 's' }, 'invalid_response', /confidential client/],
    ['another auth method', 201, { client_id: 'abc', token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_response', /confidential client/],
    ['other redirect URIs', 201, { client_id: 'abc', redirect_uris: ['https://evil.example/cb'] }, 'invalid_response', /other redirect URIs/],
  ])('%s → %s', async (_what, status, body, code, message) => {
    answer = { status, body };
    const err = await register().catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toMatch(message);
  });

  it('a remote http registration endpoint is refused before anything is sent', async () => {
    await expect(
      registerNativeClient({
        fetch: realFetch,
        clock: () => 0,
        issuer: 'https://id.example',
        registrationEndpoint: 'http://id.example/reg',
        redirectUri: 'x.y:/cb',
        clientName: 'A',
      }),
    ).rejects.toMatchObject({ code: 'invalid_config', message: expect.stringMatching(/is not https/) as unknown });
  });
});

describe('the window\u2019s view of a connection (connectView)', () => {
  const plan: ApiConnectionPlan = {
    id: 'p',
    apiUrl: 'https://tools.example/mcp',
    apiHost: 'tools.example',
    issuer: 'https://login.other.example',
    issuerHost: 'login.other.example',
    otherOrigin: true,
    scopes: ['tools:read'],
    client: 'register',
    providerId: 'api-0123456789abcdef',
  };

  it('names the server to sign in to and warns when it is not on the API\u2019s host; only "confirm" continues', () => {
    const v = connectView({ step: 'confirm', plan });
    expect(v.confirm).toEqual({
      server: 'You will sign in at login.other.example',
      details: ['API: https://tools.example/mcp', 'Permissions asked for: tools:read', 'This app will register itself with that server.'],
      warning: "That server is not on the API's host (tools.example). Continue only if you trust login.other.example.",
    });
    expect(v.continueEnabled).toBe(true);
    expect(connectView({ step: 'confirm', plan: { ...plan, otherOrigin: false } }).confirm?.warning).toBeUndefined();
  });

  it.each([
    ['register', 'This app will register itself with that server.'],
    ['reuse', 'This app is already known to that server.'],
    ['configured', 'This app is already known to that server.'],
    ['metadata_document', 'This app identifies itself to that server with its published description; nothing is registered.'],
  ] as const)('client %s: says how the app will be known there', (client, words) => {
    expect(connectView({ step: 'confirm', plan: { ...plan, client } }).confirm?.details.at(-1)).toBe(words);
  });

  it.each([
    [{ step: 'idle' } as const, { formEnabled: true, continueEnabled: false, confirm: null, connected: null }],
    [{ step: 'finding', apiUrl: 'x' } as const, { formEnabled: false, findLabel: 'Finding its server…', continueEnabled: false }],
    [{ step: 'connecting', plan } as const, { formEnabled: false, continueEnabled: false }],
    [{ step: 'connected', plan } as const, { confirm: null, connected: { what: 'Connected to tools.example through login.other.example.' } }],
  ])('%j', (state, expected) => {
    expect(connectView(state)).toMatchObject(expected);
  });
});

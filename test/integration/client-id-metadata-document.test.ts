/**
 * Issue 23, step 3's alternative to registration: OAuth Client ID Metadata
 * Documents (draft-ietf-oauth-client-id-metadata-document). The app developer
 * hosts `clientIdMetadataDocument()`'s JSON at an https URL (the app's
 * `clientMetadataDocument`); a server that says
 * `client_id_metadata_document_supported` fetches it and takes the URL as the
 * client id, so the app registers nothing and keeps no registration.
 *
 * Counterparts: oidc-provider's own experimental `clientIdMetadataDocument`
 * feature (draft 02), with registration switched off so only the document can
 * identify the app, and a real https server on 127.0.0.1 with a certificate
 * from a private CA made by openssl. What is not oidc-provider's: its fetch
 * refuses loopback addresses (SSRF protection), so the provider is handed a
 * fetch that trusts the test CA and talks to 127.0.0.1 — the document, its
 * status and headers are served by the https server as they would be anywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientIdMetadataDocument } from '../../main/auth/client-registration';
import type { AppConfig } from '../../main/auth/config';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { createTestCipher } from '../helpers/aes-cipher';
import { REDIRECT_URI } from '../helpers/core-rig';
import { startRecordingRig, unrelatedAppConfig } from '../helpers/recording-fetch';
import { createPrivateCa, type PrivateCa } from '../helpers/private-ca';

let dir: string;
let ca: PrivateCa;
let documentHost: Server;
let documentUrl = '';
/** Requests the document host answered (what the provider fetched). */
let documentFetches = 0;
let demo: DemoProvider;
const closers: (() => Promise<unknown>)[] = [];

/** A fetch for oidc-provider that trusts the test CA (see the header). */
const trustingTestCa = (input: URL | string | Request, init?: RequestInit): Promise<Response> =>
  new Promise((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const req = httpsRequest(url, { method: init?.method ?? 'GET', headers, ca: ca.caCert, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: out }));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('document host timed out')));
    req.on('error', reject);
    req.end();
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cimd-'));
  ca = createPrivateCa(dir);
  documentHost = createHttpsServer({ key: ca.serverKey, cert: ca.serverCert }, (req, res) => {
    documentFetches += 1;
    if (req.url !== '/oauth/client.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
    res.end(JSON.stringify(clientIdMetadataDocument(documentUrl, 'Test Desktop', REDIRECT_URI)));
  });
  await new Promise<void>((r) => documentHost.listen(0, '127.0.0.1', r));
  documentUrl = `https://localhost:${(documentHost.address() as AddressInfo).port}/oauth/client.json`;
  demo = await startDemoProvider({ redirectUris: [REDIRECT_URI], registration: false, clientIdMetadataDocument: { fetch: trustingTestCa } });
}, 60_000);
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  await demo.close();
  await new Promise((r) => documentHost.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** An app that knows nothing of the demo, publishing (or not) its document. */
const appConfig = (clientMetadataDocument?: string): AppConfig => unrelatedAppConfig(clientMetadataDocument !== undefined ? { clientMetadataDocument } : {});

async function rig(config: AppConfig, opts: { storePath?: string; cipher?: ReturnType<typeof createTestCipher> } = {}) {
  const r = await startRecordingRig({ dir, config, credentials: demo.credentials, ...opts });
  closers.push(() => r.core.dispose());
  return r;
}

describe('Client ID Metadata Documents: the app is identified by a URL it publishes, nothing registered', () => {
  it('the server says it takes documents; the document URL is the client id; signed in, the API answers; a restart restores it', async () => {
    const cipher = createTestCipher();
    const storePath = join(dir, 'cimd-vault.json');
    const r = await rig(appConfig(documentUrl), { storePath, cipher });
    const plan = await r.core.planApiConnection(demo.apis.contacts.resource);
    expect(plan).toMatchObject({ client: 'metadata_document', issuer: demo.issuer });
    const fetchesBefore = documentFetches;
    await expect(r.core.connectApi(plan.id)).resolves.toMatchObject({ status: 'signed_in', providerId: plan.providerId });
    // The provider fetched the app's document itself; the app sent no registration and keeps none.
    expect(documentFetches).toBeGreaterThan(fetchesBefore);
    expect(r.sent.filter((s) => s.method === 'POST' && s.url.endsWith('/reg'))).toEqual([]);
    expect(r.discovery.registration(demo.issuer)).toBeUndefined();
    const par = r.sent.find((s) => s.url === `${demo.issuer}/request`);
    expect(new URLSearchParams(par?.body ?? '').get('client_id')).toBe(documentUrl);
    expect((await r.core.request({ api: 'api', method: 'GET', path: '/me' })).status).toBe(200);
    await r.core.dispose();

    const again = await rig(appConfig(documentUrl), { storePath, cipher });
    await expect(again.core.restore()).resolves.toMatchObject({ status: 'signed_in', providerId: plan.providerId });
    expect((await again.core.request({ api: 'api', method: 'GET', path: '/me' })).status).toBe(200);
  });

  it('an app that publishes no document, at a server without registration: refused before the browser, naming the server', async () => {
    const r = await rig(appConfig());
    await expect(r.core.planApiConnection(demo.apis.contacts.resource)).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining(new URL(demo.issuer).host) as unknown,
    });
  });

  it('clientMetadataDocument must be an https URL with a path, without user info or fragment', () => {
    for (const bad of [
      'http://example.com/client.json',
      'https://example.com/',
      'https://u:p@example.com/c.json',
      'https://example.com/c.json#x',
      'not a url',
    ]) {
      expect(() => appConfig(bad)).toThrow(/clientMetadataDocument/);
    }
    expect(appConfig('https://example.com/oauth/client.json').clientMetadataDocument).toBe('https://example.com/oauth/client.json');
  });
});

/**
 * Finding 1, the vault half (SECURITY.md "Configuration overrides only from an
 * administrator; vault entries bound to their provider"): a stored refresh
 * token is sent only to the provider it was issued for. Two token endpoints
 * on loopback — the genuine one and an attacker's — count every request that
 * carries the stored refresh token; the real auth core restores from a real
 * vault file.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAppConfig, type AppConfig } from '../../main/auth/config';
import { JsonFileStore } from '../../main/auth/json-file-store';
import { Vault } from '../../main/auth/vault';
import { createTestCipher, type TestCipher } from '../helpers/aes-cipher';
import { SCHEME, startCoreRig, type CoreRig } from '../helpers/core-rig';

const REFRESH_TOKEN = 'rt-stored-for-corp-only';

interface TokenEndpoint {
  server: Server;
  origin: string;
  /** Requests whose body carried the stored refresh token. */
  sawToken: number;
}

async function tokenEndpoint(): Promise<TokenEndpoint> {
  const ep: TokenEndpoint = { server: createServer(), origin: '', sawToken: 0 };
  ep.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (body.includes(REFRESH_TOKEN)) ep.sawToken += 1;
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 }));
    });
  });
  await new Promise<void>((r) =>
    ep.server.listen(0, '127.0.0.1', () => {
      r();
    }),
  );
  ep.origin = `http://127.0.0.1:${(ep.server.address() as AddressInfo).port}`;
  return ep;
}

let genuine: TokenEndpoint;
let attacker: TokenEndpoint;
let dir: string;
const rigs: CoreRig[] = [];

beforeAll(async () => {
  genuine = await tokenEndpoint();
  attacker = await tokenEndpoint();
  dir = mkdtempSync(path.join(tmpdir(), 'vault-binding-'));
});
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.core.dispose();
  genuine.sawToken = 0;
  attacker.sawToken = 0;
});
afterAll(async () => {
  for (const ep of [genuine, attacker]) await new Promise((r) => ep.server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function provider(id: string, tokenOrigin: string) {
  return {
    id,
    displayName: id,
    endpoints: { authorization: `${tokenOrigin}/authorize`, token: `${tokenOrigin}/token` },
    clientId: 'desktop-app',
    scopes: [],
    apiBaseUrls: [`${tokenOrigin}/api`],
  };
}

function config(...providers: ReturnType<typeof provider>[]): AppConfig {
  return parseAppConfig({ scheme: SCHEME, providers });
}

/** A vault file holding corp's refresh token for alice, written by the app under `written`. */
function storedFor(written: AppConfig, cipher: TestCipher): string {
  const storePath = path.join(dir, `vault-${Math.random().toString(36).slice(2)}.json`);
  const vault = new Vault({ cipher, store: new JsonFileStore(storePath) });
  // As the core binds it (core-parts.ts) before anything is saved.
  vault.bindToProviders((id) => written.providers.find((p) => p.id === id));
  vault.saveAccount({ id: 'corp:alice', providerId: 'corp', refreshToken: REFRESH_TOKEN, user: { sub: 'alice' }, savedAt: Date.now() }, { active: true });
  return storePath;
}

async function restoreWith(running: AppConfig, storePath: string, cipher: TestCipher) {
  const rig = await startCoreRig({ dir, storePath, cipher, config: running, openUrl: () => Promise.resolve() });
  rigs.push(rig);
  return rig.core.restore();
}

/** The vault format's account key (vault.ts): `<providerId>:<sha256(accountId) base64url, 22 chars>`. */
function accountKey(accountId: string): string {
  return `${accountId.slice(0, accountId.indexOf(':'))}:${createHash('sha256').update(accountId, 'utf8').digest('base64url').slice(0, 22)}`;
}

describe('a stored refresh token goes only to the provider it was issued for', () => {
  it('control: the same configuration restores, and the token goes to the genuine endpoint', async () => {
    const cipher = createTestCipher();
    const corp = config(provider('corp', genuine.origin));
    await expect(restoreWith(corp, storedFor(corp, cipher), cipher)).resolves.toMatchObject({ status: 'signed_in' });
    expect(genuine.sawToken).toBe(1);
  });

  it('a config.json pointing provider corp at another token endpoint: the refresh token is never sent there, the entry is dropped', async () => {
    const cipher = createTestCipher();
    const storePath = storedFor(config(provider('corp', genuine.origin)), cipher);
    const redirected = config(provider('corp', attacker.origin));
    await expect(restoreWith(redirected, storePath, cipher)).resolves.toMatchObject({ status: 'signed_out' });
    expect(attacker.sawToken).toBe(0);
    expect(genuine.sawToken).toBe(0);
    expect(Object.keys((JSON.parse(readFileSync(storePath, 'utf8')) as { vault: { entries: object } }).vault.entries)).toEqual([]);
  });

  it('the same endpoint with another client id is another identity: dropped, not sent', async () => {
    const cipher = createTestCipher();
    const storePath = storedFor(config(provider('corp', genuine.origin)), cipher);
    const otherClient = config({ ...provider('corp', genuine.origin), clientId: 'someone-else' });
    await expect(restoreWith(otherClient, storePath, cipher)).resolves.toMatchObject({ status: 'signed_out' });
    expect(genuine.sawToken).toBe(0);
  });

  it('ciphertext moved under another provider’s key (even the right key for the subject) is dropped, never sent to that provider', async () => {
    const cipher = createTestCipher();
    const both = config(provider('corp', genuine.origin), provider('other', attacker.origin));
    const storePath = storedFor(both, cipher);
    const file = JSON.parse(readFileSync(storePath, 'utf8')) as {
      vault: { entries: Record<string, unknown>; activeAccountId: string; lastProviderId: string };
    };
    const moved = accountKey('other:alice');
    file.vault.entries = { [moved]: file.vault.entries[accountKey('corp:alice')] };
    file.vault.activeAccountId = moved;
    file.vault.lastProviderId = 'other';
    writeFileSync(storePath, JSON.stringify(file));
    await expect(restoreWith(both, storePath, cipher)).resolves.toMatchObject({ status: 'signed_out' });
    expect(attacker.sawToken).toBe(0);
    expect(genuine.sawToken).toBe(0);
  });

  it('an entry written before bindings still restores under its own key', async () => {
    const cipher = createTestCipher();
    const corp = config(provider('corp', genuine.origin));
    const storePath = path.join(dir, 'vault-unbound.json');
    // An older app: never bound, so no binding inside the ciphertext.
    new Vault({ cipher, store: new JsonFileStore(storePath) }).saveAccount(
      { id: 'corp:alice', providerId: 'corp', refreshToken: REFRESH_TOKEN, user: { sub: 'alice' }, savedAt: 1 },
      { active: true },
    );
    await expect(restoreWith(corp, storePath, cipher)).resolves.toMatchObject({ status: 'signed_in' });
    expect(genuine.sawToken).toBe(1);
  });
});

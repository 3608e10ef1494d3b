/**
 * DPoP and PAR pieces without a server: the protocol choice per profile and
 * metadata, the key (generation, storage form, proofs), the vault entry that
 * carries it, the API client's use of proofs and nonces, and log redaction.
 * The end-to-end behaviour is in test/integration/dpop-par.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedJWK, calculateJwkThumbprint, decodeJwt, jwtVerify } from 'jose';
import type * as client from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiRequest } from '../../main/api/api-client';
import { authorizationHeader, isCallerSettableHeader } from '../../main/api/request-rules';
import { parseAppConfig, type ProviderConfig } from '../../main/auth/config';
import { chooseDpopAlg, DpopKey } from '../../main/auth/dpop';
import { JsonFileStore } from '../../main/auth/json-file-store';
import { redactFields } from '../../main/auth/log';
import type { ApiDpopStance } from '../../main/auth/api-dpop-support';
import { protocolFeatures } from '../../main/auth/protocol-features';
import type { BearerToken, FetchLike } from '../../main/auth/types';
import { VAULT_STORE_KEY } from '../../main/auth/vault-file';
import { TestVault as Vault } from '../helpers/test-vault';
import { createTestCipher } from '../helpers/aes-cipher';

const provider = (extra: Partial<ProviderConfig> = {}): ProviderConfig =>
  parseAppConfig({
    scheme: 'com.example.desktop',
    providers: [
      {
        id: 'acme',
        displayName: 'Acme ID',
        issuer: 'https://id.acme.test',
        clientId: 'c',
        scopes: ['openid'],
        apiBaseUrls: ['https://api.acme.test'],
        ...extra,
      },
    ],
  }).providers[0]!;

const meta = (extra: object = {}): client.ServerMetadata => ({ issuer: 'https://id.acme.test', ...extra });

/** The profile's one API, declared as taking DPoP: the provider's metadata alone decides. */
const ACCEPTING: ApiDpopStance[] = [{ api: 'https://api.acme.test', field: 'apiBaseUrlsDpop', stance: 'accepts', source: 'profile' }];
const stance = (s: ApiDpopStance['stance'], source: ApiDpopStance['source'] = 'metadata', api = 'https://api.acme.test'): ApiDpopStance => ({
  api,
  field: 'apiBaseUrlsDpop',
  stance: s,
  source,
});

describe('profile switches dpop / par', () => {
  it('are validated: only auto, required, off', () => {
    expect(provider({ dpop: 'required', par: 'off' })).toMatchObject({ dpop: 'required', par: 'off' });
    expect(() => provider({ dpop: 'yes' as never })).toThrow(/dpop/);
    expect(() => provider({ par: true as never })).toThrow(/par/);
  });

  it.each([
    // profile, metadata, expected
    [{}, {}, { dpop: null, par: false }],
    [{}, { dpop_signing_alg_values_supported: ['ES256', 'EdDSA'] }, { dpop: 'ES256', par: false }],
    [{}, { dpop_signing_alg_values_supported: ['EdDSA', 'RS256'] }, { dpop: 'EdDSA', par: false }],
    [{}, { dpop_signing_alg_values_supported: ['Ed25519'] }, { dpop: 'Ed25519', par: false }],
    [{}, { dpop_signing_alg_values_supported: ['RS256'] }, { dpop: null, par: false }],
    [{}, { pushed_authorization_request_endpoint: 'https://id.acme.test/par' }, { dpop: null, par: true }],
    [
      { dpop: 'off', par: 'off' },
      { dpop_signing_alg_values_supported: ['ES256'], pushed_authorization_request_endpoint: 'https://id.acme.test/par' },
      { dpop: null, par: false },
    ],
    [
      { dpop: 'required', par: 'required' },
      { dpop_signing_alg_values_supported: ['ES256'], pushed_authorization_request_endpoint: 'https://id.acme.test/par' },
      { dpop: 'ES256', par: true },
    ],
    [
      { par: 'auto' },
      { pushed_authorization_request_endpoint: 'https://id.acme.test/par', require_pushed_authorization_requests: true },
      { dpop: null, par: true },
    ],
  ] as const)('profile %j with metadata %j → %j', (profile, metadata, expected) => {
    expect(protocolFeatures(provider(profile), meta(metadata), ACCEPTING)).toEqual(expected);
  });

  it.each([
    [{ dpop: 'required' }, {}, /does not offer DPoP.*does not advertise dpop_signing_alg_values_supported/],
    [{ dpop: 'required' }, { dpop_signing_alg_values_supported: ['RS256'] }, /offers only the signing algorithms RS256/],
    [{ par: 'required' }, {}, /does not offer pushed authorization requests/],
    [
      { par: 'off' },
      { pushed_authorization_request_endpoint: 'https://id.acme.test/par', require_pushed_authorization_requests: true },
      /accepts only pushed authorization requests/,
    ],
    [{}, { require_pushed_authorization_requests: true }, /does not offer pushed authorization requests/],
  ] as const)('%j against %j fails with invalid_config naming the provider', (profile, metadata, message) => {
    let err: unknown;
    try {
      protocolFeatures(provider(profile), meta(metadata), ACCEPTING);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('"Acme ID" (acme)');
  });

  it.each([
    // The pair decides (issue 19): the provider offers DPoP; what the APIs take.
    ['one Bearer-only API (published metadata without DPoP)', {}, [stance('bearer')], null],
    ['one API that publishes nothing', {}, [stance('unknown', 'none')], null],
    ['one API taking DPoP and one declared Bearer-only', {}, [stance('accepts'), stance('bearer', 'profile', 'other')], null],
    ['every API takes DPoP (metadata)', {}, [stance('accepts'), stance('requires', 'metadata', 'other')], 'ES256'],
    ['required: an API that publishes nothing is taken at the profile’s word', { dpop: 'required' }, [stance('unknown', 'none')], 'ES256'],
    ['off: even for APIs that take it', { dpop: 'off' }, [stance('accepts')], null],
    ['off: whatever the APIs say (core-parts.ts does not ask them)', { dpop: 'off' }, [stance('requires')], null],
  ] as const)('auto with DPoP offered: %s → %j', (_name, profile, apis, expected) => {
    expect(protocolFeatures(provider(profile), meta({ dpop_signing_alg_values_supported: ['ES256'] }), apis).dpop).toBe(expected);
  });

  it.each([
    [{}, {}, [stance('requires')], /The API https:\/\/api\.acme\.test accepts only DPoP-bound tokens.*does not offer DPoP/],
    [
      { dpop: 'required' },
      { dpop_signing_alg_values_supported: ['ES256'] },
      [stance('bearer')],
      /sets dpop: "required", but the API https:\/\/api\.acme\.test cannot take DPoP-bound tokens: its RFC 9728 metadata names no DPoP signing algorithm\. Set "dpop" to "auto", or set apiBaseUrlsDpop to true/,
    ],
  ] as const)('%j with %j and APIs %j → invalid_config naming the API and the fix', (profile, metadata, apis, message) => {
    let err: unknown;
    try {
      protocolFeatures(provider(profile), meta(metadata), apis);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect((err as Error).message).toMatch(message);
  });

  it('dpop "required" with an API declared Bearer-only is refused at load, naming the field and the fix', () => {
    expect(() => provider({ dpop: 'required', apiBaseUrls: [], apis: [{ id: 'files', baseUrl: 'https://files.acme.test', dpop: false }] })).toThrow(
      /apis\.0\.dpop: the API "files" is declared Bearer-only but "dpop" is "required": set "dpop" to "auto"/,
    );
    expect(() => provider({ dpop: 'required', apiBaseUrlsDpop: false })).toThrow(/apiBaseUrlsDpop: the apiBaseUrls APIs are declared Bearer-only/);
    expect(provider({ dpop: 'required', apiBaseUrlsDpop: true })).toMatchObject({ apiBaseUrlsDpop: true });
  });

  it('chooseDpopAlg ignores anything that is not a list', () => {
    expect(chooseDpopAlg(undefined)).toBeNull();
    expect(chooseDpopAlg('ES256' as never)).toBeNull();
  });
});

describe('DpopKey', () => {
  it.each(['ES256', 'Ed25519', 'EdDSA'] as const)(
    '%s: a new key per call, stored form round-trips, proofs verify with the embedded public key only',
    async (alg) => {
      const a = await DpopKey.generate(alg);
      const b = await DpopKey.generate(alg);
      expect(await a.thumbprint()).not.toBe(await b.thumbprint());
      expect(a.privateJwk.alg).toBe(alg);
      expect(a.privateJwk.d).toBeTruthy();
      const restored = await DpopKey.fromJwk(JSON.parse(JSON.stringify(a.privateJwk)) as typeof a.privateJwk);
      expect(await restored.thumbprint()).toBe(await a.thumbprint());

      const url = new URL('https://api.acme.test/v1/items?page=2#frag');
      const proof = await restored.resourceProofs.proof('POST', url, 'the-access-token');
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
      expect(protectedHeader.alg).toBe(alg);
      expect(protectedHeader.jwk).not.toHaveProperty('d');
      expect(await calculateJwkThumbprint(protectedHeader.jwk!, 'sha256')).toBe(await a.thumbprint());
      expect(payload).toMatchObject({
        htm: 'POST',
        htu: 'https://api.acme.test/v1/items',
        ath: createHash('sha256').update('the-access-token').digest('base64url'),
      });
      expect(payload.nonce).toBeUndefined();
    },
  );

  it('fresh jti on every proof; nonces are remembered per origin, the newest wins', async () => {
    const key = await DpopKey.generate('ES256');
    const api = new URL('https://api.acme.test/x');
    const other = new URL('https://other.acme.test/x');
    const jtis = new Set<unknown>();
    for (let i = 0; i < 200; i += 1) jtis.add(decodeJwt(await key.resourceProofs.proof('GET', api, 't')).jti);
    expect(jtis.size).toBe(200);
    key.resourceProofs.rememberNonce(api, 'n1');
    key.resourceProofs.rememberNonce(api, 'n2');
    expect(decodeJwt(await key.resourceProofs.proof('GET', new URL('https://api.acme.test/y?z=1'), 't')).nonce).toBe('n2');
    expect(decodeJwt(await key.resourceProofs.proof('GET', other, 't')).nonce).toBeUndefined();
  });

  it("the key's stored form is refused when it is not a private EC P-256 / Ed25519 JWK", async () => {
    const key = await DpopKey.generate('ES256');
    const publicOnly = Object.fromEntries(Object.entries(key.privateJwk).filter(([name]) => name !== 'd'));
    const vault = new Vault({ cipher: createTestCipher(), store: memoryStore() });
    expect(() => {
      vault.save({ providerId: 'p', refreshToken: 'rt', user: { sub: 's' }, savedAt: 1, dpopKey: publicOnly as never });
    }).not.toThrow();
    // What was saved does not validate on the way back in: the entry is dropped, signed out.
    expect(vault.load('p')).toBeNull();
  });
});

function memoryStore() {
  const m = new Map<string, unknown>();
  return {
    get: (k: string) => structuredClone(m.get(k)),
    set: (k: string, v: unknown) => void m.set(k, structuredClone(v)),
    delete: (k: string) => void m.delete(k),
  };
}

describe('vault entries with a DPoP key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dpop-vault-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('the private key is inside the ciphertext only, and survives a restart', async () => {
    const file = path.join(dir, 'vault.json');
    const cipher = createTestCipher();
    const key = await DpopKey.generate('ES256');
    new Vault({ cipher, store: new JsonFileStore(file) }).save({
      providerId: 'demo',
      refreshToken: 'rt-1',
      user: { sub: 'u' },
      savedAt: 1,
      dpopKey: key.privateJwk,
    });
    const raw = readFileSync(file, 'utf8');
    for (const part of [key.privateJwk.d, key.privateJwk.x, 'P-256', 'dpopKey']) expect(raw).not.toContain(part);
    const loaded = new Vault({ cipher, store: new JsonFileStore(file) }).load('demo');
    expect(loaded?.dpopKey).toEqual(key.privateJwk);
  });

  it('an entry written before DPoP (no key) still loads', () => {
    const cipher = createTestCipher();
    const store = memoryStore();
    const ciphertext = Buffer.from(cipher.encrypt(JSON.stringify({ refreshToken: 'old-rt', user: { sub: 'u' } }))).toString('base64');
    store.set(VAULT_STORE_KEY, { version: 1, entries: { demo: { ciphertext, savedAt: 5 } }, lastProviderId: 'demo' });
    const loaded = new Vault({ cipher, store }).load('demo');
    expect(loaded).toEqual({ providerId: 'demo', refreshToken: 'old-rt', user: { sub: 'u' }, savedAt: 5 });
  });
});

describe('API client with DPoP', () => {
  const signer = () => {
    const proofs: { htm: string; url: string; token: string }[] = [];
    const nonces: [string, string][] = [];
    return {
      proofs,
      nonces,
      proof: (htm: string, url: URL, token: string) => {
        proofs.push({ htm, url: url.href, token });
        return Promise.resolve(`proof-${proofs.length}`);
      },
      rememberNonce: (url: URL, nonce: string) => void nonces.push([url.origin, nonce]),
    };
  };
  const recorder = (answers: (() => Response)[]) => {
    const seen: { url: string; authorization: string | null; dpop: string | null }[] = [];
    const f = ((input: string | URL, init?: RequestInit) => {
      const h = new Headers(init?.headers);
      seen.push({ url: String(input), authorization: h.get('authorization'), dpop: h.get('dpop') });
      return Promise.resolve(answers.shift()!());
    }) as FetchLike;
    return { seen, f };
  };
  const deps = (token: BearerToken, f: FetchLike, dpop: ReturnType<typeof signer>) => ({
    baseUrls: ['https://api.acme.test/'],
    fetch: f,
    logger: () => {},
    accessToken: () => Promise.resolve(token),
    dpop,
  });

  it('a token issued as Bearer is sent as Bearer, with no proof, even when the session has a key', async () => {
    const s = signer();
    const { seen, f } = recorder([() => new Response('{}', { status: 200 })]);
    await apiRequest(deps({ token: 'tok', type: 'bearer' }, f, s), { method: 'GET', path: '/me' });
    expect(seen).toEqual([{ url: 'https://api.acme.test/me', authorization: 'Bearer tok', dpop: null }]);
    expect(s.proofs).toEqual([]);
  });

  it('a DPoP token: DPoP scheme, a proof per request and per redirect hop, nonces remembered from any answer', async () => {
    const s = signer();
    const { seen, f } = recorder([
      () => new Response(null, { status: 302, headers: { location: '/moved?x=1', 'dpop-nonce': 'n-1' } }),
      () => new Response('{}', { status: 200, headers: { 'dpop-nonce': 'bad"nonce' } }),
    ]);
    const res = await apiRequest(deps({ token: 'tok', type: 'dpop' }, f, s), { method: 'GET', path: '/me' });
    expect(res.status).toBe(200);
    expect(seen.map((x) => [x.authorization, x.dpop])).toEqual([
      ['DPoP tok', 'proof-1'],
      ['DPoP tok', 'proof-2'],
    ]);
    expect(s.proofs.map((p) => p.url)).toEqual(['https://api.acme.test/me', 'https://api.acme.test/moved?x=1']);
    // The malformed nonce is not kept.
    expect(s.nonces).toEqual([['https://api.acme.test', 'n-1']]);
  });

  it('use_dpop_nonce: exactly one retry with a new proof; a Bearer challenge of the same words is not a nonce request', async () => {
    const challenge = (scheme: string) => () =>
      new Response('{"error":"use_dpop_nonce"}', { status: 401, headers: { 'www-authenticate': `${scheme} error="use_dpop_nonce"`, 'dpop-nonce': 'n-2' } });
    const s = signer();
    const { seen, f } = recorder([challenge('DPoP'), () => new Response('ok', { status: 200 })]);
    expect((await apiRequest(deps({ token: 'tok', type: 'DPoP' }, f, s), { method: 'POST', path: '/items', body: '{}' })).status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(s.proofs.map((p) => p.htm)).toEqual(['POST', 'POST']);

    const s2 = signer();
    const r2 = recorder([challenge('Bearer'), () => new Response('ok', { status: 200 })]);
    await apiRequest(deps({ token: 'tok', type: 'DPoP' }, r2.f, s2), { method: 'GET', path: '/me' });
    // Treated as an ordinary 401: one refresh-and-retry (the same token here), not a nonce retry.
    expect(r2.seen).toHaveLength(2);
  });

  it("the DPoP header is the main process's: a caller may not set it", () => {
    expect(isCallerSettableHeader('DPoP')).toBe(false);
    expect(authorizationHeader({ token: 't', type: 'dpop' })).toBe('DPoP t');
  });
});

describe('log redaction of key material', () => {
  it('drops jwk, private key and proof fields, and a bare "d"', () => {
    const out = redactFields({ jwk: 'x', privateKey: 'x', d: 'x', proof: 'x', dpop: 'x', dpopKey: 'x', sender: 'dpop' });
    expect(out).toEqual({
      jwk: '[redacted]',
      privateKey: '[redacted]',
      d: '[redacted]',
      proof: '[redacted]',
      dpop: '[redacted]',
      dpopKey: '[redacted]',
      sender: 'dpop',
    });
  });
});

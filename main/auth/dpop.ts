/**
 * DPoP keys (RFC 9449): one key pair per signed-in session, made in the main
 * process when the person signs in, kept inside the vault ciphertext next to
 * the refresh token it is bound to, and gone with the session.
 *
 * Proofs to the authorization server (code exchange, refresh, PAR, userinfo)
 * are made by openid-client's DPoP handle, which also retries once on
 * `use_dpop_nonce`. Proofs to resource servers (`request()`) are made here,
 * with jose: openid-client's handle does not expose proof building for
 * requests it does not send itself.
 *
 * @see RFC 9449 §4 (proof JWT), §7 (protected resource access), §8 (nonces)
 */
import { nodeCrypto } from './lazy-builtins';
import * as client from 'openid-client';
import type { JWK } from 'jose';

/**
 * jose is loaded on the first proof or thumbprint, not at start-up: only a
 * DPoP sign-in or a DPoP-bound session needs it (bench `main_start_ratio`).
 */
let joseModule: Promise<typeof import('jose')> | undefined;
const jose = () => (joseModule ??= import('jose'));
import { atFirstUse, z } from './zod';
import type { DpopProofSigner } from './types';

/** `Ed25519` is the fully-specified name (RFC 9864) of what older servers call `EdDSA`. */
export type DpopAlg = 'ES256' | 'Ed25519' | 'EdDSA';

function buildPrivateJwkSchema() {
  const b64u = z.string().check(z.regex(/^[A-Za-z0-9_-]{20,100}$/));
  return z.union([
    z.strictObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: b64u, y: b64u, d: b64u, alg: z.literal('ES256') }),
    z.strictObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: b64u, d: b64u, alg: z.enum(['Ed25519', 'EdDSA']) }),
  ]);
}

/** The private key as it is stored, inside the vault ciphertext only; built at the first key made or read (`atFirstUse`). */
export const dpopPrivateJwkSchema = atFirstUse(buildPrivateJwkSchema);
export type DpopPrivateJwk = z.infer<ReturnType<typeof buildPrivateJwkSchema>>;

/**
 * The algorithm to sign with, from the server's `dpop_signing_alg_values_supported`:
 * ES256 when offered (every DPoP server is expected to), else Ed25519 under the
 * name the server uses. Null: the server offers nothing this app can sign.
 */
export function chooseDpopAlg(advertised: readonly string[] | undefined): DpopAlg | null {
  if (!Array.isArray(advertised)) return null;
  if (advertised.includes('ES256')) return 'ES256';
  if (advertised.includes('Ed25519')) return 'Ed25519';
  if (advertised.includes('EdDSA')) return 'EdDSA';
  return null;
}

const ALGORITHMS = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  Ed25519: { name: 'Ed25519' },
  EdDSA: { name: 'Ed25519' },
} as const;

/** At most this many resource-server origins' nonces are remembered per session. */
const MAX_NONCES = 32;

export class DpopKey {
  /** The stored form; readable only by the core, which passes it to the vault. */
  readonly privateJwk: DpopPrivateJwk;
  readonly keyPair: CryptoKeyPair;
  readonly #publicJwk: JWK;
  readonly #nonces = new Map<string, string>();
  /** One handle per configuration: the handle remembers the provider's nonce from PAR to exchange to refresh. */
  readonly #handles = new WeakMap<client.Configuration, client.DPoPHandle>();
  #thumbprint: string | undefined;
  #ath: { token: string; value: string } | undefined;

  private constructor(privateJwk: DpopPrivateJwk, keyPair: CryptoKeyPair, publicJwk: JWK) {
    this.privateJwk = privateJwk;
    this.keyPair = keyPair;
    this.#publicJwk = publicJwk;
  }

  get alg(): DpopAlg {
    return this.privateJwk.alg;
  }

  /** A new key pair; extractable so that it can be written into the vault. */
  static async generate(alg: DpopAlg): Promise<DpopKey> {
    const pair = (await crypto.subtle.generateKey(ALGORITHMS[alg], true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
    const stored = dpopPrivateJwkSchema().parse(
      jwk.kty === 'EC' ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d, alg } : { kty: 'OKP', crv: jwk.crv, x: jwk.x, d: jwk.d, alg },
    );
    return DpopKey.#from(stored, pair);
  }

  /** The key of a stored session (already validated by the vault's schema). */
  static async fromJwk(stored: DpopPrivateJwk): Promise<DpopKey> {
    const algorithm = ALGORITHMS[stored.alg];
    // The key material without `alg` (the JWK's own), and its public half without `d`.
    const material: JsonWebKey =
      stored.kty === 'EC'
        ? { kty: stored.kty, crv: stored.crv, x: stored.x, y: stored.y, d: stored.d }
        : { kty: stored.kty, crv: stored.crv, x: stored.x, d: stored.d };
    const publicMaterial: JsonWebKey =
      stored.kty === 'EC' ? { kty: stored.kty, crv: stored.crv, x: stored.x, y: stored.y } : { kty: stored.kty, crv: stored.crv, x: stored.x };
    const privateKey = await crypto.subtle.importKey('jwk', { ...material, ext: true }, algorithm, true, ['sign']);
    const publicKey = await crypto.subtle.importKey('jwk', { ...publicMaterial, ext: true }, algorithm, true, ['verify']);
    return DpopKey.#from(stored, { privateKey, publicKey });
  }

  static #from(stored: DpopPrivateJwk, pair: CryptoKeyPair): DpopKey {
    const publicJwk: JWK = stored.kty === 'EC' ? { kty: 'EC', crv: stored.crv, x: stored.x, y: stored.y } : { kty: 'OKP', crv: stored.crv, x: stored.x };
    return new DpopKey(stored, pair, publicJwk);
  }

  /** RFC 7638 thumbprint of the public key: `cnf.jkt` of the tokens bound to it, and `dpop_jkt`. */
  async thumbprint(): Promise<string> {
    this.#thumbprint ??= await (await jose()).calculateJwkThumbprint(this.#publicJwk, 'sha256');
    return this.#thumbprint;
  }

  /** openid-client's handle for requests to the authorization server (it signs with this key). */
  handle(config: client.Configuration): client.DPoPHandle {
    let handle = this.#handles.get(config);
    if (!handle) {
      handle = this.#newHandle(config);
      this.#handles.set(config, handle);
    }
    return handle;
  }

  #newHandle(config: client.Configuration): client.DPoPHandle {
    // oauth4webapi names an Ed25519 key's algorithm `Ed25519`; a server that knows only `EdDSA` gets that name.
    const options: client.ModifyAssertionOptions | undefined =
      this.alg === 'EdDSA'
        ? {
            [client.modifyAssertion]: (header) => {
              header.alg = 'EdDSA';
            },
          }
        : undefined;
    return client.getDPoPHandle(config, this.keyPair, options);
  }

  /** Proofs for resource servers, with their nonces remembered per origin. */
  readonly resourceProofs: DpopProofSigner = {
    proof: (htm, url, accessToken) => this.#proof(htm, url, accessToken),
    rememberNonce: (url, nonce) => {
      this.#nonces.delete(url.origin);
      const oldest = this.#nonces.keys().next();
      if (this.#nonces.size >= MAX_NONCES && !oldest.done) this.#nonces.delete(oldest.value);
      this.#nonces.set(url.origin, nonce);
    },
  };

  async #proof(htm: string, url: URL, accessToken: string): Promise<string> {
    const nonce = this.#nonces.get(url.origin);
    // ath is the same for every request with one access token: computed once per token.
    if (this.#ath?.token !== accessToken) {
      this.#ath = {
        token: accessToken,
        value: Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))).toString('base64url'),
      };
    }
    const ath = this.#ath.value;
    const { SignJWT } = await jose();
    return new SignJWT({
      htm,
      // RFC 9449 §4.2: the target URI without query and fragment.
      htu: `${url.origin}${url.pathname}`,
      ath,
      ...(nonce !== undefined ? { nonce } : {}),
    })
      .setProtectedHeader({ alg: this.alg, typ: 'dpop+jwt', jwk: this.#publicJwk })
      .setIssuedAt()
      .setJti(nodeCrypto().randomBytes(16).toString('base64url'))
      .sign(this.keyPair.privateKey);
  }
}

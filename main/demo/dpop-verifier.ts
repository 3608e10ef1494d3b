/**
 * The demo API's side of DPoP (RFC 9449 §7.1, §4.3): a DPoP-bound access
 * token is accepted only with a proof signed by the key it is bound to
 * (`cnf.jkt` from introspection), for this method and URL, for this token
 * (`ath`), fresh (`iat`), used once (`jti`) and, when nonces are required,
 * carrying the API's current nonce (§8).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify, type JWK } from 'jose';

export type DpopCheck = { ok: true } | { ok: false; error: 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token'; description: string };

export interface DpopVerifierOptions {
  /** Ask for a server nonce in every proof (RFC 9449 §8). */
  requireNonce?: boolean;
  now?: () => number;
}

/** Proofs older (or newer) than this are refused. */
const MAX_AGE_SECONDS = 60;
/** Replay memory is bounded: jtis are kept only as long as their proof could be accepted. */
const MAX_JTIS = 100_000;
export const DPOP_ALGS = ['ES256', 'Ed25519', 'EdDSA'];

export class DemoDpopVerifier {
  readonly requireNonce: boolean;
  readonly #secret = randomBytes(32);
  readonly #now: () => number;
  readonly #seen = new Map<string, number>();
  #rotation = 0;

  constructor(opts: DpopVerifierOptions = {}) {
    this.requireNonce = opts.requireNonce ?? false;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * The nonce to hand out now; it changes every five minutes, or on `rotateNonce()`.
   * The previous window's is still accepted, so a change between a challenge and its retry is not a second challenge.
   */
  currentNonce(): string {
    return this.#nonceAt(Math.floor(this.#now() / 300_000));
  }

  #nonceAt(window: number): string {
    return createHmac('sha256', this.#secret).update(`${window}:${this.#rotation}`).digest('base64url');
  }

  #acceptsNonce(nonce: unknown): boolean {
    const window = Math.floor(this.#now() / 300_000);
    return typeof nonce === 'string' && (nonce === this.#nonceAt(window) || nonce === this.#nonceAt(window - 1));
  }

  /** Invalidates the current nonce (tests and the benchmark use it to force a challenge). */
  rotateNonce(): void {
    this.#rotation += 1;
  }

  async verify(input: { proof: string | undefined; method: string; htu: string; accessToken: string; jkt: string }): Promise<DpopCheck> {
    if (!input.proof) return { ok: false, error: 'invalid_token', description: 'DPoP-bound token presented without a DPoP proof' };
    let payload: Record<string, unknown>;
    let jwk: JWK | undefined;
    try {
      const verified = await jwtVerify(input.proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGS, maxTokenAge: MAX_AGE_SECONDS, clockTolerance: 5 });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk;
    } catch {
      return { ok: false, error: 'invalid_dpop_proof', description: 'DPoP proof is not valid' };
    }
    if (!jwk || (await calculateJwkThumbprint(jwk, 'sha256')) !== input.jkt) {
      return { ok: false, error: 'invalid_token', description: 'DPoP proof key does not match the token binding' };
    }
    if (payload.htm !== input.method || payload.htu !== input.htu)
      return { ok: false, error: 'invalid_dpop_proof', description: 'DPoP proof htm or htu mismatch' };
    const ath = createHash('sha256').update(input.accessToken).digest('base64url');
    if (payload.ath !== ath) return { ok: false, error: 'invalid_dpop_proof', description: 'DPoP proof ath mismatch' };
    if (typeof payload.jti !== 'string' || payload.jti.length < 8 || payload.jti.length > 256) {
      return { ok: false, error: 'invalid_dpop_proof', description: 'DPoP proof jti missing' };
    }
    if (this.requireNonce && !this.#acceptsNonce(payload.nonce)) {
      return { ok: false, error: 'use_dpop_nonce', description: 'Authorization server requires nonce in DPoP proof' };
    }
    // Checked last, so that a proof refused for its nonce does not burn its jti.
    const now = this.#now();
    for (const [jti, until] of this.#seen) {
      if (until > now && this.#seen.size < MAX_JTIS) break;
      this.#seen.delete(jti);
    }
    if (this.#seen.has(payload.jti)) return { ok: false, error: 'invalid_dpop_proof', description: 'DPoP proof jti was already used' };
    this.#seen.set(payload.jti, now + (MAX_AGE_SECONDS + 5) * 1000);
    return { ok: true };
  }
}

/**
 * Reading what a server says about DPoP nonces: the `DPoP-Nonce` response
 * header and a `WWW-Authenticate: DPoP error="use_dpop_nonce"` challenge.
 * Both come from the network (a resource server may be anything on the
 * allow-list), so both are bounded, never throw, and accept only the grammar
 * of the RFC.
 *
 * @see RFC 9449 §8 (resource server nonce), §8.1 (`DPoP-Nonce` syntax),
 *      RFC 9110 §11.6.1 (`WWW-Authenticate`), §11.2 (auth-param)
 */

/** Longer headers are not parsed at all: no real challenge or nonce comes near this. */
const MAX_HEADER_CHARS = 8 * 1024;
/** `nonce = 1*NQCHAR`, NQCHAR = %x21 / %x23-5B / %x5D-7E (RFC 9449 §8.1); bounded here. */
const NONCE_RE = /^[\x21\x23-\x5B\x5D-\x7E]{1,1024}$/;
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The nonce in a `DPoP-Nonce` header, or null when absent or not well-formed. */
export function parseDpopNonce(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return NONCE_RE.test(trimmed) ? trimmed : null;
}

export interface Challenge {
  /** Lower-cased auth scheme, e.g. `dpop`, `bearer`. */
  scheme: string;
  /** Lower-cased parameter names; values unquoted. Duplicate names: the first wins. */
  params: Record<string, string>;
}

/**
 * Splits a `WWW-Authenticate` value into challenges. Malformed parts end the
 * parse (what was read so far is returned): never an exception.
 */
export function parseChallenges(value: string | null | undefined): Challenge[] {
  if (typeof value !== 'string' || value.length > MAX_HEADER_CHARS) return [];
  const out: Challenge[] = [];
  let i = 0;
  const n = value.length;
  const skipWs = () => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i += 1;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(value[i]!)) i += 1;
    return value.slice(start, i);
  };
  const readQuoted = (): string | null => {
    // value[i] === '"'
    i += 1;
    let s = '';
    while (i < n) {
      const c = value[i]!;
      if (c === '"') {
        i += 1;
        return s;
      }
      if (c === '\\') {
        if (i + 1 >= n) return null;
        s += value[i + 1];
        i += 2;
        continue;
      }
      s += c;
      i += 1;
    }
    return null;
  };

  let current: Challenge | null = null;
  while (i < n) {
    skipWs();
    if (value[i] === ',') {
      i += 1;
      continue;
    }
    const start = i;
    const word = readToken();
    if (word.length === 0) break;
    skipWs();
    if (value[i] === '=' && current !== null && value[i + 1] !== '=') {
      // auth-param of the current challenge
      i += 1;
      skipWs();
      let v: string | null;
      if (value[i] === '"') v = readQuoted();
      else {
        v = readToken();
        if (v.length === 0) v = null;
      }
      if (v === null) break;
      const name = word.toLowerCase();
      if (!Object.hasOwn(current.params, name)) current.params[name] = v;
      skipWs();
      if (i < n && value[i] !== ',') break;
      continue;
    }
    // A new challenge: `scheme` followed by params (or a token68, which is skipped).
    if (!TOKEN_RE.test(word)) break;
    current = { scheme: word.toLowerCase(), params: Object.create(null) as Record<string, string> };
    out.push(current);
    skipWs();
    if (i < n && value[i] !== ',') {
      // Look ahead: `name=` starts params; anything else may be a token68.
      const save = i;
      const next = readToken();
      skipWs();
      if (next.length > 0 && value[i] === '=' && value[i + 1] !== '=') {
        i = save;
        continue;
      }
      i = save;
      const t68 = /^[A-Za-z0-9\-._~+/]+=*/.exec(value.slice(i));
      if (!t68) break;
      i += t68[0].length;
      skipWs();
      if (i < n && value[i] !== ',') break;
    }
    if (i === start) break;
  }
  return out;
}

/** True when the answer asks for a (new) DPoP nonce: `WWW-Authenticate: DPoP error="use_dpop_nonce"`. */
export function isUseDpopNonceChallenge(wwwAuthenticate: string | null | undefined): boolean {
  return parseChallenges(wwwAuthenticate).some((c) => c.scheme === 'dpop' && c.params.error === 'use_dpop_nonce');
}

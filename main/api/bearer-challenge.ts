/**
 * What a resource server's `Bearer` (or `DPoP`) challenge asks of the client:
 * the one reader of `error="insufficient_scope"` (RFC 6750 §3.1) and
 * `error="insufficient_user_authentication"` (RFC 9470 §3), and of
 * `resource_metadata` (RFC 9728 §5.1: where the API describes itself). The header is
 * split by `parseChallenges` (dpop-challenge.ts), the one parser of
 * `WWW-Authenticate` in the app; this module only reads its parameters.
 *
 * Everything here comes from the network (any API on the allow-list): values
 * are bounded and must match the RFC's grammar, or the parameter is ignored.
 * Nothing throws.
 *
 * @see RFC 6750 §3 (Bearer challenge), RFC 9449 §7.1 (the same errors in a DPoP
 *      challenge), RFC 9470 §3 (acr_values, max_age), RFC 9728 §5.1, RFC 9110 §11.6.1
 */
import { parseChallenges, type Challenge } from './dpop-challenge';

/** `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )` (RFC 6749 §3.3); an ACR value is one too (RFC 9470 §3). */
const SCOPE_TOKEN_RE = /^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/;
/** More would be no real challenge: the list is cut here. */
const MAX_VALUES = 50;
/** `max_age` is a non-negative integer of seconds (RFC 9470 §3); ten years bounds it. */
const MAX_AGE_LIMIT = 10 * 365 * 24 * 3600;

/** What a step-up challenge requires: acceptable ACR values (any one of them), and/or an authentication this recent. */
export interface StepUpRequirement {
  /** Acceptable authentication context classes, most preferred first (RFC 9470 `acr_values`). */
  acrValues?: string[];
  /** The authentication must be at most this many seconds old (RFC 9470 `max_age`). */
  maxAge?: number;
}

/** The challenges that can carry RFC 6750's errors: Bearer, and DPoP for a DPoP-bound token. */
function tokenChallenges(wwwAuthenticate: string | null | undefined): Challenge[] {
  return parseChallenges(wwwAuthenticate).filter((c) => c.scheme === 'bearer' || c.scheme === 'dpop');
}

/** A space-separated list of scope-tokens; a malformed token is dropped, not the list. */
function tokenList(value: string | undefined): string[] {
  return (value ?? '')
    .split(' ')
    .filter((t) => SCOPE_TOKEN_RE.test(t))
    .slice(0, MAX_VALUES);
}

/**
 * RFC 6750 §3.1: `error="insufficient_scope"`, with the scopes it names
 * (`scope="…"`, possibly none). Null when the header is no such challenge.
 */
export function insufficientScope(wwwAuthenticate: string | null | undefined): string[] | null {
  const challenge = tokenChallenges(wwwAuthenticate).find((c) => c.params.error === 'insufficient_scope');
  return challenge ? tokenList(challenge.params.scope) : null;
}

/**
 * RFC 9470 §3: `error="insufficient_user_authentication"`, with what it
 * requires. Null when the header is no such challenge; a challenge naming
 * neither a usable `acr_values` nor a usable `max_age` is still one (the
 * provider is then asked for a fresh sign-in, `max_age=0` being the nearest
 * reading of "authenticate again").
 */
export function insufficientUserAuthentication(wwwAuthenticate: string | null | undefined): StepUpRequirement | null {
  const challenge = tokenChallenges(wwwAuthenticate).find((c) => c.params.error === 'insufficient_user_authentication');
  if (!challenge) return null;
  const acrValues = tokenList(challenge.params.acr_values);
  const rawAge = challenge.params.max_age;
  const maxAge = rawAge !== undefined && /^\d{1,9}$/.test(rawAge) && Number(rawAge) <= MAX_AGE_LIMIT ? Number(rawAge) : undefined;
  if (acrValues.length === 0 && maxAge === undefined) return { maxAge: 0 };
  return { ...(acrValues.length > 0 ? { acrValues } : {}), ...(maxAge !== undefined ? { maxAge } : {}) };
}

/**
 * RFC 9728 §5.1: the `resource_metadata` parameter of a `WWW-Authenticate`
 * challenge (Bearer or DPoP), or null when the answer has none.
 */
export function resourceMetadataChallenge(wwwAuthenticate: string | null): string | null {
  // A URL is a quoted-string in a challenge, never a bare token.
  for (const c of parseChallenges(wwwAuthenticate)) {
    const value = c.params.resource_metadata;
    // The parser stops at a malformed part, which can leave a fragment of a bare URL ("https"): only an absolute URL counts.
    if ((c.scheme === 'bearer' || c.scheme === 'dpop') && value !== undefined && value.length <= 2048 && /^https?:\/\/./i.test(value)) return value;
  }
  return null;
}

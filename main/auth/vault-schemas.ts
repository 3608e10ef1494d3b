/**
 * The shapes the vault reads back from disk, as zod schemas (everything read
 * back is untrusted), and the records it hands to the core. The file format
 * itself is described in vault.ts.
 */
import { atFirstUse, z } from './zod';
import { dpopPrivateJwkSchema, type DpopPrivateJwk } from './dpop';
import type { UserInfo } from './types';

/** An access token kept because the provider gave no refresh token (e.g. a 20-year token). */
export interface StoredAccessToken {
  token: string;
  type: string;
  /** Epoch ms; absent when the provider gave no lifetime. */
  expiresAt?: number;
}

/**
 * What one vault entry holds: one of `refreshToken` / `accessToken` (with a
 * refresh token, no access token is stored), who it belongs to, and the DPoP
 * key the tokens are bound to.
 */
export interface StoredCredentials {
  providerId: string;
  refreshToken?: string;
  accessToken?: StoredAccessToken;
  user: UserInfo;
  savedAt: number;
  /** The DPoP private key the refresh token is bound to (RFC 9449); absent for unbound tokens and older entries. */
  dpopKey?: DpopPrivateJwk;
}

/** One account's entry: `providerId` is the provider, `id` the account (`accounts.ts`). */
export interface StoredAccount extends StoredCredentials {
  id: string;
}

/** A revocation that failed at sign-out, kept to be retried (tokens only inside the ciphertext). */
export interface PendingRevocation {
  id: string;
  providerId: string;
  /** The sign-out's tokens: what a grant in flight rotated away and the access tokens of single APIs too. */
  tokens: { refreshToken?: string; accessToken?: string; replacedRefreshTokens?: string[]; apiAccessTokens?: string[] };
  firstFailedAt: number;
  attempts: number;
}

/** Upper bound for one entry's ciphertext; a refresh token plus a profile is far smaller. */
const MAX_CIPHERTEXT_CHARS = 64 * 1024;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;
export const MAX_PENDING_REVOCATIONS = 20;

/**
 * Built at the first read of a vault or revocation file (`atFirstUse`): a
 * start with nothing stored yet reads neither, and building them was a
 * measurable part of start-up (bench `main_start_ratio`).
 */
function buildSchemas() {
  const ciphertext = z.string().check(z.minLength(1), z.maxLength(MAX_CIPHERTEXT_CHARS), z.regex(BASE64_RE));

  const revocationEntry = z.strictObject({
    id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
    providerId: z.string().check(z.minLength(1), z.maxLength(64)),
    ciphertext,
    firstFailedAt: z.number().check(z.int(), z.nonnegative()),
    attempts: z.number().check(z.int(), z.nonnegative()),
  });
  const revocationFile = z.object({ version: z.literal(1), entries: z.array(z.unknown()).check(z.maxLength(MAX_PENDING_REVOCATIONS * 2)) });
  const revocationSecret = z.strictObject({
    refreshToken: z.optional(z.string().check(z.minLength(1))),
    accessToken: z.optional(z.string().check(z.minLength(1))),
    replacedRefreshTokens: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(16))),
    apiAccessTokens: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(32))),
  });

  const entry = z.strictObject({
    ciphertext,
    savedAt: z.number().check(z.int(), z.nonnegative()),
  });

  const file = z.object({
    version: z.literal(1),
    entries: z.record(z.string(), z.unknown()),
    lastProviderId: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(64)))),
    activeAccountId: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(1024)))),
  });

  const user = z.object({
    sub: z.string().check(z.minLength(1)),
    name: z.optional(z.string()),
    email: z.optional(z.string()),
  });

  const accessToken = z.strictObject({
    token: z.string().check(z.minLength(1)),
    type: z.string().check(z.minLength(1), z.maxLength(64)),
    expiresAt: z.optional(z.number().check(z.int(), z.nonnegative())),
  });

  /** What is inside the ciphertext. Entries written before access tokens or DPoP keys were kept have only `refreshToken`. */
  const secret = z
    .strictObject({
      refreshToken: z.optional(z.string().check(z.minLength(1))),
      accessToken: z.optional(accessToken),
      user,
      dpopKey: z.optional(dpopPrivateJwkSchema()),
      // Which provider the token is for (vault-binding.ts); absent in entries written before bindings.
      bound: z.optional(z.strictObject({ providerId: z.string().check(z.minLength(1), z.maxLength(64)), provider: z.string().check(z.maxLength(4096)) })),
    })
    .check(z.refine((s) => s.refreshToken !== undefined || s.accessToken !== undefined));

  return { revocationEntry, revocationFile, revocationSecret, entry, file, secret };
}

export const vaultSchemas = atFirstUse(buildSchemas);
type VaultSchemas = ReturnType<typeof buildSchemas>;

export type VaultFile = z.infer<VaultSchemas['file']>;
export type RevocationEntry = z.infer<VaultSchemas['revocationEntry']>;
export type StoredSecret = z.infer<VaultSchemas['secret']>;

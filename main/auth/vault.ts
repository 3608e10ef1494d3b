/**
 * The vault: the refresh token (and who it belongs to) encrypted at rest — or,
 * for a provider that issues no refresh token, its long-lived access token and
 * that token's expiry.
 *
 * What reaches the store, under one key (`vault`):
 *
 * ```json
 * { "version": 1,
 *   "entries": { "<providerId>:<h>": { "ciphertext": "<base64>", "savedAt": 1700000000000 } },
 *   "lastProviderId": "<providerId>",
 *   "activeAccountId": "<providerId>:<h>" }
 * ```
 *
 * One entry per account. The key is the provider id and `h`, a SHA-256 of the
 * account id (`accounts.ts`), so the subject — on some providers an email or
 * a username — stays inside the ciphertext with the rest. Entries keyed
 * by a bare provider id are the format before accounts: `loadAccounts()`
 * re-keys them (same ciphertext, no re-encryption). Compatibility with an
 * older app reading this file: `version` stays 1 and the account entries
 * have the old entry shape, so its schema accepts the file; it looks up only
 * `entries[lastProviderId]`, finds nothing and starts signed out; it strips
 * the unknown `activeAccountId` when it writes but keeps every entry (it
 * copies `entries` whole), so no account is lost by a downgrade.
 *
 * A revocation that failed at sign-out is kept under a second key,
 * `revocations` (`{ "version": 1, "entries": [{ id, providerId, ciphertext,
 * firstFailedAt, attempts }] }`, the tokens only inside the ciphertext), so a
 * vault written before it existed loads unchanged.
 *
 * The ciphertext is `cipher.encrypt(JSON.stringify({ refreshToken, user, dpopKey? }))`,
 * or `{ accessToken: { token, type, expiresAt }, user, dpopKey? }` when there is no
 * refresh token: the token, the DPoP private key it is bound to (when the
 * provider offers DPoP) AND the person's name and email exist only inside it. The provider
 * id, the save time and the last-used provider id are the only plaintext.
 *
 * Honesty about weak storage: when the OS offers no encryption, or Linux
 * reports the `basic_text` backend (a hard-coded key, i.e. no protection), the
 * vault keeps sessions in memory only and says so in `status().notice`, unless
 * the configuration explicitly opted in with `allowWeakStorage`.
 *
 * Everything read back is untrusted disk content: it is validated with zod,
 * and anything that does not validate or decrypt is dropped (logged without
 * secrets) so the app starts signed out instead of crash-looping.
 *
 * Electron-free: the cipher and the store are passed in.
 */
import { createHash } from 'node:crypto';
import { z } from './zod';
import { dpopPrivateJwkSchema, type DpopPrivateJwk } from './dpop';
import { AuthError } from './errors';
import { accountIdFor, isAccountId, providerOfAccount } from './accounts';
import type { ProviderConfig } from './config';
import { noopLogger } from './log';
import { bindingsFor, type VaultBinding } from './vault-binding';
import type { Cipher, KeyValueStore, Logger, StorageStatus, UserInfo } from './types';

/** An access token kept because the provider gave no refresh token (e.g. a 20-year token). */
export interface StoredAccessToken {
  token: string;
  type: string;
  /** Epoch ms; absent when the provider gave no lifetime. */
  expiresAt?: number;
}

/** One of `refreshToken` / `accessToken` is present; with a refresh token, no access token is stored. */
export interface StoredSession {
  providerId: string;
  refreshToken?: string;
  accessToken?: StoredAccessToken;
  user: UserInfo;
  savedAt: number;
  /** The DPoP private key the refresh token is bound to (RFC 9449); absent for unbound tokens and older entries. */
  dpopKey?: DpopPrivateJwk;
}

/** One account's entry: `providerId` is the provider, `id` the account (`accounts.ts`). */
export interface StoredAccount extends StoredSession {
  id: string;
}

export interface VaultDeps {
  cipher: Cipher;
  store: KeyValueStore;
  /** Store the refresh token even on Linux `basic_text` (no real protection). Off by default. */
  allowWeakStorage?: boolean;
  logger?: Logger;
  /**
   * The configured providers: each entry is bound to its provider's identity
   * (vault-binding.ts) inside the ciphertext, and an entry whose binding does
   * not match the configuration is dropped before its token can be sent.
   * The app always passes them; without them entries are neither bound nor checked.
   */
  providers?: readonly ProviderConfig[];
}

export const VAULT_STORE_KEY = 'vault';

/** Upper bound for one entry's ciphertext; a refresh token plus a profile is far smaller. */
const MAX_CIPHERTEXT_CHARS = 64 * 1024;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Failed revocations waiting for a retry live under their own key, so a vault
 * written before they existed loads unchanged and the session entries' format
 * is untouched.
 */
export const REVOCATIONS_STORE_KEY = 'revocations';
const MAX_PENDING_REVOCATIONS = 20;

/** A revocation that failed at sign-out, kept to be retried (tokens only inside the ciphertext). */
export interface PendingRevocation {
  id: string;
  providerId: string;
  /** The sign-out's tokens: what a grant in flight rotated away and the access tokens of single APIs too. */
  tokens: { refreshToken?: string; accessToken?: string; replacedRefreshTokens?: string[]; apiAccessTokens?: string[] };
  firstFailedAt: number;
  attempts: number;
}

const revocationEntrySchema = z.strictObject({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  providerId: z.string().check(z.minLength(1), z.maxLength(64)),
  ciphertext: z.string().check(z.minLength(1), z.maxLength(MAX_CIPHERTEXT_CHARS), z.regex(BASE64_RE)),
  firstFailedAt: z.number().check(z.int(), z.nonnegative()),
  attempts: z.number().check(z.int(), z.nonnegative()),
});
const revocationFileSchema = z.object({ version: z.literal(1), entries: z.array(z.unknown()).check(z.maxLength(MAX_PENDING_REVOCATIONS * 2)) });
const revocationSecretSchema = z.strictObject({
  refreshToken: z.optional(z.string().check(z.minLength(1))),
  accessToken: z.optional(z.string().check(z.minLength(1))),
  replacedRefreshTokens: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(16))),
  apiAccessTokens: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(32))),
});

const entrySchema = z.strictObject({
  ciphertext: z.string().check(z.minLength(1), z.maxLength(MAX_CIPHERTEXT_CHARS), z.regex(BASE64_RE)),
  savedAt: z.number().check(z.int(), z.nonnegative()),
});

const fileSchema = z.object({
  version: z.literal(1),
  entries: z.record(z.string(), z.unknown()),
  lastProviderId: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(64)))),
  activeAccountId: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(1024)))),
});

const userSchema = z.object({
  sub: z.string().check(z.minLength(1)),
  name: z.optional(z.string()),
  email: z.optional(z.string()),
});

const accessTokenSchema = z.strictObject({
  token: z.string().check(z.minLength(1)),
  type: z.string().check(z.minLength(1), z.maxLength(64)),
  expiresAt: z.optional(z.number().check(z.int(), z.nonnegative())),
});

/** What is inside the ciphertext. Entries written before access tokens or DPoP keys were kept have only `refreshToken`. */
const secretSchema = z
  .strictObject({
    refreshToken: z.optional(z.string().check(z.minLength(1))),
    accessToken: z.optional(accessTokenSchema),
    user: userSchema,
    dpopKey: z.optional(dpopPrivateJwkSchema),
    // Absent in entries written before bindings (vault-binding.ts).
    bound: z.optional(z.strictObject({ providerId: z.string().check(z.minLength(1), z.maxLength(64)), provider: z.string().check(z.maxLength(4096)) })),
  })
  .check(z.refine((s) => s.refreshToken !== undefined || s.accessToken !== undefined));

type VaultFile = z.infer<typeof fileSchema>;
type RevocationEntry = z.infer<typeof revocationEntrySchema>;

const NOTICE_NO_ENCRYPTION =
  'This system offers no secure storage for your sign-in, so it is kept in memory only: you will need to sign in again after restarting the app.';
const NOTICE_BASIC_TEXT =
  'No system keyring (such as GNOME Keyring or KWallet) is available, so your sign-in is kept in memory only: you will need to sign in again after restarting the app.';
const NOTICE_WEAK_OPT_IN =
  'Your sign-in is saved with weak protection: no system keyring is available, so anyone who can read your files could use it. It is saved because the configuration allows weak storage.';

export class Vault {
  readonly #cipher: Cipher;
  readonly #store: KeyValueStore;
  readonly #allowWeak: boolean;
  readonly #log: Logger;
  /** Provider id → identity, when the configuration was given. */
  readonly #bindings: ReadonlyMap<string, string> | undefined;
  /** Sessions kept only for this process when the storage is not trustworthy. */
  readonly #memory = new Map<string, StoredSession>();

  constructor(deps: VaultDeps) {
    this.#cipher = deps.cipher;
    this.#store = deps.store;
    this.#allowWeak = deps.allowWeakStorage ?? false;
    this.#log = deps.logger ?? noopLogger;
    this.#bindings = deps.providers ? bindingsFor(deps.providers) : undefined;
  }

  /** Asked every time: `safeStorage` only becomes available after the app is ready. */
  status(): StorageStatus {
    if (!this.#safeIsEncryptionAvailable()) return { persistent: false, notice: NOTICE_NO_ENCRYPTION };
    if (this.#safeBackend() === 'basic_text') {
      return this.#allowWeak ? { persistent: true, notice: NOTICE_WEAK_OPT_IN } : { persistent: false, notice: NOTICE_BASIC_TEXT };
    }
    return { persistent: true };
  }

  /** The stored session for a provider, or null. Never throws. */
  load(providerId: string): StoredSession | null {
    const inMemory = this.#memory.get(providerId);
    if (inMemory) return { ...inMemory, user: { ...inMemory.user } };
    // Entries on disk are left alone while the storage is untrustworthy: the
    // keychain may be locked only for now, and a weak entry cannot be trusted.
    if (this.status().persistent) {
      const file = this.#readFile();
      if (Object.hasOwn(file.entries, providerId)) return this.#decode(file, providerId);
    }
    // Since accounts: the provider's most recently saved account.
    const newest = this.#accounts(false)
      .filter((a) => a.providerId === providerId)
      .sort((a, b) => b.savedAt - a.savedAt)[0];
    if (!newest) return null;
    // The session without the account id.
    const { refreshToken, accessToken, user, savedAt, dpopKey } = newest;
    return {
      providerId,
      ...(refreshToken !== undefined ? { refreshToken } : {}),
      ...(accessToken !== undefined ? { accessToken } : {}),
      user,
      savedAt,
      ...(dpopKey !== undefined ? { dpopKey } : {}),
    };
  }

  /**
   * Every stored account that loads cleanly, after re-keying entries of the
   * format before accounts (keyed by provider id). One read of the file.
   */
  loadAccounts(): StoredAccount[] {
    return this.#accounts(true);
  }

  #accounts(migrate: boolean): StoredAccount[] {
    const out: StoredAccount[] = [];
    for (const [key, s] of this.#memory) if (isAccountId(key)) out.push(toAccount(key, s));
    if (!this.status().persistent) return out;
    const file = migrate ? this.#migrateLegacy(this.#readFile()) : this.#readFile();
    for (const key of Object.keys(file.entries)) {
      if (!isAccountId(key) || this.#memory.has(key)) continue;
      const s = this.#decode(file, key);
      if (s) out.push(toAccount(key, s));
    }
    return out;
  }

  /** Saves one account's entry; with `active`, it is also the one to restore first (same write). */
  saveAccount(account: StoredAccount, opts: { active?: boolean } = {}): void {
    if (!this.status().persistent) {
      this.#memory.set(entryKey(account.id), {
        providerId: account.id,
        ...pickSecret(account),
        user: pickUser(account.user),
        savedAt: account.savedAt,
        ...(account.dpopKey ? { dpopKey: account.dpopKey } : {}),
      });
      this.#removeFromDisk(entryKey(account.id));
      if (opts.active) this.setActiveAccountId(account.id);
      this.#log('info', 'vault.saved_in_memory_only', { providerId: account.providerId });
      return;
    }
    const ciphertext = this.#encrypt(account, account.providerId);
    const file = this.#readFile();
    file.entries[entryKey(account.id)] = { ciphertext, savedAt: account.savedAt };
    if (opts.active) setActive(file, entryKey(account.id));
    this.#writeFile(file);
    this.#memory.delete(entryKey(account.id));
  }

  removeAccount(id: string): void {
    const key = entryKey(id);
    this.#memory.delete(key);
    const file = this.#readFile();
    const had = Object.hasOwn(file.entries, key);
    Reflect.deleteProperty(file.entries, key);
    const wasActive = file.activeAccountId === key;
    if (wasActive) setActive(file, null);
    if (had || wasActive) this.#writeFile(file);
  }

  /**
   * Non-secret: which account to restore eagerly at start. `null` when this
   * app recorded that none is active (its sign-in ended, or was signed out);
   * `undefined` when nothing was recorded (a vault an older app wrote).
   */
  activeAccountId(): string | null | undefined {
    const file = this.#readFile();
    const key = file.activeAccountId;
    if (key === undefined) return undefined;
    if (key === null || key === '') return null;
    // The key hides the subject: the account id comes from the entry itself.
    const inMemory = this.#memory.get(key);
    const s = inMemory ?? (this.status().persistent ? this.#decode(file, key) : null);
    return s ? toAccount(key, s).id : null;
  }

  setActiveAccountId(id: string | null): void {
    const key = id === null ? null : entryKey(id);
    const file = this.#readFile();
    if ((file.activeAccountId ?? null) === key) return;
    setActive(file, key);
    this.#writeFile(file);
  }

  /** Entries keyed by provider id (before accounts) become account entries; the newer entry wins. */
  #migrateLegacy(file: VaultFile): VaultFile {
    const legacy = Object.keys(file.entries).filter((k) => !isAccountId(k));
    if (legacy.length === 0) return file;
    for (const providerId of legacy) {
      const s = this.#decode(file, providerId);
      if (!s) {
        // Dropped on disk by #decode; this copy is written back below.
        Reflect.deleteProperty(file.entries, providerId);
        continue;
      }
      const id = entryKey(accountIdFor(providerId, s.user.sub));
      const existing = entrySchema.safeParse(file.entries[id]);
      if (!existing.success || existing.data.savedAt <= s.savedAt) file.entries[id] = file.entries[providerId];
      Reflect.deleteProperty(file.entries, providerId);
      if (file.lastProviderId === providerId && !file.activeAccountId) file.activeAccountId = id;
    }
    this.#writeFile(file);
    this.#log('info', 'vault.migrated_to_accounts', { entries: legacy.length });
    return file;
  }

  /** Decodes one entry of an already-read file (dropping it when it is unusable). */
  #decode(file: VaultFile, providerId: string): StoredSession | null {
    if (!Object.hasOwn(file.entries, providerId)) return null;
    const raw = file.entries[providerId];

    const entry = entrySchema.safeParse(raw);
    if (!entry.success) return this.#drop(providerId, 'invalid_entry');

    let plaintext: string;
    try {
      plaintext = this.#cipher.decrypt(Buffer.from(entry.data.ciphertext, 'base64'));
    } catch {
      // Typically a reset keychain or a file copied from another machine.
      return this.#drop(providerId, 'decrypt_failed');
    }
    let secret: z.infer<typeof secretSchema>;
    try {
      const parsed = secretSchema.safeParse(JSON.parse(plaintext));
      if (!parsed.success) return this.#drop(providerId, 'invalid_secret');
      secret = parsed.data;
    } catch {
      return this.#drop(providerId, 'invalid_secret');
    }
    const binding = this.#checkBinding(providerId, secret.user.sub, secret.bound);
    if (binding !== 'ok') return binding === 'unconfigured' ? null : this.#drop(providerId, 'binding_mismatch');
    // The schema requires one of the two; checked again so the type says so too.
    const token =
      secret.refreshToken !== undefined ? { refreshToken: secret.refreshToken } : secret.accessToken !== undefined ? { accessToken: secret.accessToken } : null;
    if (!token) return this.#drop(providerId, 'invalid_secret');
    return {
      providerId,
      ...token,
      user: secret.user,
      savedAt: entry.data.savedAt,
      ...(secret.dpopKey ? { dpopKey: secret.dpopKey } : {}),
    };
  }

  /**
   * Whether the entry under `key` may be used with today's configuration.
   * An account entry's key is derived from its own content (provider id and
   * subject), so ciphertext moved under another key never matches; a bound
   * entry must also name this provider id and its current identity. An entry
   * written before bindings passes on the key check alone and is bound when
   * next saved. A provider no longer configured: left alone, not used.
   */
  #checkBinding(key: string, sub: string, bound: VaultBinding | undefined): 'ok' | 'mismatch' | 'unconfigured' {
    if (!this.#bindings) return 'ok';
    const providerId = isAccountId(key) ? providerOfAccount(key) : key;
    if (isAccountId(key) && entryKey(accountIdFor(providerId, sub)) !== key) return 'mismatch';
    const expected = this.#bindings.get(providerId);
    if (expected === undefined) return 'unconfigured';
    if (bound && (bound.providerId !== providerId || bound.provider !== expected)) return 'mismatch';
    return 'ok';
  }

  /** Every session that loads cleanly (bad entries are dropped on the way). */
  loadAll(): StoredSession[] {
    const out: StoredSession[] = [...this.#memory.keys()].flatMap((id) => this.load(id) ?? []);
    if (!this.status().persistent) return out;
    // One read of the file for all entries: start-up cost grows linearly with the number of accounts.
    const file = this.#readFile();
    for (const id of Object.keys(file.entries)) {
      if (this.#memory.has(id)) continue;
      const session = this.#decode(file, id);
      if (session) out.push(session);
    }
    return out;
  }

  /**
   * Saves a session. With untrustworthy storage nothing secret is written:
   * the session is kept in memory for this process (that is not an error; the
   * notice in `status()` tells the person). Throws `storage_error` when the
   * cipher or the store fails.
   */
  save(session: StoredSession): void {
    const clean: StoredSession = {
      providerId: session.providerId,
      ...pickSecret(session),
      user: pickUser(session.user),
      savedAt: session.savedAt,
      ...(session.dpopKey ? { dpopKey: session.dpopKey } : {}),
    };
    if (!this.status().persistent) {
      this.#memory.set(clean.providerId, clean);
      // An older entry (e.g. written while weak storage was allowed) must not linger.
      this.#removeFromDisk(clean.providerId);
      this.#log('info', 'vault.saved_in_memory_only', { providerId: clean.providerId });
      return;
    }
    const ciphertext = this.#encrypt(clean, clean.providerId);
    const file = this.#readFile();
    file.entries[clean.providerId] = { ciphertext, savedAt: clean.savedAt };
    // The session just saved is the one to restore next start: one durable write, not two.
    file.lastProviderId = clean.providerId;
    this.#writeFile(file);
    this.#memory.delete(clean.providerId);
  }

  #encrypt(session: StoredSession, providerId: string): string {
    try {
      // The DPoP private key travels with the token it is bound to: inside the ciphertext only.
      const identity = this.#bindings?.get(providerId);
      const bound: VaultBinding | undefined = identity === undefined ? undefined : { providerId, provider: identity };
      const bytes = this.#cipher.encrypt(
        JSON.stringify({
          ...pickSecret(session),
          user: pickUser(session.user),
          ...(session.dpopKey ? { dpopKey: session.dpopKey } : {}),
          // Which provider this token is for, where no one can change it without the key (vault-binding.ts).
          ...(bound ? { bound } : {}),
        }),
      );
      return Buffer.from(bytes).toString('base64');
    } catch (err) {
      this.#log('error', 'vault.encrypt_failed', { providerId });
      throw new AuthError('storage_error', 'Your sign-in could not be encrypted for saving. You will stay signed in until the app closes.', { cause: err });
    }
  }

  remove(providerId: string): void {
    this.#memory.delete(providerId);
    this.#removeFromDisk(providerId);
  }

  /** Non-secret: which provider to restore at start. */
  lastProviderId(): string | null {
    return this.#readFile().lastProviderId ?? null;
  }

  setLastProviderId(id: string | null): void {
    const file = this.#readFile();
    if ((file.lastProviderId ?? null) === id) return;
    file.lastProviderId = id;
    this.#writeFile(file);
  }

  #drop(providerId: string, reason: string): null {
    this.#log('warn', 'vault.entry_dropped', { providerId, reason });
    try {
      this.#removeFromDisk(providerId);
    } catch {
      // Already logged as a write failure below; the entry is ignored either way.
    }
    return null;
  }

  #removeFromDisk(providerId: string): void {
    const file = this.#readFile();
    if (!Object.hasOwn(file.entries, providerId)) return;
    Reflect.deleteProperty(file.entries, providerId);
    this.#writeFile(file);
  }

  #readFile(): VaultFile {
    let raw: unknown;
    try {
      raw = this.#store.get(VAULT_STORE_KEY);
    } catch {
      this.#log('warn', 'vault.store_read_failed');
      return emptyFile();
    }
    if (raw === undefined) return emptyFile();
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      this.#log('warn', 'vault.invalid_file_ignored');
      return emptyFile();
    }
    // Null prototype: a provider id such as `__proto__` stays a plain key.
    return { ...parsed.data, entries: Object.assign(Object.create(null) as Record<string, unknown>, parsed.data.entries) };
  }

  #writeFile(file: VaultFile): void {
    try {
      this.#store.set(VAULT_STORE_KEY, {
        version: 1,
        entries: { ...file.entries },
        lastProviderId: file.lastProviderId ?? null,
        activeAccountId: file.activeAccountId ?? null,
      });
    } catch (err) {
      this.#log('error', 'vault.store_write_failed');
      throw new AuthError('storage_error', undefined, { cause: err });
    }
  }

  // --- failed revocations kept for a retry ---------------------------------

  readonly #memoryRevocations = new Map<string, PendingRevocation>();

  /** Keeps a failed revocation (encrypted, or in memory only when storage is untrustworthy). Never throws. */
  keepRevocation(pending: PendingRevocation): void {
    if (!this.status().persistent) {
      this.#memoryRevocations.set(pending.id, structuredClone(pending));
      return;
    }
    try {
      const ciphertext = Buffer.from(this.#cipher.encrypt(JSON.stringify(pending.tokens))).toString('base64');
      const entries = this.#readRevocations().filter((e) => e.id !== pending.id);
      entries.push({ id: pending.id, providerId: pending.providerId, ciphertext, firstFailedAt: pending.firstFailedAt, attempts: pending.attempts });
      this.#writeRevocations(entries.slice(-MAX_PENDING_REVOCATIONS));
    } catch {
      this.#log('warn', 'vault.revocation_keep_failed', { providerId: pending.providerId });
      this.#memoryRevocations.set(pending.id, structuredClone(pending));
    }
  }

  /** Every kept revocation that still decrypts (others are dropped). Never throws. */
  pendingRevocations(): PendingRevocation[] {
    const out = [...this.#memoryRevocations.values()].map((p) => structuredClone(p));
    if (!this.status().persistent) return out;
    for (const entry of this.#readRevocations()) {
      try {
        const tokens = revocationSecretSchema.parse(JSON.parse(this.#cipher.decrypt(Buffer.from(entry.ciphertext, 'base64'))));
        out.push({ id: entry.id, providerId: entry.providerId, tokens, firstFailedAt: entry.firstFailedAt, attempts: entry.attempts });
      } catch {
        this.#log('warn', 'vault.revocation_dropped', { providerId: entry.providerId, reason: 'decrypt_failed' });
      }
    }
    return out;
  }

  removeRevocation(id: string): void {
    this.#memoryRevocations.delete(id);
    try {
      const entries = this.#readRevocations();
      if (entries.some((e) => e.id === id)) this.#writeRevocations(entries.filter((e) => e.id !== id));
    } catch {
      this.#log('warn', 'vault.revocation_remove_failed');
    }
  }

  #readRevocations(): RevocationEntry[] {
    let raw: unknown;
    try {
      raw = this.#store.get(REVOCATIONS_STORE_KEY);
    } catch {
      return [];
    }
    const file = revocationFileSchema.safeParse(raw);
    if (!file.success) return [];
    return file.data.entries.flatMap((e) => {
      const parsed = revocationEntrySchema.safeParse(e);
      return parsed.success ? [parsed.data] : [];
    });
  }

  #writeRevocations(entries: RevocationEntry[]): void {
    if (entries.length === 0) this.#store.delete(REVOCATIONS_STORE_KEY);
    else this.#store.set(REVOCATIONS_STORE_KEY, { version: 1, entries });
  }

  #safeIsEncryptionAvailable(): boolean {
    try {
      return this.#cipher.isEncryptionAvailable();
    } catch {
      return false;
    }
  }

  #safeBackend(): string {
    try {
      return this.#cipher.backend();
    } catch {
      return 'unknown';
    }
  }
}

/** The refresh token, or else the access token: never both (with a refresh token, access tokens stay in memory). */
function pickSecret(session: StoredSession): Pick<StoredSession, 'refreshToken' | 'accessToken'> {
  if (session.refreshToken) return { refreshToken: session.refreshToken };
  const at = session.accessToken;
  if (!at) throw new AuthError('internal_error', 'There is no token to save.');
  return { accessToken: { token: at.token, type: at.type, ...(at.expiresAt !== undefined ? { expiresAt: at.expiresAt } : {}) } };
}

/** Only the fields the vault knows about go into the ciphertext. */
function pickUser(user: UserInfo): UserInfo {
  const out: UserInfo = { sub: user.sub };
  if (user.name !== undefined) out.name = user.name;
  if (user.email !== undefined) out.email = user.email;
  return out;
}

/** The active account's entry key and, for an older app, its provider as the last one used. */
function setActive(file: VaultFile, key: string | null): void {
  file.activeAccountId = key;
  file.lastProviderId = key === null ? null : providerOfAccount(key);
}

/** `<providerId>:<sha256(accountId), base64url, 128 bits>`: stable, and the subject is not readable from it. */
function entryKey(accountId: string): string {
  const hash = createHash('sha256').update(accountId, 'utf8').digest('base64url').slice(0, 22);
  return `${providerOfAccount(accountId)}:${hash}`;
}

function toAccount(key: string, s: StoredSession): StoredAccount {
  const providerId = providerOfAccount(key);
  return { ...s, id: accountIdFor(providerId, s.user.sub), providerId, user: { ...s.user } };
}

function emptyFile(): VaultFile {
  return { version: 1, entries: Object.create(null) as Record<string, unknown>, lastProviderId: null };
}

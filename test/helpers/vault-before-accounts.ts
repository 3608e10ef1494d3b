/**
 * A frozen copy of main/auth/vault.ts as it was before accounts (commit 2acec04),
 * standing in for an older app reading a vault written by this one. Do not
 * update it along with vault.ts: it is the old reader on purpose.
 */
/**
 * The vault: the refresh token (and who it belongs to) encrypted at rest.
 *
 * What reaches the store, under one key (`vault`):
 *
 * ```json
 * { "version": 1,
 *   "entries": { "<providerId>": { "ciphertext": "<base64>", "savedAt": 1700000000000 } },
 *   "lastProviderId": "<providerId>" }
 * ```
 *
 * The ciphertext is `cipher.encrypt(JSON.stringify({ refreshToken, user }))`:
 * the token AND the person's name and email exist only inside it. The provider
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
import { z } from 'zod';
import { AuthError } from '../../main/auth/errors';
import type { Cipher, KeyValueStore, Logger, StorageStatus, UserInfo } from '../../main/auth/types';

export interface StoredSession {
  providerId: string;
  refreshToken: string;
  user: UserInfo;
  savedAt: number;
}

export interface VaultDeps {
  cipher: Cipher;
  store: KeyValueStore;
  /** Store the refresh token even on Linux `basic_text` (no real protection). Off by default. */
  allowWeakStorage?: boolean;
  logger?: Logger;
}

export const VAULT_STORE_KEY = 'vault';

/** Upper bound for one entry's ciphertext; a refresh token plus a profile is far smaller. */
const MAX_CIPHERTEXT_CHARS = 64 * 1024;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

const entrySchema = z
  .object({
    ciphertext: z.string().min(1).max(MAX_CIPHERTEXT_CHARS).regex(BASE64_RE),
    savedAt: z.number().int().nonnegative(),
  })
  .strict();

const fileSchema = z.object({
  version: z.literal(1),
  entries: z.record(z.string(), z.unknown()),
  lastProviderId: z.string().min(1).max(64).nullable().optional(),
});

const userSchema = z.object({
  sub: z.string().min(1),
  name: z.string().optional(),
  email: z.string().optional(),
});

/** What is inside the ciphertext. */
const secretSchema = z.object({ refreshToken: z.string().min(1), user: userSchema }).strict();

type VaultFile = z.infer<typeof fileSchema>;

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
  /** Sessions kept only for this process when the storage is not trustworthy. */
  readonly #memory = new Map<string, StoredSession>();

  constructor(deps: VaultDeps) {
    this.#cipher = deps.cipher;
    this.#store = deps.store;
    this.#allowWeak = deps.allowWeakStorage ?? false;
    this.#log = deps.logger ?? (() => {});
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
    if (!this.status().persistent) return null;
    return this.#decode(this.#readFile(), providerId);
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
    return { providerId, refreshToken: secret.refreshToken, user: secret.user, savedAt: entry.data.savedAt };
  }

  /** Every session that loads cleanly (bad entries are dropped on the way). */
  loadAll(): StoredSession[] {
    const out: StoredSession[] = [...this.#memory.keys()].map((id) => this.load(id)!).filter(Boolean);
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
      refreshToken: session.refreshToken,
      user: pickUser(session.user),
      savedAt: session.savedAt,
    };
    if (!this.status().persistent) {
      this.#memory.set(clean.providerId, clean);
      // An older entry (e.g. written while weak storage was allowed) must not linger.
      this.#removeFromDisk(clean.providerId);
      this.#log('info', 'vault.saved_in_memory_only', { providerId: clean.providerId });
      return;
    }
    let ciphertext: string;
    try {
      const bytes = this.#cipher.encrypt(JSON.stringify({ refreshToken: clean.refreshToken, user: clean.user }));
      ciphertext = Buffer.from(bytes).toString('base64');
    } catch (err) {
      this.#log('error', 'vault.encrypt_failed', { providerId: clean.providerId });
      throw new AuthError('storage_error', 'Your sign-in could not be encrypted for saving. You will stay signed in until the app closes.', { cause: err });
    }
    const file = this.#readFile();
    file.entries[clean.providerId] = { ciphertext, savedAt: clean.savedAt };
    // The session just saved is the one to restore next start: one durable write, not two.
    file.lastProviderId = clean.providerId;
    this.#writeFile(file);
    this.#memory.delete(clean.providerId);
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
      this.#store.set(VAULT_STORE_KEY, { version: 1, entries: { ...file.entries }, lastProviderId: file.lastProviderId ?? null });
    } catch (err) {
      this.#log('error', 'vault.store_write_failed');
      throw new AuthError('storage_error', undefined, { cause: err });
    }
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

/** Only the fields the vault knows about go into the ciphertext. */
function pickUser(user: UserInfo): UserInfo {
  const out: UserInfo = { sub: user.sub };
  if (user.name !== undefined) out.name = user.name;
  if (user.email !== undefined) out.email = user.email;
  return out;
}

function emptyFile(): VaultFile {
  return { version: 1, entries: Object.create(null) as Record<string, unknown>, lastProviderId: null };
}

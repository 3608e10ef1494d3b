/**
 * The vault (the account store): the refresh token (and who it belongs to) encrypted at rest — or,
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
 * vault written before it existed loads unchanged (revocation-store.ts).
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
 * Electron-free: the cipher and the store are passed in. The entries on disk
 * are read and written by vault-file.ts; their schemas are in vault-schemas.ts.
 */
import { isAccountId, accountIdFor } from './account-id';
import type { ProviderConfig } from './config';
import { noopLogger } from './log';
import { RevocationVault } from './revocation-store';
import type { Cipher, KeyValueStore, Logger, StorageStatus } from './types';
import { entryKey, pickSecret, pickUser, setActive, toAccount, VaultFileIO } from './vault-file';
import { vaultSchemas, type PendingRevocation, type StoredAccount, type StoredCredentials, type VaultFile } from './vault-schemas';

export type { PendingRevocation, StoredAccount, StoredCredentials } from './vault-schemas';

export interface VaultDeps {
  cipher: Cipher;
  store: KeyValueStore;
  /** Store the refresh token even on Linux `basic_text` (no real protection). Off by default. */
  allowWeakStorage?: boolean;
  logger?: Logger;
}

const NOTICE_NO_ENCRYPTION =
  'This system offers no secure storage for your sign-in, so it is kept in memory only: you will need to sign in again after restarting the app.';
const NOTICE_BASIC_TEXT =
  'No system keyring (such as GNOME Keyring or KWallet) is available, so your sign-in is kept in memory only: you will need to sign in again after restarting the app.';
const NOTICE_WEAK_OPT_IN =
  'Your sign-in is saved with weak protection: no system keyring is available, so anyone who can read your files could use it. It is saved because the configuration allows weak storage.';

export class Vault {
  readonly #cipher: Cipher;
  readonly #allowWeak: boolean;
  readonly #log: Logger;
  readonly #file: VaultFileIO;
  readonly #revocations: RevocationVault;
  /** Accounts kept only for this process when the storage is not trustworthy, by entry key. */
  readonly #memory = new Map<string, StoredCredentials>();

  constructor(deps: VaultDeps) {
    this.#cipher = deps.cipher;
    this.#allowWeak = deps.allowWeakStorage ?? false;
    this.#log = deps.logger ?? noopLogger;
    this.#file = new VaultFileIO(deps.cipher, deps.store, this.#log);
    this.#revocations = new RevocationVault(deps.cipher, deps.store, this.#log, () => this.status().persistent);
  }

  /** Asked every time: `safeStorage` only becomes available after the app is ready. */
  status(): StorageStatus {
    if (!this.#safeIsEncryptionAvailable()) return { persistent: false, notice: NOTICE_NO_ENCRYPTION };
    if (this.#safeBackend() === 'basic_text') {
      return this.#allowWeak ? { persistent: true, notice: NOTICE_WEAK_OPT_IN } : { persistent: false, notice: NOTICE_BASIC_TEXT };
    }
    return { persistent: true };
  }

  /**
   * Every stored account that loads cleanly, after re-keying entries of the
   * format before accounts (keyed by provider id). One read of the file.
   */
  loadAccounts(): StoredAccount[] {
    const out: StoredAccount[] = [];
    for (const [key, s] of this.#memory) out.push(toAccount(key, s));
    if (!this.status().persistent) return out;
    const file = this.#migrateLegacy(this.#file.read());
    for (const key of Object.keys(file.entries)) {
      if (!isAccountId(key) || this.#memory.has(key)) continue;
      const s = this.#file.decode(file, key);
      if (s) out.push(toAccount(key, s));
    }
    return out;
  }

  /** Saves one account's entry; with `active`, it is also the one to restore first (same write). */
  saveAccount(account: StoredAccount, opts: { active?: boolean } = {}): void {
    const key = entryKey(account.id);
    if (!this.status().persistent) {
      // Nothing secret is written: the account is kept for this process (the notice in `status()` says so).
      this.#memory.set(key, {
        providerId: account.id,
        ...pickSecret(account),
        user: pickUser(account.user),
        savedAt: account.savedAt,
        ...(account.dpopKey ? { dpopKey: account.dpopKey } : {}),
      });
      // An older entry (e.g. written while weak storage was allowed) must not linger.
      this.#file.removeFromDisk(key);
      if (opts.active) this.setActiveAccountId(account.id);
      this.#log('info', 'vault.saved_in_memory_only', { providerId: account.providerId });
      return;
    }
    const ciphertext = this.#file.encrypt(account, account.providerId);
    const file = this.#file.read();
    file.entries[key] = { ciphertext, savedAt: account.savedAt };
    if (opts.active) setActive(file, key);
    this.#file.write(file);
    this.#memory.delete(key);
  }

  removeAccount(id: string): void {
    const key = entryKey(id);
    this.#memory.delete(key);
    const file = this.#file.read();
    const had = Object.hasOwn(file.entries, key);
    Reflect.deleteProperty(file.entries, key);
    const wasActive = file.activeAccountId === key;
    if (wasActive) setActive(file, null);
    if (had || wasActive) this.#file.write(file);
  }

  /**
   * Non-secret: which account to restore eagerly at start. `null` when this
   * app recorded that none is active (its sign-in ended, or was signed out);
   * `undefined` when nothing was recorded (a vault an older app wrote).
   */
  activeAccountId(): string | null | undefined {
    const file = this.#file.read();
    const key = file.activeAccountId;
    if (key === undefined) return undefined;
    if (key === null || key === '') return null;
    // The key hides the subject: the account id comes from the entry itself.
    const inMemory = this.#memory.get(key);
    const s = inMemory ?? (this.status().persistent ? this.#file.decode(file, key) : null);
    return s ? toAccount(key, s).id : null;
  }

  setActiveAccountId(id: string | null): void {
    const key = id === null ? null : entryKey(id);
    const file = this.#file.read();
    if ((file.activeAccountId ?? null) === key) return;
    setActive(file, key);
    this.#file.write(file);
  }

  /**
   * Binds every entry to its provider's identity (vault-binding.ts): called by
   * the core with its providers, configured and connected, before it restores.
   */
  bindToProviders(providerOf: (providerId: string) => ProviderConfig | undefined): void {
    this.#file.bindTo(providerOf);
  }

  /** Keeps a failed revocation (encrypted, or in memory only when storage is untrustworthy). Never throws. */
  keepRevocation(pending: PendingRevocation): void {
    this.#revocations.keep(pending);
  }

  /** Every kept revocation that still decrypts (others are dropped). Never throws. */
  pendingRevocations(): PendingRevocation[] {
    return this.#revocations.pending();
  }

  removeRevocation(id: string): void {
    this.#revocations.remove(id);
  }

  /** Entries keyed by provider id (before accounts) become account entries; the newer entry wins. */
  #migrateLegacy(file: VaultFile): VaultFile {
    const legacy = Object.keys(file.entries).filter((k) => !isAccountId(k));
    if (legacy.length === 0) return file;
    for (const providerId of legacy) {
      const s = this.#file.decode(file, providerId);
      if (!s) {
        // Dropped on disk by decode; this copy is written back below.
        Reflect.deleteProperty(file.entries, providerId);
        continue;
      }
      const id = entryKey(accountIdFor(providerId, s.user.sub));
      const existing = vaultSchemas().entry.safeParse(file.entries[id]);
      if (!existing.success || existing.data.savedAt <= s.savedAt) file.entries[id] = file.entries[providerId];
      Reflect.deleteProperty(file.entries, providerId);
      if (file.lastProviderId === providerId && !file.activeAccountId) file.activeAccountId = id;
    }
    this.#file.write(file);
    this.#log('info', 'vault.migrated_to_accounts', { entries: legacy.length });
    return file;
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

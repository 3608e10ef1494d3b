/**
 * The shipped `Vault` plus the methods of the format before accounts (one
 * entry per provider id) that only tests and the bench use: reading "the
 * provider's session" (`load`), writing an entry in the old shape (`save`) to
 * test the migration, and the old `lastProviderId` pointer. They were once
 * part of `Vault`; the app itself never calls them, so they live here.
 */
import { isAccountId } from '../../main/auth/account-id';
import { noopLogger } from '../../main/auth/log';
import { Vault, type StoredCredentials, type VaultDeps } from '../../main/auth/vault';
import { pickSecret, pickUser, toAccount, VaultFileIO } from '../../main/auth/vault-file';

/** The record of the format before accounts: one per provider. */
export type StoredSession = StoredCredentials;

export class TestVault extends Vault {
  readonly #file: VaultFileIO;
  readonly #log: NonNullable<VaultDeps['logger']>;
  /** Old-shape entries kept for this process when the storage is not trustworthy. */
  readonly #memory = new Map<string, StoredSession>();

  constructor(deps: VaultDeps) {
    super(deps);
    this.#log = deps.logger ?? noopLogger;
    this.#file = new VaultFileIO(deps.cipher, deps.store, this.#log);
  }

  /** The stored session for a provider (an old-shape entry, else its most recently saved account), or null. */
  load(providerId: string): StoredSession | null {
    const inMemory = this.#memory.get(providerId);
    if (inMemory) return { ...inMemory, user: { ...inMemory.user } };
    // Entries on disk are left alone while the storage is untrustworthy.
    const persistent = this.status().persistent;
    const file = persistent ? this.#file.read() : undefined;
    if (file && Object.hasOwn(file.entries, providerId)) return this.#file.decode(file, providerId);
    const accounts = file
      ? Object.keys(file.entries).flatMap((key) => {
          const s = isAccountId(key) ? this.#file.decode(file, key) : null;
          return s ? [toAccount(key, s)] : [];
        })
      : this.loadAccounts();
    const newest = accounts.filter((a) => a.providerId === providerId).sort((a, b) => b.savedAt - a.savedAt)[0];
    if (!newest) return null;
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

  /** Every entry that loads cleanly, whatever its shape (bad entries are dropped on the way). */
  loadAll(): StoredSession[] {
    const out: StoredSession[] = [...this.#memory.keys()].flatMap((id) => this.load(id) ?? []);
    if (!this.status().persistent) return out;
    const file = this.#file.read();
    for (const id of Object.keys(file.entries)) {
      if (this.#memory.has(id)) continue;
      const session = this.#file.decode(file, id);
      if (session) out.push(session);
    }
    return out;
  }

  /** Saves an entry in the format before accounts (keyed by provider id), and makes it the last provider. */
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
      this.#file.removeFromDisk(clean.providerId);
      this.#log('info', 'vault.saved_in_memory_only', { providerId: clean.providerId });
      return;
    }
    const ciphertext = this.#file.encrypt(clean, clean.providerId);
    const file = this.#file.read();
    file.entries[clean.providerId] = { ciphertext, savedAt: clean.savedAt };
    file.lastProviderId = clean.providerId;
    this.#file.write(file);
    this.#memory.delete(clean.providerId);
  }

  remove(providerId: string): void {
    this.#memory.delete(providerId);
    this.#file.removeFromDisk(providerId);
  }

  /** Non-secret: which provider an older app restores at start. */
  lastProviderId(): string | null {
    return this.#file.read().lastProviderId ?? null;
  }

  setLastProviderId(id: string | null): void {
    const file = this.#file.read();
    if ((file.lastProviderId ?? null) === id) return;
    file.lastProviderId = id;
    this.#file.write(file);
  }
}

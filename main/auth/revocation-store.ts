/**
 * Failed revocations waiting for a retry (revocation-retry.ts), kept apart
 * from the account entries under their own store key, `revocations`, so a
 * vault written before they existed loads unchanged and the account entries'
 * format is untouched. The tokens exist only inside the ciphertext.
 */
import type { Cipher, KeyValueStore, Logger } from './types';
import { MAX_PENDING_REVOCATIONS, vaultSchemas, type PendingRevocation, type RevocationEntry } from './vault-schemas';

export const REVOCATIONS_STORE_KEY = 'revocations';

export class RevocationVault {
  /** Kept only for this process when the storage is not trustworthy, or when writing failed. */
  readonly #memory = new Map<string, PendingRevocation>();

  constructor(
    private readonly cipher: Cipher,
    private readonly store: KeyValueStore,
    private readonly log: Logger,
    /** The vault's `status().persistent`, asked every time (safeStorage becomes available late). */
    private readonly persistent: () => boolean,
  ) {}

  /** Keeps a failed revocation (encrypted, or in memory only when storage is untrustworthy). Never throws. */
  keep(pending: PendingRevocation): void {
    if (!this.persistent()) {
      this.#memory.set(pending.id, structuredClone(pending));
      return;
    }
    try {
      const ciphertext = Buffer.from(this.cipher.encrypt(JSON.stringify(pending.tokens))).toString('base64');
      const entries = this.#read().filter((e) => e.id !== pending.id);
      entries.push({ id: pending.id, providerId: pending.providerId, ciphertext, firstFailedAt: pending.firstFailedAt, attempts: pending.attempts });
      this.#write(entries.slice(-MAX_PENDING_REVOCATIONS));
    } catch {
      this.log('warn', 'vault.revocation_keep_failed', { providerId: pending.providerId });
      this.#memory.set(pending.id, structuredClone(pending));
    }
  }

  /** Every kept revocation that still decrypts (others are dropped). Never throws. */
  pending(): PendingRevocation[] {
    const out = [...this.#memory.values()].map((p) => structuredClone(p));
    if (!this.persistent()) return out;
    for (const entry of this.#read()) {
      try {
        const tokens = vaultSchemas().revocationSecret.parse(JSON.parse(this.cipher.decrypt(Buffer.from(entry.ciphertext, 'base64'))));
        out.push({ id: entry.id, providerId: entry.providerId, tokens, firstFailedAt: entry.firstFailedAt, attempts: entry.attempts });
      } catch {
        this.log('warn', 'vault.revocation_dropped', { providerId: entry.providerId, reason: 'decrypt_failed' });
      }
    }
    return out;
  }

  remove(id: string): void {
    this.#memory.delete(id);
    try {
      const entries = this.#read();
      if (entries.some((e) => e.id === id)) this.#write(entries.filter((e) => e.id !== id));
    } catch {
      this.log('warn', 'vault.revocation_remove_failed');
    }
  }

  #read(): RevocationEntry[] {
    let raw: unknown;
    try {
      raw = this.store.get(REVOCATIONS_STORE_KEY);
    } catch {
      return [];
    }
    // Nothing stored yet (every start until a revocation first fails): no schema is built for it.
    if (raw === undefined) return [];
    const file = vaultSchemas().revocationFile.safeParse(raw);
    if (!file.success) return [];
    return file.data.entries.flatMap((e) => {
      const parsed = vaultSchemas().revocationEntry.safeParse(e);
      return parsed.success ? [parsed.data] : [];
    });
  }

  #write(entries: RevocationEntry[]): void {
    if (entries.length === 0) this.store.delete(REVOCATIONS_STORE_KEY);
    else this.store.set(REVOCATIONS_STORE_KEY, { version: 1, entries });
  }
}

/**
 * The vault's entries on disk: reading and writing the `vault` key of the
 * store, decoding one entry (validate → decrypt → validate, dropping what
 * fails), encrypting one, and the entry-key format that hides the subject.
 * The format is described in vault.ts; the schemas are in vault-schemas.ts.
 */
import { nodeCrypto } from './lazy-builtins';
import { accountIdFor, isAccountId, providerOfAccount } from './account-id';
import type { ProviderConfig } from './config';
import { providerIdentity, type VaultBinding } from './vault-binding';
import { AuthError } from './errors';
import type { Cipher, KeyValueStore, Logger, UserInfo } from './types';
import { vaultSchemas, type StoredAccount, type StoredCredentials, type StoredSecret, type VaultFile } from './vault-schemas';

export const VAULT_STORE_KEY = 'vault';

export class VaultFileIO {
  /** The configured (and connected) providers, once the core has told the vault (vault-binding.ts). */
  #providerOf: ((providerId: string) => ProviderConfig | undefined) | undefined;

  constructor(
    private readonly cipher: Cipher,
    private readonly store: KeyValueStore,
    private readonly log: Logger,
  ) {}

  /** From now on entries are written bound to their provider's identity, and checked against it when read. */
  bindTo(providerOf: (providerId: string) => ProviderConfig | undefined): void {
    this.#providerOf = providerOf;
  }

  read(): VaultFile {
    let raw: unknown;
    try {
      raw = this.store.get(VAULT_STORE_KEY);
    } catch {
      this.log('warn', 'vault.store_read_failed');
      return emptyFile();
    }
    if (raw === undefined) return emptyFile();
    const parsed = vaultSchemas().file.safeParse(raw);
    if (!parsed.success) {
      this.log('warn', 'vault.invalid_file_ignored');
      return emptyFile();
    }
    // Null prototype: a provider id such as `__proto__` stays a plain key.
    return { ...parsed.data, entries: Object.assign(Object.create(null) as Record<string, unknown>, parsed.data.entries) };
  }

  write(file: VaultFile): void {
    try {
      this.store.set(VAULT_STORE_KEY, {
        version: 1,
        entries: { ...file.entries },
        lastProviderId: file.lastProviderId ?? null,
        activeAccountId: file.activeAccountId ?? null,
      });
    } catch (err) {
      this.log('error', 'vault.store_write_failed');
      throw new AuthError('storage_error', undefined, { cause: err });
    }
  }

  /** Decodes one entry of an already-read file (dropping it when it is unusable). */
  decode(file: VaultFile, key: string): StoredCredentials | null {
    if (!Object.hasOwn(file.entries, key)) return null;
    const entry = vaultSchemas().entry.safeParse(file.entries[key]);
    if (!entry.success) return this.#drop(key, 'invalid_entry');

    let plaintext: string;
    try {
      plaintext = this.cipher.decrypt(Buffer.from(entry.data.ciphertext, 'base64'));
    } catch {
      // Typically a reset keychain or a file copied from another machine.
      return this.#drop(key, 'decrypt_failed');
    }
    let secret: StoredSecret;
    try {
      const parsed = vaultSchemas().secret.safeParse(JSON.parse(plaintext));
      if (!parsed.success) return this.#drop(key, 'invalid_secret');
      secret = parsed.data;
    } catch {
      return this.#drop(key, 'invalid_secret');
    }
    const binding = checkBinding(key, secret.user.sub, secret.bound, this.#providerOf);
    if (binding === 'unconfigured') return null;
    if (binding === 'mismatch') return this.#drop(key, 'binding_mismatch');
    // The schema requires one of the two; checked again so the type says so too.
    const token =
      secret.refreshToken !== undefined ? { refreshToken: secret.refreshToken } : secret.accessToken !== undefined ? { accessToken: secret.accessToken } : null;
    if (!token) return this.#drop(key, 'invalid_secret');
    return {
      providerId: key,
      ...token,
      user: secret.user,
      savedAt: entry.data.savedAt,
      ...(secret.dpopKey ? { dpopKey: secret.dpopKey } : {}),
    };
  }

  /** The ciphertext of one entry: the token, the DPoP private key it is bound to and the person, never in plaintext. */
  encrypt(credentials: StoredCredentials, providerId: string): string {
    try {
      const provider = this.#providerOf?.(providerId);
      const bound: VaultBinding | undefined = provider ? { providerId, provider: providerIdentity(provider) } : undefined;
      const bytes = this.cipher.encrypt(
        JSON.stringify({
          ...pickSecret(credentials),
          user: pickUser(credentials.user),
          ...(credentials.dpopKey ? { dpopKey: credentials.dpopKey } : {}),
          // Where this token may go, where no one can change it without the key (vault-binding.ts).
          ...(bound ? { bound } : {}),
        }),
      );
      return Buffer.from(bytes).toString('base64');
    } catch (err) {
      this.log('error', 'vault.encrypt_failed', { providerId });
      throw new AuthError('storage_error', 'Your sign-in could not be encrypted for saving. You will stay signed in until the app closes.', { cause: err });
    }
  }

  removeFromDisk(key: string): void {
    const file = this.read();
    if (!Object.hasOwn(file.entries, key)) return;
    Reflect.deleteProperty(file.entries, key);
    this.write(file);
  }

  #drop(key: string, reason: string): null {
    this.log('warn', 'vault.entry_dropped', { providerId: key, reason });
    try {
      this.removeFromDisk(key);
    } catch {
      // Already logged as a write failure; the entry is ignored either way.
    }
    return null;
  }
}

/**
 * Whether the entry under `key` may be used with today's providers. An account
 * entry's key is derived from its own content (provider id and subject), so
 * ciphertext moved under another key never matches; a bound entry must also
 * name this provider id and its current identity. An entry written before
 * bindings passes on the key check alone (it is bound when next saved). A
 * provider no longer configured: left on disk, not used. Before the core has
 * bound the vault, nothing is checked.
 */
function checkBinding(
  key: string,
  sub: string,
  bound: VaultBinding | undefined,
  providerOf: ((providerId: string) => ProviderConfig | undefined) | undefined,
): 'ok' | 'mismatch' | 'unconfigured' {
  if (!providerOf) return 'ok';
  const account = isAccountId(key);
  const providerId = account ? providerOfAccount(key) : key;
  if (account && entryKey(accountIdFor(providerId, sub)) !== key) return 'mismatch';
  const provider = providerOf(providerId);
  if (!provider) return 'unconfigured';
  if (bound && (bound.providerId !== providerId || bound.provider !== providerIdentity(provider))) return 'mismatch';
  return 'ok';
}

/** The refresh token, or else the access token: never both (with a refresh token, access tokens stay in memory). */
export function pickSecret(credentials: StoredCredentials): Pick<StoredCredentials, 'refreshToken' | 'accessToken'> {
  if (credentials.refreshToken) return { refreshToken: credentials.refreshToken };
  const at = credentials.accessToken;
  if (!at) throw new AuthError('internal_error', 'There is no token to save.');
  return { accessToken: { token: at.token, type: at.type, ...(at.expiresAt !== undefined ? { expiresAt: at.expiresAt } : {}) } };
}

/** Only the fields the vault knows about go into the ciphertext. */
export function pickUser(user: UserInfo): UserInfo {
  const out: UserInfo = { sub: user.sub };
  if (user.name !== undefined) out.name = user.name;
  if (user.email !== undefined) out.email = user.email;
  return out;
}

/** The active account's entry key and, for an older app, its provider as the last one used. */
export function setActive(file: VaultFile, key: string | null): void {
  file.activeAccountId = key;
  file.lastProviderId = key === null ? null : providerOfAccount(key);
}

/** `<providerId>:<sha256(accountId), base64url, 128 bits>`: stable, and the subject is not readable from it. */
export function entryKey(accountId: string): string {
  const hash = nodeCrypto().createHash('sha256').update(accountId, 'utf8').digest('base64url').slice(0, 22);
  return `${providerOfAccount(accountId)}:${hash}`;
}

/** The account an entry under `key` belongs to: the key hides the subject, the entry names it. */
export function toAccount(key: string, s: StoredCredentials): StoredAccount {
  const providerId = providerOfAccount(key);
  return { ...s, id: accountIdFor(providerId, s.user.sub), providerId, user: { ...s.user } };
}

function emptyFile(): VaultFile {
  return { version: 1, entries: Object.create(null) as Record<string, unknown>, lastProviderId: null };
}

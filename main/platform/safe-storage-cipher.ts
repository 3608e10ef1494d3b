/**
 * `Cipher` over Electron's `safeStorage` (macOS Keychain, Windows DPAPI, Linux
 * libsecret/KWallet).
 *
 * Usable only after `app.whenReady()`: before `ready`, Linux reports no
 * encryption and the backend `unknown`. Create the vault after ready.
 *
 * The synchronous `encryptString`/`decryptString` are deprecated in favour of
 * their async versions, but the vault's `Cipher` interface is synchronous
 * (so `save` can finish before a refresh token is used); they still work and
 * are what the core needs.
 */
import { safeStorage } from 'electron';
import type { Cipher } from '../auth/types';

/** The subset of `Electron.SafeStorage` used here (a seam for tests). */
export type SafeStorageLike = Pick<Electron.SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>;

export function createSafeStorageCipher(storage: SafeStorageLike = safeStorage, platform: NodeJS.Platform = process.platform): Cipher {
  return {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the Cipher interface is synchronous (see the header); the async replacement cannot serve it
    isEncryptionAvailable: () => storage.isEncryptionAvailable(),
    backend: () => storageBackend(storage, platform),
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- synchronous by design (see the header); still supported by Electron
    encrypt: (plaintext) => storage.encryptString(plaintext),
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- synchronous by design (see the header); still supported by Electron
    decrypt: (ciphertext) => storage.decryptString(Buffer.from(ciphertext)),
  };
}

/**
 * Linux names its backend; `basic_text` means a hard-coded key (no
 * protection), which the vault refuses unless weak storage is allowed.
 * macOS and Windows always use the OS keystore.
 */
function storageBackend(storage: SafeStorageLike, platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'keychain';
    case 'win32':
      return 'dpapi';
    default:
      return storage.getSelectedStorageBackend();
  }
}

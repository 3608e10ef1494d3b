/**
 * A real `Cipher` for tests (AES-256-GCM with a random per-run key), standing
 * in for Electron's safeStorage where no Electron binary exists. Its
 * `backend` can be set to `basic_text` / availability turned off to exercise
 * the vault's refusal to store secrets without real encryption.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Cipher } from '../../main/auth/types';

export interface TestCipher extends Cipher {
  available: boolean;
  backendName: string;
  /** Make every decrypt throw, as after a keychain reset. */
  failDecrypt: boolean;
}

export function createTestCipher(opts: { available?: boolean; backend?: string; key?: Buffer } = {}): TestCipher {
  const key = opts.key ?? randomBytes(32);
  const c: TestCipher = {
    available: opts.available ?? true,
    backendName: opts.backend ?? 'gnome_libsecret',
    failDecrypt: false,
    isEncryptionAvailable: () => c.available,
    backend: () => c.backendName,
    encrypt(plaintext) {
      if (!c.available) throw new Error('Encryption is not available.');
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decrypt(ciphertext) {
      if (c.failDecrypt || !c.available) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      const buf = Buffer.from(ciphertext);
      const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      decipher.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
  return c;
}

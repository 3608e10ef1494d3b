/**
 * Child process for the vault crash test: saves two known sessions, OLD and
 * NEW, alternately and forever, through the real Vault and JsonFileStore,
 * until the parent kills it with SIGKILL at a random moment.
 */
import { JsonFileStore } from '../../main/auth/json-file-store';
import { TestVault as Vault } from './test-vault';
import { createTestCipher } from './aes-cipher';

export const OLD = {
  providerId: 'demo',
  refreshToken: 'old-refresh-token-'.padEnd(64, 'o'),
  user: { sub: 'u1', name: 'Old Name', email: 'old@example.test' },
  savedAt: 1,
};
export const NEW = {
  providerId: 'demo',
  refreshToken: 'new-refresh-token-'.padEnd(64, 'n'),
  user: { sub: 'u1', name: 'New Name', email: 'new@example.test' },
  savedAt: 2,
};

if (process.env.VAULT_WRITER_FILE) {
  const vault = new Vault({
    cipher: createTestCipher({ key: Buffer.from(process.env.VAULT_WRITER_KEY!, 'hex') }),
    store: new JsonFileStore(process.env.VAULT_WRITER_FILE),
  });
  vault.save(OLD);
  // Signalled after a first complete save: from here on the file must always be OLD or NEW.
  process.stdout.write('writing\n');
  for (let i = 0; ; i += 1) vault.save(i % 2 === 0 ? NEW : OLD);
}

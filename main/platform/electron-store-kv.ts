/**
 * `KeyValueStore` over electron-store: `<userData>/vault.json`, written
 * atomically by conf. No `encryptionKey`: that is obfuscation only (the key
 * ships with the app). The vault puts only safeStorage ciphertext and
 * non-secret metadata in here.
 *
 * electron-store is ESM-only and needs Electron's `app`, hence this tiny
 * adapter; `JsonFileStore` is the Electron-free equivalent.
 */
import ElectronStore from 'electron-store';
import type { KeyValueStore } from '../auth/types';

export function createElectronStoreKv(options: { name?: string; cwd?: string } = {}): KeyValueStore {
  const store = new ElectronStore<Record<string, unknown>>({
    name: options.name ?? 'vault',
    ...(options.cwd ? { cwd: options.cwd } : {}),
    // A corrupt file means "signed out", not a crash at start-up.
    clearInvalidConfig: true,
    // Provider ids are plain keys, never paths into nested objects.
    accessPropertiesByDotNotation: false,
    configFileMode: 0o600,
  });
  return {
    get: (key) => store.get(key),
    set: (key, value) => {
      store.set(key, value);
    },
    delete: (key) => {
      store.delete(key);
    },
  };
}

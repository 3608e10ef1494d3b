/**
 * The vault's `KeyValueStore`: `<userData>/<name>.json`, written atomically
 * (temp file, fsync, rename) with mode 0600 by `JsonFileStore`. The vault puts
 * only safeStorage ciphertext and non-secret metadata in here.
 *
 * This used to be electron-store. Its conf + ajv stack cost ~80 ms of module
 * loading at every start (bench `main_start_ratio`) and ~20 packages in the
 * asar for four calls; the file, its place and its JSON-object format are the
 * same, so a vault written by the electron-store version is read as before.
 */
import path from 'node:path';
import { app } from 'electron';
import { JsonFileStore } from '../auth/json-file-store';
import type { KeyValueStore } from '../auth/types';

export function createUserDataStore(options: { name: string; dir?: string }): KeyValueStore {
  return new JsonFileStore(path.join(options.dir ?? app.getPath('userData'), `${options.name}.json`), { mode: 0o600 });
}

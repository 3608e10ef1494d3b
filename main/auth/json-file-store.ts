/**
 * A `KeyValueStore` kept in one JSON file, written atomically.
 *
 * Atomic write (as sindresorhus/conf and write-file-atomic do): the new content
 * goes to a temporary file in the same directory, is fsync'ed, then renamed over
 * the old file. A rename within one file system is atomic, so a process killed
 * mid-write leaves either the old or the new file, never a mix.
 *
 * The file is read on every `get`, so two stores on the same path (or another
 * process) never serve stale data, and a file that is missing, truncated or not
 * a JSON object is treated as empty rather than crashing the app.
 *
 * Electron-free: usable in tests, in plain Node, and in the Electron build.
 */
import { nodeCrypto } from './lazy-builtins';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyValueStore, Logger } from './types';

export interface JsonFileStoreOptions {
  logger?: Logger;
  /** File mode for the written file. Default 0o600: the vault is nobody else's business. */
  mode?: number;
}

type Data = Record<string, unknown>;

export class JsonFileStore implements KeyValueStore {
  readonly filePath: string;
  readonly #logger: Logger | undefined;
  readonly #mode: number;

  constructor(filePath: string, options: JsonFileStoreOptions = {}) {
    this.filePath = path.resolve(filePath);
    this.#logger = options.logger;
    this.#mode = options.mode ?? 0o600;
  }

  get(key: string): unknown {
    const data = this.#read();
    return Object.hasOwn(data, key) ? data[key] : undefined;
  }

  set(key: string, value: unknown): void {
    const data = this.#read();
    data[key] = value;
    this.#write(data);
  }

  delete(key: string): void {
    const data = this.#read();
    if (!Object.hasOwn(data, key)) return;
    Reflect.deleteProperty(data, key);
    this.#write(data);
  }

  #read(): Data {
    let text: string;
    try {
      text = fs.readFileSync(this.filePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#logger?.('warn', 'store.read_failed', { file: path.basename(this.filePath), errno: (err as NodeJS.ErrnoException).code ?? 'unknown' });
      }
      return Object.create(null) as Data;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        // A null-prototype copy: a `__proto__` key in the file stays plain data.
        return Object.assign(Object.create(null) as Data, parsed);
      }
    } catch {
      // fall through: the content is not JSON (truncated, garbage)
    }
    this.#logger?.('warn', 'store.corrupt_file_ignored', { file: path.basename(this.filePath), bytes: text.length });
    return Object.create(null) as Data;
  }

  #write(data: Data): void {
    const dir = path.dirname(this.filePath);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.${path.basename(this.filePath)}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
    const text = `${JSON.stringify(data, null, 2)}\n`;
    let fd: number | undefined;
    try {
      fd = fs.openSync(tmp, 'wx', this.#mode);
      fs.writeFileSync(fd, text, 'utf8');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = undefined;
      renameOver(tmp, this.filePath);
    } catch (err) {
      if (fd !== undefined) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    syncDirectory(dir);
  }
}

/**
 * Windows refuses a rename over a file that another process (a virus scanner,
 * the search indexer, a reader) has open for a moment, with EPERM, EACCES or
 * EBUSY; graceful-fs and write-file-atomic retry for the same reason. Bounded:
 * about 1.5 s in all, then the error stands. Elsewhere these errors are final.
 */
export function renameOver(
  from: string,
  to: string,
  platform: NodeJS.Platform = process.platform,
  rename: (from: string, to: string) => void = fs.renameSync,
): void {
  for (let attempt = 0; ; attempt += 1) {
    try {
      rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const transient = platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
      if (!transient || attempt >= 10) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 * (attempt + 1) ** 1.5);
    }
  }
}

/** Makes the rename itself durable. Best effort: not every platform can open a directory. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

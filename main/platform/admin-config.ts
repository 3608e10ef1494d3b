/**
 * The one place a PACKAGED app takes a configuration override from: somewhere
 * only an administrator can write. The person's own files (userData) and the
 * environment are writable by any process of the same user, and a dropped
 * `config.json` there used to redirect the stored refresh token to a server
 * of its author's choice (SECURITY.md, finding 1).
 *
 * - Linux: `/etc/<executableName>/config.json`
 * - macOS: `/Library/Application Support/<productName>/config.json`
 *   (both must be owned by root and writable by no one else, or they are refused)
 * - Windows: the `Config` string value (the JSON itself) of
 *   `HKLM\Software\Policies\<productName>` (Group Policy's place; only
 *   administrators can write HKLM)
 *
 * Electron-free: the file system and `reg.exe` are reached through the deps.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AuthError } from '../auth/errors';
import { nodeChildProcess } from '../auth/lazy-builtins';

export interface AdminConfigText {
  /** Where it was read (a path or a registry key), for error messages. */
  where: string;
  text: string;
}

export interface AdminConfigDeps {
  platform: NodeJS.Platform;
  names: { productName: string; executableName: string };
  readFile?: (filePath: string) => string;
  stat?: (filePath: string) => { uid: number; mode: number };
  /** Runs `reg.exe query …`; returns stdout, throws when the key or value does not exist. */
  regQuery?: (key: string, value: string) => string;
}

/** Where the override lives on this OS (what the docs and error messages name). */
export function adminConfigLocation(platform: NodeJS.Platform, names: AdminConfigDeps['names']): string {
  switch (platform) {
    case 'win32':
      return `HKLM\\Software\\Policies\\${names.productName}`;
    case 'darwin':
      return path.posix.join('/Library/Application Support', names.productName, 'config.json');
    default:
      return path.posix.join('/etc', names.executableName, 'config.json');
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** The administrator's override, or null when there is none. Throws `invalid_config` for one that may not be trusted. */
export function readAdminConfig(deps: AdminConfigDeps): AdminConfigText | null {
  const where = adminConfigLocation(deps.platform, deps.names);
  if (deps.platform === 'win32') {
    const query =
      deps.regQuery ?? ((key, value) => nodeChildProcess().execFileSync('reg.exe', ['query', key, '/v', value], { encoding: 'utf8', windowsHide: true }));
    let out: string;
    try {
      out = query(where, 'Config');
    } catch {
      // reg.exe exits 1 when the key or the value does not exist: no override.
      return null;
    }
    // "    Config    REG_SZ    {…}"
    const m = /^\s*Config\s+REG_(?:EXPAND_)?SZ\s+(.*)$/m.exec(out);
    if (!m?.[1]) throw new AuthError('invalid_config', `${where}: the Config value must be a string (REG_SZ) holding the configuration JSON.`);
    return { where: `${where}\\Config`, text: m[1] };
  }
  const stat = deps.stat ?? ((p) => statSync(p));
  let info: { uid: number; mode: number };
  try {
    info = stat(where);
  } catch (err) {
    if (isMissing(err)) return null;
    throw new AuthError('invalid_config', `The configuration file ${where} could not be used: it could not be read.`, { cause: err });
  }
  // Root's, and writable by no one else: otherwise it is no more the administrator's than userData is.
  if (info.uid !== 0 || (info.mode & 0o022) !== 0) {
    throw new AuthError('invalid_config', `The configuration file ${where} is not used: it must be owned by root and writable only by root.`);
  }
  return { where, text: (deps.readFile ?? ((p) => readFileSync(p, 'utf8')))(where) };
}

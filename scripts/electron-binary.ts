/**
 * Where the Electron binary is, found the way `electron/index.js` finds it
 * but without requiring that file (requiring it starts a download and throws
 * a stack trace when the download fails). Used by `npm start`
 * (scripts/start.ts) and the `_electron` spec, so both name the same cause.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** `electron/install.js`'s names for the executable inside `dist/`, when it has not written path.txt yet. */
const PLATFORM_PATHS: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'Electron.app/Contents/MacOS/Electron',
  win32: 'electron.exe',
  linux: 'electron',
  freebsd: 'electron',
  openbsd: 'electron',
};

export type ElectronBinary = { executablePath: string } | { missing: string; packageDir?: string };

export function locateElectron(env: Readonly<Record<string, string | undefined>> = process.env, platform: NodeJS.Platform = process.platform): ElectronBinary {
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed (run npm install)' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : PLATFORM_PATHS[platform];
  if (!relative) return { missing: `Electron has no binary for ${platform}`, packageDir };
  const override = env.ELECTRON_OVERRIDE_DIST_PATH?.trim();
  const executablePath = path.join(override || path.join(packageDir, 'dist'), relative);
  if (existsSync(executablePath)) return { executablePath };
  return {
    missing: override
      ? `ELECTRON_OVERRIDE_DIST_PATH is set, but ${executablePath} does not exist`
      : `no Electron binary at ${executablePath}: Electron downloads it on first use, and it has not been downloaded (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or the download failed)`,
    packageDir,
  };
}

/**
 * `npm_pack_bytes` and `npm_pack_files`: the tarball `npm pack ./dist-pkg`
 * makes of the installable package (scripts/build-package.ts), gzipped as
 * npm publishes it. The budget is what an app developer downloads for the
 * core, its Electron glue, the preload bridge and their declarations; the
 * runtime dependencies (openid-client, jose, zod, electron-store) are theirs
 * and not counted.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { single, type Metric } from './stats';

const root = path.resolve(import.meta.dirname, '..');
/** 160 KiB; the package measured 117 KB when the budget was set. */
const NPM_PACK_BUDGET_BYTES = 163_840;

function npm(args: string[]): string {
  const r = spawnSync('npm', args, { cwd: root, encoding: 'utf8', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

export function npmPackSize(): Record<string, Metric> {
  npm(['run', '--silent', 'build:package']);
  const [packed] = JSON.parse(npm(['pack', './dist-pkg', '--dry-run', '--json'])) as { size: number; unpackedSize: number; entryCount: number }[];
  if (!packed) throw new Error('npm pack reported no tarball');
  return {
    npm_pack_bytes: single(packed.size, {
      unit: 'bytes',
      target: { limit: NPM_PACK_BUDGET_BYTES, on: 'value' },
      note: `npm pack ./dist-pkg (gzipped; ${packed.unpackedSize} bytes unpacked)`,
    }),
    npm_pack_files: single(packed.entryCount, { unit: 'files', note: 'files in that tarball' }),
  };
}

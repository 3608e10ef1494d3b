/**
 * A Rollup/Vite plugin that writes the notices for third-party code bundled
 * into the output: for every package a bundled module comes from, its name,
 * version, licence and licence file text. MIT, ISC and BSD require the
 * notice to travel with copies of the code; bundling removes the package
 * directory that used to carry it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

interface PackageInfo {
  name: string;
  version: string;
  license: string;
  text: string;
}

/** The package directory holding `file`: the last `node_modules/<name>` or `node_modules/@scope/<name>` in its path. */
export function packageDirOf(file: string): string | null {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return null;
  const take = parts[at + 1]!.startsWith('@') ? at + 3 : at + 2;
  return parts.slice(0, take).join(path.sep);
}

function describePackage(dir: string): PackageInfo {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string | { type?: string } };
  const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN');
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const text = file ? readFileSync(path.join(dir, file), 'utf8').trim() : `(no licence file in the package; package.json says ${license})`;
  return { name: pkg.name, version: pkg.version, license, text };
}

export function collectNotices(moduleIds: Iterable<string>): PackageInfo[] {
  const dirs = new Set<string>();
  for (const id of moduleIds) {
    const clean = id.replace(/^\0/, '').split('?')[0]!;
    const dir = packageDirOf(clean);
    if (dir && existsSync(path.join(dir, 'package.json'))) dirs.add(dir);
  }
  const byName = new Map<string, PackageInfo>();
  for (const dir of dirs) {
    const info = describePackage(dir);
    byName.set(`${info.name}@${info.version}`, info);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * One notices file per output directory (e.g. `THIRD_PARTY_NOTICES.txt` and
 * `demo/THIRD_PARTY_NOTICES.txt`), so a package that leaves a directory out
 * leaves out its notices too, and names nothing it does not contain.
 */
export function thirdPartyNotices(fileName: string): Plugin {
  return {
    name: 'third-party-notices',
    generateBundle(_options, bundle) {
      const idsByDir = new Map<string, string[]>();
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const dir = path.posix.dirname(chunk.fileName);
        idsByDir.set(dir, [...(idsByDir.get(dir) ?? []), ...Object.keys(chunk.modules)]);
      }
      for (const [dir, ids] of idsByDir) {
        const packages = collectNotices(ids);
        if (packages.length === 0) continue;
        const body = packages.map((p) => `${p.name}@${p.version} (${p.license})\n${'-'.repeat(60)}\n${p.text}\n`).join('\n');
        const head = `Third-party software bundled into the JavaScript of this directory (${packages.length} packages).\n\n`;
        this.emitFile({ type: 'asset', fileName: path.posix.join(dir, fileName), source: head + body });
      }
    },
  };
}

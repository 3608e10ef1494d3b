/**
 * A stand-in for an unpacked Electron distribution, for running
 * electron-builder where the real binary cannot be downloaded
 * (`electronDist` points here). electron-builder copies the directory and
 * renames `electron` to the app's executable; the only part of the binary it
 * reads is the fuse wire, which @electron/fuses finds by its sentinel:
 *
 *   "dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX" | version byte (1) | length byte | one ASCII byte per fuse
 *
 * where a fuse byte is '0' (off), '1' (on) or 'r' (removed). Reading the wire
 * back after a build shows exactly which fuses electron-builder flipped.
 * @see https://github.com/electron/fuses/blob/main/src/index.ts
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/** Fuse order of wire version 1 (@electron/fuses `FuseV1Options`). */
export const FUSES = [
  'RunAsNode',
  'EnableCookieEncryption',
  'EnableNodeOptionsEnvironmentVariable',
  'EnableNodeCliInspectArguments',
  'EnableEmbeddedAsarIntegrityValidation',
  'OnlyLoadAppFromAsar',
  'LoadBrowserProcessSpecificV8Snapshot',
  'GrantFileProtocolExtraPrivileges',
  'WasmTrapHandlers',
] as const;

export type FuseName = (typeof FUSES)[number];

/**
 * What an unmodified Electron 45 binary ships with, so that every fuse the
 * config sets is a visible change: RunAsNode, NODE_OPTIONS, --inspect, file://
 * privileges and WASM trap handlers on; cookie encryption, asar integrity,
 * asar-only and the browser V8 snapshot off.
 */
const ELECTRON_DEFAULT_FUSES: Readonly<Record<FuseName, '0' | '1'>> = {
  RunAsNode: '1',
  EnableCookieEncryption: '0',
  EnableNodeOptionsEnvironmentVariable: '1',
  EnableNodeCliInspectArguments: '1',
  EnableEmbeddedAsarIntegrityValidation: '0',
  OnlyLoadAppFromAsar: '0',
  LoadBrowserProcessSpecificV8Snapshot: '0',
  GrantFileProtocolExtraPrivileges: '1',
  WasmTrapHandlers: '1',
};

export const STUB_ELECTRON_VERSION = '45.4.1';

/** Sentinel, wire version, length and Electron's default fuse bytes. */
function defaultFuseWire(): Buffer {
  const wire = FUSES.map((name) => ELECTRON_DEFAULT_FUSES[name]).join('');
  return Buffer.concat([Buffer.from(FUSE_SENTINEL), Buffer.from([1, FUSES.length]), Buffer.from(wire, 'latin1')]);
}

/** Writes the stub Linux distribution into `dir`; returns the stub binary's bytes for comparison. */
export function makeStubElectronDist(dir: string): { dir: string; binary: Buffer } {
  mkdirSync(dir, { recursive: true });
  const binary = Buffer.concat([Buffer.from('#!/bin/sh\necho "stub Electron: not runnable" >&2; exit 1\n\0'), defaultFuseWire(), Buffer.from('\0end of stub\n')]);
  writeFileSync(path.join(dir, 'electron'), binary);
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'version'), STUB_ELECTRON_VERSION);
  return { dir, binary };
}

/** Reads the fuse wire of a (stub or real) Electron binary. Throws when there is none, or more than one. */
export function readFuses(binary: Buffer | string): Record<FuseName, string> {
  const bytes = typeof binary === 'string' ? readFileSync(binary) : binary;
  const at = bytes.indexOf(FUSE_SENTINEL);
  if (at < 0) throw new Error('no fuse sentinel in binary');
  if (bytes.lastIndexOf(FUSE_SENTINEL) !== at) throw new Error('more than one fuse sentinel in binary');
  const version = bytes[at + FUSE_SENTINEL.length];
  const length = bytes[at + FUSE_SENTINEL.length + 1];
  if (version !== 1) throw new Error(`unknown fuse wire version ${String(version)}`);
  if (length !== FUSES.length) throw new Error(`fuse wire has ${String(length)} fuses, expected ${FUSES.length}`);
  const start = at + FUSE_SENTINEL.length + 2;
  const wire = bytes.subarray(start, start + length).toString('latin1');
  return Object.fromEntries(FUSES.map((name, i) => [name, wire[i]])) as Record<FuseName, string>;
}

function plistXml(entries: Readonly<Record<string, string>>): string {
  const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = Object.entries(entries)
    .map(([k, v]) => `  <key>${esc(k)}</key><string>${esc(v)}</string>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n${body}\n</dict>\n</plist>\n`;
}

/** The helper apps of Electron ≥ 6 that electron-builder renames after the product. */
const MAC_HELPERS = ['', ' (GPU)', ' (Renderer)', ' (Plugin)'] as const;

/**
 * A stub `Electron.app` with the parts electron-builder reads or renames: the
 * app's and each helper's `Info.plist` and executable, and `Electron
 * Framework`, which is where the fuse wire lives on macOS.
 */
export function makeStubElectronMacDist(dir: string): { dir: string } {
  const contents = path.join(dir, 'Electron.app', 'Contents');
  const framework = path.join(contents, 'Frameworks', 'Electron Framework.framework');
  mkdirSync(path.join(contents, 'MacOS'), { recursive: true });
  mkdirSync(path.join(contents, 'Resources'), { recursive: true });
  mkdirSync(framework, { recursive: true });
  writeFileSync(path.join(framework, 'Electron Framework'), Buffer.concat([Buffer.from('stub framework\0'), defaultFuseWire(), Buffer.from('\0')]));
  writeFileSync(path.join(contents, 'MacOS', 'Electron'), 'stub Electron');
  writeFileSync(path.join(contents, 'Resources', 'electron.icns'), 'stub icon');
  writeFileSync(
    path.join(contents, 'Info.plist'),
    plistXml({ CFBundleExecutable: 'Electron', CFBundleIdentifier: 'com.github.Electron', CFBundleName: 'Electron', CFBundleDisplayName: 'Electron', CFBundleIconFile: 'electron.icns', CFBundlePackageType: 'APPL', CFBundleVersion: STUB_ELECTRON_VERSION }),
  );
  for (const suffix of MAC_HELPERS) {
    const helper = path.join(contents, 'Frameworks', `Electron Helper${suffix}.app`, 'Contents');
    mkdirSync(path.join(helper, 'MacOS'), { recursive: true });
    writeFileSync(path.join(helper, 'MacOS', `Electron Helper${suffix}`), 'stub helper');
    writeFileSync(path.join(helper, 'Info.plist'), plistXml({ CFBundleExecutable: `Electron Helper${suffix}`, CFBundleIdentifier: 'com.github.Electron.helper', CFBundleName: `Electron Helper${suffix}` }));
  }
  writeFileSync(path.join(dir, 'version'), STUB_ELECTRON_VERSION);
  return { dir };
}

type Resedit = typeof import('resedit');

/**
 * A stub `electron.exe`: a real (empty) PE image, because electron-builder
 * parses it to add the asar integrity resource and to write the version
 * information. It carries a version resource like Electron's and the fuse
 * wire as raw resource data (@electron/fuses only looks for the sentinel).
 * resedit is electron-builder's own PE editor (a dependency of app-builder-lib).
 */
export function makeStubElectronWinDist(dir: string): { dir: string } {
  const { NtExecutable, NtExecutableResource, Resource } = require('resedit') as Resedit;
  mkdirSync(dir, { recursive: true });
  const exe = NtExecutable.createEmpty(false, false);
  const resource = NtExecutableResource.from(exe);
  const version = Resource.VersionInfo.createEmpty();
  const [major, minor, patch] = STUB_ELECTRON_VERSION.split('.').map(Number);
  version.setFileVersion(major ?? 0, minor ?? 0, patch ?? 0, 0, 1033);
  version.setStringValues({ lang: 1033, codepage: 1200 }, { ProductName: 'Electron', FileDescription: 'Electron', CompanyName: 'GitHub, Inc.', OriginalFilename: 'electron.exe' });
  version.outputToResourceEntries(resource.entries);
  const RT_RCDATA = 10;
  const wire = defaultFuseWire();
  resource.entries.push({ type: RT_RCDATA, id: 1, lang: 1033, codepage: 1200, bin: wire.buffer.slice(wire.byteOffset, wire.byteOffset + wire.byteLength) as ArrayBuffer });
  resource.outputResource(exe);
  writeFileSync(path.join(dir, 'electron.exe'), Buffer.from(exe.generate()));
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  writeFileSync(path.join(dir, 'version'), STUB_ELECTRON_VERSION);
  return { dir };
}

/** The resources electron-builder wrote into a (stub) Windows executable: the asar integrity list and the version strings. */
export function readWinResources(exePath: string): { integrity: unknown; strings: Record<string, string> } {
  const { NtExecutable, NtExecutableResource, Resource } = require('resedit') as Resedit;
  const resource = NtExecutableResource.from(NtExecutable.from(readFileSync(exePath)));
  const entry = resource.entries.find((e) => e.type === 'INTEGRITY' && e.id === 'ELECTRONASAR');
  const [version] = Resource.VersionInfo.fromEntries(resource.entries);
  const [lang] = version?.getAllLanguagesForStringValues() ?? [];
  return {
    integrity: entry ? JSON.parse(Buffer.from(entry.bin).toString('utf8')) : null,
    strings: version && lang ? version.getStringValues(lang) : {},
  };
}

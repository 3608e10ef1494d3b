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
import path from 'node:path';

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
export const ELECTRON_DEFAULT_FUSES: Readonly<Record<FuseName, '0' | '1'>> = {
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

/** Writes the stub distribution into `dir`; returns the stub binary's bytes for comparison. */
export function makeStubElectronDist(dir: string): { dir: string; binary: Buffer } {
  mkdirSync(dir, { recursive: true });
  const wire = FUSES.map((name) => ELECTRON_DEFAULT_FUSES[name]).join('');
  const binary = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stub Electron: not runnable" >&2; exit 1\n\0'),
    Buffer.from(FUSE_SENTINEL),
    Buffer.from([1, FUSES.length]),
    Buffer.from(wire, 'latin1'),
    Buffer.from('\0end of stub\n'),
  ]);
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

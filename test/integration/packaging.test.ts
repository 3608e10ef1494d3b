/**
 * The packaging configuration, checked where no Electron binary can be
 * downloaded: validated against electron-builder's own schema, then a real
 * `electron-builder --linux dir` against a stub Electron distribution whose
 * "binary" carries a fuse wire, so the test can read back the fuses that
 * electron-builder flipped, open the produced app.asar, and compute the
 * Linux desktop entry with electron-builder's own code.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
const yaml = require('js-yaml') as { load(text: string): unknown };
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const config = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Fuse order of @electron/fuses V1. */
const FUSES = ['RunAsNode', 'EnableCookieEncryption', 'EnableNodeOptionsEnvironmentVariable', 'EnableNodeCliInspectArguments', 'EnableEmbeddedAsarIntegrityValidation', 'OnlyLoadAppFromAsar', 'LoadBrowserProcessSpecificV8Snapshot', 'GrantFileProtocolExtraPrivileges', 'WasmTrapHandlers'];

let work: string;
let unpacked: string;
let asarPath: string;
let desktopEntry = '';

function makeStubElectron(dir: string): void {
  mkdirSync(dir, { recursive: true });
  // Electron's defaults: every fuse on ('1') except the ones shipped off ('0').
  const wire = Buffer.concat([Buffer.from('stub electron binary\0'), Buffer.from(SENTINEL), Buffer.from([1, FUSES.length]), Buffer.from('111101010'), Buffer.from('\0end')]);
  writeFileSync(path.join(dir, 'electron'), wire);
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'chrome-sandbox'), 'stub');
  writeFileSync(path.join(dir, 'LICENSE'), 'stub');
  writeFileSync(path.join(dir, 'version'), '45.4.1');
}

beforeAll(async () => {
  if (!existsSync(path.join(root, pkg.main))) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  work = mkdtempSync(path.join(tmpdir(), 'packaging-'));
  const stub = path.join(work, 'electron-dist');
  makeStubElectron(stub);
  const { build, Platform } = require('electron-builder') as typeof import('electron-builder');
  const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper') as {
    LinuxTargetHelper: new (packager: unknown) => { computeDesktopEntry(options: unknown): Promise<string> };
  };
  await build({
    projectDir: root,
    targets: Platform.LINUX.createTarget('dir'),
    publish: 'never',
    config: {
      ...config,
      electronDist: stub,
      electronVersion: '45.4.1',
      directories: { ...(config.directories as object), output: path.join(work, 'out') },
      afterPack: async (context) => {
        const packager = context.packager as unknown as { platformSpecificBuildOptions: unknown };
        desktopEntry = await new LinuxTargetHelper(packager).computeDesktopEntry(packager.platformSpecificBuildOptions);
      },
    },
  });
  unpacked = path.join(work, 'out', 'linux-unpacked');
  asarPath = path.join(unpacked, 'resources', 'app.asar');
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's own JSON schema", () => {
    const schema = require('app-builder-lib/scheme.json') as object;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('declares the sign-in scheme and every installer target', () => {
    expect(config.protocols).toEqual([{ name: 'OIDC Desktop sign-in', schemes: ['com.example.desktop'] }]);
    const targets = (os: string) => JSON.stringify((config[os] as { target: unknown }).target);
    expect(targets('mac')).toMatch(/dmg/);
    expect(targets('mac')).toMatch(/zip/);
    expect(targets('win')).toMatch(/nsis/);
    for (const t of ['AppImage', 'deb', 'rpm']) expect(targets('linux')).toContain(t);
  });

  it('holds no secret: signing and notarization come from the environment', () => {
    const text = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
    expect(text).not.toMatch(/^\s*(cscLink|cscKeyPassword|certificatePassword|certificateFile|appleId|appleIdPassword|teamId|password)\s*:/im);
  });
});

describe('linux dir build (stub Electron)', () => {
  it('flips the fuses in the packaged binary', () => {
    const bin = readFileSync(path.join(unpacked, 'oidc-desktop'));
    const at = bin.indexOf(SENTINEL);
    expect(at).toBeGreaterThan(0);
    const wire = bin.subarray(at + SENTINEL.length + 2, at + SENTINEL.length + 2 + FUSES.length).toString('latin1');
    const state = Object.fromEntries(FUSES.map((name, i) => [name, wire[i]]));
    expect(state).toMatchObject({
      RunAsNode: '0',
      EnableNodeOptionsEnvironmentVariable: '0',
      EnableNodeCliInspectArguments: '0',
      EnableEmbeddedAsarIntegrityValidation: '1',
      OnlyLoadAppFromAsar: '1',
      GrantFileProtocolExtraPrivileges: '0',
    });
  });

  it('packs main, preload and renderer into app.asar, and its main entry exists', () => {
    const files = listPackage(asarPath, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    const inner = JSON.parse(extractFile(asarPath, 'package.json').toString('utf8')) as { main: string };
    expect(files).toContain(`/${inner.main}`);
    expect(files).toContain('/dist/preload/index.cjs');
    expect(files).toContain('/dist/renderer/index.html');
    expect(files.some((f) => /^\/dist\/renderer\/assets\/.+\.js$/.test(f))).toBe(true);
  });

  it('contains no tests, sources, source maps, env files or example secrets', () => {
    const own = listPackage(asarPath, { isPack: false })
      .map((f) => f.replace(/\\/g, '/'))
      .filter((f) => !f.startsWith('/node_modules/'));
    const offending = own.filter((f) => /\.map$|\.ts$|(^|\/)\.env|^\/(test|main|preload|renderer|examples|bench|scripts|security)\//.test(f));
    expect(offending).toEqual([]);
    const all = listPackage(asarPath, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    expect(all.filter((f) => /(^|\/)\.env($|\.)/.test(f))).toEqual([]);
    expect(all.some((f) => f.startsWith('/node_modules/vitest/') || f.startsWith('/node_modules/electron/'))).toBe(false);
  });

  it('ships every production dependency', () => {
    const files = new Set(listPackage(asarPath, { isPack: false }).map((f) => f.replace(/\\/g, '/')));
    for (const dep of Object.keys(pkg.dependencies)) {
      expect(files.has(`/node_modules/${dep}/package.json`), dep).toBe(true);
    }
  });

  it('writes a desktop entry that handles the sign-in scheme', () => {
    expect(desktopEntry).toMatch(/^MimeType=.*x-scheme-handler\/com\.example\.desktop;/m);
    expect(desktopEntry).toMatch(/^Exec=.*%U$/m);
  });
});

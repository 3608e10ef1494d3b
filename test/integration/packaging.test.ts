/**
 * The packaging configuration, checked where no Electron binary can be
 * downloaded: validated against electron-builder's own schema, then real
 * `electron-builder --linux dir` builds against a stub Electron distribution
 * whose "binary" carries a fuse wire, so the test can read back the fuses that
 * electron-builder flipped, open the produced app.asar, load the production
 * dependencies from it, and compute the Linux desktop entry and the deb/rpm
 * metadata with electron-builder's own code. The same configuration is also
 * packed for macOS and Windows (`dir`, x64) from stub distributions: that
 * proves the Info.plist URL types, the asar integrity hashes recorded for
 * Electron to check, and the fuses on those platforms too.
 *
 * The configuration is electron-builder.yml at the top level, which extends
 * build/packaging.js: product name, app id and scheme come from the app's
 * build-time configuration (app.config.json → scripts/build-app-config.ts →
 * dist/config), and a YAML that disagrees fails the build. The last part builds for a real
 * provider from a temporary configuration and finds its scheme in what was
 * built, and no demo provider in the package.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractAll, extractFile, getRawHeader, listPackage } from '@electron/asar';
import Ajv from 'ajv';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCHEME } from '../../main/app-config';
import { parseAppConfig } from '../../main/auth/config';
import { buildLinuxDir, realProviderBuildConfig, runBuildConfigStep } from '../helpers/linux-dir-build';
import { until } from '../helpers/until';
import {
  FUSE_SENTINEL,
  FUSES,
  makeStubElectronDist,
  makeStubElectronMacDist,
  makeStubElectronWinDist,
  readFuses,
  readWinResources,
  STUB_ELECTRON_VERSION,
} from '../helpers/stub-electron-dist';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '../..');
const yaml = require('js-yaml') as { load(text: string): unknown };
// electron-builder's own plist library (a dependency of app-builder-lib).
const plist = require('plist') as { parse(xml: string): unknown };

interface PackageJson {
  name: string;
  version: string;
  main?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
const yamlText = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
const configText = `${yamlText}\n${readFileSync(path.join(root, 'build/packaging.js'), 'utf8')}`;
/** What electron-builder makes of electron-builder.yml and what it extends, for the current dist/config (loaded in beforeAll). */
let config: Record<string, unknown>;
/** What build/packaging.js alone returns. */
let perBuild: Record<string, unknown>;

interface DebMeta {
  name: string;
  maintainer: string;
  url: string;
}

let work: string;
let stub: { dir: string; binary: Buffer };
let unpacked: string;
let asarPath: string;
let e2eBinary: string;
let extracted: string;
let desktopEntry = '';
let debMeta: DebMeta | null = null;
let macApp: string;
let codesignLog: string;
let winUnpacked: string;

type Builder = typeof import('electron-builder');

/** The shipped configuration (electron-builder.js, loaded by electron-builder itself) plus test-only overrides. */
async function buildShipped(builder: Builder): Promise<void> {
  const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper') as {
    LinuxTargetHelper: new (packager: unknown) => { computeDesktopEntry(options: unknown): Promise<string> };
  };
  const { default: FpmTarget } = require('app-builder-lib/out/targets/FpmTarget') as {
    default: new (name: string, packager: unknown, helper: unknown, outDir: string) => { checkOptions(): Promise<DebMeta> };
  };
  await builder.build({
    projectDir: root,
    targets: builder.Platform.LINUX.createTarget('dir'),
    publish: 'never',
    // Merged by electron-builder over electron-builder.yml, which it loads from projectDir.
    config: {
      electronDist: stub.dir,
      electronVersion: STUB_ELECTRON_VERSION,
      directories: { output: path.join(work, 'out') },
      afterPack: async (context) => {
        const packager = context.packager as unknown as { platformSpecificBuildOptions: unknown };
        const helper = new LinuxTargetHelper(packager);
        // What the deb/rpm/AppImage targets write as the .desktop file (the `dir` target writes none).
        desktopEntry = await helper.computeDesktopEntry(packager.platformSpecificBuildOptions);
        // The metadata fpm needs for deb and rpm; electron-builder throws here when it is incomplete.
        debMeta = await new FpmTarget('deb', packager, helper, context.outDir).checkOptions();
      },
    },
  });
}

/** build/e2e.electron-builder.yml, loaded through electron-builder's own `extends`. */
async function buildE2e(builder: Builder): Promise<void> {
  const configFile = path.join(work, 'e2e-test.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      extends: path.join(root, 'build/e2e.electron-builder.yml'),
      electronDist: stub.dir,
      electronVersion: STUB_ELECTRON_VERSION,
      directories: { output: path.join(work, 'out-e2e') },
    }),
  );
  await builder.build({ projectDir: root, targets: builder.Platform.LINUX.createTarget('dir'), publish: 'never', config: configFile });
}

/** electron-builder refuses to build for macOS on Windows ("supported only on macOS"); Linux and macOS hosts can. */
const MAC_BUILD_SKIPPED = process.platform === 'win32' ? 'electron-builder cannot build for macOS on a Windows host' : null;

/** The same configuration packed for macOS (x64, not universal: merging needs lipo) from a stub Electron.app. */
async function buildMac(builder: Builder): Promise<void> {
  const dist = makeStubElectronMacDist(path.join(work, 'electron-dist-mac')).dir;
  // codesign exists only on macOS. A recording stand-in on PATH shows that the
  // bundle is re-signed ad hoc after the fuse flip (resetAdHocDarwinSignature);
  // electron-builder's own signing step skips itself off macOS.
  const bin = path.join(work, 'bin');
  mkdirSync(bin);
  codesignLog = path.join(work, 'codesign.log');
  writeFileSync(path.join(bin, 'codesign'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${codesignLog}'\n`);
  chmodSync(path.join(bin, 'codesign'), 0o755);
  const savedPath = process.env.PATH;
  const savedDiscovery = process.env.CSC_IDENTITY_AUTO_DISCOVERY;
  // Vitest runs each test file in its own process: PATH is changed for this build only.
  process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;
  // On a macOS host electron-builder would otherwise sign with any identity the keychain
  // holds. Unsigned, as on Linux: the only codesign call is the re-sign after the fuse flip.
  process.env.CSC_IDENTITY_AUTO_DISCOVERY = 'false';
  try {
    await builder.build({
      projectDir: root,
      targets: builder.Platform.MAC.createTarget('dir', builder.Arch.x64),
      publish: 'never',
      config: { electronDist: dist, electronVersion: STUB_ELECTRON_VERSION, directories: { output: path.join(work, 'out-mac') } },
    });
  } finally {
    process.env.PATH = savedPath;
    if (savedDiscovery === undefined) delete process.env.CSC_IDENTITY_AUTO_DISCOVERY;
    else process.env.CSC_IDENTITY_AUTO_DISCOVERY = savedDiscovery;
  }
  macApp = path.join(work, 'out-mac', 'mac', 'OIDC Desktop.app');
}

/** The same configuration packed for Windows (x64 `dir`; the NSIS step needs makensis, downloaded at build time). */
async function buildWin(builder: Builder): Promise<void> {
  const dist = makeStubElectronWinDist(path.join(work, 'electron-dist-win')).dir;
  await builder.build({
    projectDir: root,
    targets: builder.Platform.WINDOWS.createTarget('dir', builder.Arch.x64),
    publish: 'never',
    config: { electronDist: dist, electronVersion: STUB_ELECTRON_VERSION, directories: { output: path.join(work, 'out-win') } },
  });
  winUnpacked = path.join(work, 'out-win', 'win-unpacked');
}

/** What Electron checks at start-up: the SHA-256 of the asar header. */
const asarHeaderHash = (file: string) => createHash('sha256').update(getRawHeader(file).headerString).digest('hex');

beforeAll(async () => {
  // npm is npm.cmd on Windows, which only a shell starts.
  if (!existsSync(path.join(root, pkg.main ?? 'dist/main/index.js')))
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  // The committed (demo) configuration, whatever a previous run left in dist/config.
  delete process.env.OIDC_DESKTOP_BUILD_CONFIG;
  expect(runBuildConfigStep().status).toBe(0);
  perBuild = ((await import(pathToFileURL(path.join(root, 'build/packaging.js')).href)) as { default: () => Record<string, unknown> }).default();
  const loader = require('app-builder-lib/out/util/config/config') as {
    getConfig: (projectDir: string, configPath: string | null, configFromOptions: object | null) => Promise<Record<string, unknown>>;
  };
  config = await loader.getConfig(root, null, null);
  work = mkdtempSync(path.join(tmpdir(), 'packaging-'));
  stub = makeStubElectronDist(path.join(work, 'electron-dist'));
  const builder = require('electron-builder') as Builder;
  await buildShipped(builder);
  await buildE2e(builder);
  if (!MAC_BUILD_SKIPPED) await buildMac(builder);
  await buildWin(builder);
  unpacked = path.join(work, 'out', 'linux-unpacked');
  asarPath = path.join(unpacked, 'resources', 'app.asar');
  e2eBinary = path.join(work, 'out-e2e', 'linux-unpacked', 'oidc-desktop');
  extracted = path.join(work, 'extracted');
  extractAll(asarPath, extracted);
  // Four electron-builder runs: ~40 s on the 2-core Linux machine; hosted macOS and Windows runners copy files more slowly.
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  // Whatever a test built for, leave dist/config as the committed configuration makes it.
  delete process.env.OIDC_DESKTOP_BUILD_CONFIG;
  runBuildConfigStep();
});

const listAsar = (file: string) => listPackage(file, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
const asarFiles = () => listAsar(asarPath);
const SHIPPED_FUSES = {
  RunAsNode: '0',
  EnableCookieEncryption: '1',
  EnableNodeOptionsEnvironmentVariable: '0',
  EnableNodeCliInspectArguments: '0',
  EnableEmbeddedAsarIntegrityValidation: '1',
  OnlyLoadAppFromAsar: '1',
  LoadBrowserProcessSpecificV8Snapshot: '0',
  GrantFileProtocolExtraPrivileges: '0',
  WasmTrapHandlers: '1',
};

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's own JSON schema, and so is what build/packaging.js adds", () => {
    const schema = require('app-builder-lib/scheme.json') as object;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(yaml.load(yamlText)), JSON.stringify(validate.errors)).toBe(true);
    // Its hooks are functions, which a JSON schema cannot describe; the rest is data.
    const { beforeBuild, beforePack, ...data } = perBuild;
    expect([typeof beforeBuild, typeof beforePack]).toEqual(['function', 'function']);
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    const e2e = yaml.load(readFileSync(path.join(root, 'build/e2e.electron-builder.yml'), 'utf8'));
    expect(validate(e2e), JSON.stringify(validate.errors)).toBe(true);
  });

  it("declares the app's sign-in scheme and every installer target", () => {
    expect(config.protocols).toEqual([{ name: 'OIDC Desktop sign-in', schemes: [DEMO_SCHEME] }]);
    expect(config).toMatchObject({ appId: 'com.example.desktop', productName: 'OIDC Desktop', asar: true });
    const targets = (os: string) => JSON.stringify((config[os] as { target: unknown }).target);
    expect(targets('mac')).toMatch(/"dmg"/);
    expect(targets('mac')).toMatch(/"zip"/);
    expect(targets('win')).toMatch(/"nsis"/);
    for (const t of ['AppImage', 'deb', 'rpm']) expect(targets('linux')).toContain(`"${t}"`);
  });

  it('sits at the top level, extends build/packaging.js, and sets none of the values the app configuration owns', () => {
    const own = yaml.load(yamlText) as Record<string, unknown>;
    expect(own.extends).toBe('build/packaging.js');
    for (const key of ['appId', 'productName', 'protocols']) expect(own, key).not.toHaveProperty(key);
    expect(own.linux).not.toHaveProperty('executableName');
    expect(existsSync(path.join(root, 'electron-builder.js'))).toBe(false);
  });

  it('a value in the YAML (or --config) that disagrees with the app configuration fails the build, naming it and the fix', async () => {
    const builder = require('electron-builder') as Builder;
    const build = (over: Record<string, unknown>) =>
      builder.build({
        projectDir: root,
        targets: builder.Platform.LINUX.createTarget('dir'),
        publish: 'never',
        config: { electronDist: stub.dir, electronVersion: STUB_ELECTRON_VERSION, directories: { output: path.join(work, 'out-mismatch') }, ...over },
      });
    await expect(build({ appId: 'com.other.app' })).rejects.toThrow(
      /appId is "com\.other\.app" but the app's configuration .* makes it "com\.example\.desktop": remove it from electron-builder\.yml/,
    );
    await expect(build({ protocols: [{ name: 'x', schemes: ['com.other.app'] }] })).rejects.toThrow(/protocols is .*remove it from electron-builder\.yml/);
    expect(existsSync(path.join(work, 'out-mismatch', 'linux-unpacked', 'resources', 'app.asar'))).toBe(false);
  }, 60_000);

  it('holds no secret: signing and notarization come from the environment', () => {
    expect(configText).not.toMatch(
      /^\s*(cscLink|cscKeyPassword|certificatePassword|certificateFile|certificateSha1|appleId|appleIdPassword|teamId|password|identity)\s*:/im,
    );
  });

  it('registers the scheme in the NSIS installer and removes it on uninstall (not on update)', () => {
    expect((config.nsis as { include?: string }).include).toBe('dist/config/installer.nsh');
    const nsh = readFileSync(path.join(root, 'dist/config/installer.nsh'), 'utf8');
    // The scheme is defined once, from the configuration; the template only uses it.
    expect(nsh).toContain(`!define APP_URL_SCHEME "${DEMO_SCHEME}"`);
    expect(readFileSync(path.join(root, 'build/installer.nsh'), 'utf8')).not.toContain(DEMO_SCHEME);
    const key = 'Software\\Classes\\${APP_URL_SCHEME}';
    // The values Electron's app.setAsDefaultProtocolClient writes on Windows.
    expect(nsh).toContain(`WriteRegStr SHELL_CONTEXT "${key}" "URL Protocol" ""`);
    expect(nsh).toContain(`WriteRegStr SHELL_CONTEXT "${key}\\shell\\open\\command" "" '"$appExe" "%1"'`);
    expect(nsh).toMatch(
      new RegExp(String.raw`!macro customUnInstall\s+[^!]*\$\{ifNot\} \$\{isUpdated\}\s+DeleteRegKey SHELL_CONTEXT "${key.replace(/[\\.${}]/g, '\\$&')}"`),
    );
  });
});

describe('linux dir build (stub Electron)', () => {
  it('flips the fuses in the packaged binary, and only the fuse bytes', () => {
    const bin = readFileSync(path.join(unpacked, 'oidc-desktop'));
    expect(readFuses(bin)).toEqual(SHIPPED_FUSES);
    // Every byte outside the fuse wire is the stub's own.
    const wireAt = stub.binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length + 2;
    expect(bin.length).toBe(stub.binary.length);
    expect(bin.subarray(0, wireAt).equals(stub.binary.subarray(0, wireAt))).toBe(true);
    expect(bin.subarray(wireAt + FUSES.length).equals(stub.binary.subarray(wireAt + FUSES.length))).toBe(true);
  });

  it('the e2e build differs from the shipped one only in the --inspect fuse', () => {
    const shipped = readFuses(readFileSync(path.join(unpacked, 'oidc-desktop')));
    const e2e = readFuses(readFileSync(e2eBinary));
    expect(e2e).toEqual({ ...shipped, EnableNodeCliInspectArguments: '1' });
    // Same app inside.
    const e2eAsar = path.join(path.dirname(e2eBinary), 'resources', 'app.asar');
    expect(listPackage(e2eAsar, { isPack: false }).length).toBe(asarFiles().length);
  });

  it('packs main, preload and renderer into app.asar, and its main entry exists', () => {
    const files = asarFiles();
    const inner = JSON.parse(extractFile(asarPath, 'package.json').toString('utf8')) as PackageJson & { devDependencies?: unknown; scripts?: unknown };
    expect(inner.main).toBe('dist/main/index.js');
    expect(files).toContain(`/${inner.main}`);
    expect(inner.devDependencies).toBeUndefined();
    expect(files).toContain('/dist/preload/index.cjs');
    expect(files).toContain('/dist/renderer/index.html');
    expect(files.some((f) => /^\/dist\/renderer\/assets\/.+\.js$/.test(f))).toBe(true);
  });

  it('contains no tests, sources, source maps, env files, build resources or dev dependencies', () => {
    const files = asarFiles();
    const own = files.filter((f) => f !== '/node_modules' && !f.startsWith('/node_modules/'));
    // The app's own part is exactly package.json and the built output.
    expect(own.filter((f) => !/^\/(package\.json|dist(\/.*)?)$/.test(f))).toEqual([]);
    expect(own.filter((f) => /\.(map|ts|tsx)$/.test(f))).toEqual([]);
    expect(files.filter((f) => /(^|\/)\.env($|\.)/.test(f))).toEqual([]);
    // A dev dependency may be inside only because a production package needs it.
    const packageRoots = files.filter((f) => /\/node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(f));
    const wanted = new Set(
      packageRoots.flatMap((f) => Object.keys((JSON.parse(extractFile(asarPath, f.slice(1)).toString('utf8')) as PackageJson).dependencies ?? {})),
    );
    const devOnly = Object.keys(
      (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies,
    ).filter((d) => !wanted.has(d));
    expect(devOnly).toEqual(expect.arrayContaining(['electron', 'electron-builder', 'vitest', 'typescript']));
    for (const dev of devOnly)
      expect(
        files.some((f) => f.startsWith(`/node_modules/${dev}/`)),
        dev,
      ).toBe(false);
  });

  it('has no node_modules: the main bundle carries its third-party code, named with its licence in THIRD_PARTY_NOTICES.txt', () => {
    // Every runtime package is bundled (vite.main.config.ts): the package's `dependencies` are
    // declared for npm consumers, and electron-builder copies none of them (build/packaging.js beforeBuild).
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(['electron-store', 'jose', 'openid-client', 'zod']);
    expect(asarFiles().filter((f) => f.startsWith('/node_modules'))).toEqual([]);
    const notices = extractFile(asarPath, 'dist/main/THIRD_PARTY_NOTICES.txt').toString('utf8');
    for (const name of ['openid-client', 'oauth4webapi', 'zod'])
      expect(notices).toMatch(new RegExp(`^${name}@\\d+\\.\\d+\\.\\d+ \\(MIT\\)\\n-+\\n[^]*?Permission is hereby granted`, 'm'));
    // No package bundled only into the demo chunk is claimed by the main notices.
    expect(notices).not.toMatch(/^(oidc-provider|koa)@/m);
  });

  it('the demo build carries the demo provider, oidc-provider bundled in, and it serves discovery from the packaged tree', () => {
    const files = asarFiles();
    expect(files).toContain('/dist/main/demo/demo-provider.js');
    expect(files).toContain('/dist/main/demo/THIRD_PARTY_NOTICES.txt');
    // A dev dependency now: nothing of it in node_modules.
    expect(files.filter((f) => f.startsWith('/node_modules/oidc-provider'))).toEqual([]);
    expect(files).not.toContain('/dist/config/app.config.json');
    // The names the app registers an AppImage under are packaged for the demo too.
    expect(JSON.parse(extractFile(asarPath, 'dist/config/desktop-names.json').toString('utf8'))).toEqual({
      productName: 'OIDC Desktop',
      executableName: 'oidc-desktop',
    });
    const script = `
      const { startDemoProvider } = await import('./dist/main/demo/demo-provider.js');
      const demo = await startDemoProvider({ redirectUris: ['${DEMO_SCHEME}:/callback'] });
      const res = await fetch(demo.issuer + '/.well-known/openid-configuration');
      const body = await res.json();
      await demo.close();
      process.stdout.write(JSON.stringify({ status: res.status, issuer: body.issuer === demo.issuer }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: extracted,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString('utf8');
    expect(JSON.parse(out)).toEqual({ status: 200, issuer: true });
  });

  it('writes a desktop entry that handles the sign-in scheme', () => {
    const lines = desktopEntry.split('\n');
    expect(lines[0]).toBe('[Desktop Entry]');
    expect(lines).toContain('Name=OIDC Desktop');
    expect(lines).toContain('Exec="/opt/OIDC Desktop/oidc-desktop" %U');
    expect(lines).toContain(`MimeType=x-scheme-handler/${DEMO_SCHEME};`);
    expect(lines).toContain('Categories=Network;');
    // Matches the packaged package.json's desktopName, which Electron uses as the window's app id.
    expect(lines).toContain('StartupWMClass=oidc-desktop');
    const inner = JSON.parse(extractFile(asarPath, 'package.json').toString('utf8')) as { desktopName?: string };
    expect(inner.desktopName).toBe('oidc-desktop.desktop');
  });

  it('has the metadata deb and rpm require', () => {
    expect(debMeta).toMatchObject({ name: 'oidc-desktop', maintainer: 'oidc-desktop contributors <noreply@example.com>' });
    expect(debMeta?.url).toMatch(/^https:\/\//);
  });
});

describe.skipIf(MAC_BUILD_SKIPPED !== null)(`macOS dir build (stub Electron.app)${MAC_BUILD_SKIPPED ? ` — skipped: ${MAC_BUILD_SKIPPED}` : ''}`, () => {
  const infoPlist = () => plist.parse(readFileSync(path.join(macApp, 'Contents', 'Info.plist'), 'utf8')) as Record<string, unknown>;

  it('declares the sign-in scheme in CFBundleURLTypes, under the app id', () => {
    const info = infoPlist();
    expect(info.CFBundleURLTypes).toEqual([{ CFBundleURLName: 'OIDC Desktop sign-in', CFBundleTypeRole: 'Editor', CFBundleURLSchemes: [DEMO_SCHEME] }]);
    expect(info).toMatchObject({ CFBundleIdentifier: 'com.example.desktop', CFBundleExecutable: 'OIDC Desktop', CFBundleShortVersionString: pkg.version });
  });

  it('records the hash of app.asar that the integrity fuse makes Electron check', () => {
    const asar = path.join(macApp, 'Contents', 'Resources', 'app.asar');
    expect(infoPlist().ElectronAsarIntegrity).toEqual({ 'Resources/app.asar': { algorithm: 'SHA256', hash: asarHeaderHash(asar) } });
    expect(listAsar(asar)).toEqual(asarFiles());
  });

  it('flips the fuses in Electron Framework, then re-signs the bundle ad hoc', () => {
    expect(readFuses(readFileSync(path.join(macApp, 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework')))).toEqual(SHIPPED_FUSES);
    expect(readFileSync(codesignLog, 'utf8').trimEnd().split('\n')).toEqual([
      '--sign',
      '-',
      '--force',
      '--preserve-metadata=entitlements,requirements,flags,runtime',
      '--deep',
      macApp,
    ]);
  });
});

describe('Windows dir build (stub electron.exe)', () => {
  const exe = () => path.join(winUnpacked, 'OIDC Desktop.exe');

  it('embeds the hash of app.asar that the integrity fuse makes Electron check', () => {
    const asar = path.join(winUnpacked, 'resources', 'app.asar');
    expect(readWinResources(exe()).integrity).toEqual([{ file: 'resources\\app.asar', alg: 'SHA256', value: asarHeaderHash(asar) }]);
    expect(listAsar(asar)).toEqual(asarFiles());
  });

  it('flips the fuses and brands the executable', () => {
    expect(readFuses(readFileSync(exe()))).toEqual(SHIPPED_FUSES);
    expect(readWinResources(exe()).strings).toMatchObject({ ProductName: 'OIDC Desktop', FileDescription: 'OIDC Desktop', FileVersion: pkg.version });
  });
});

describe('a build for a real provider (temporary build configuration)', () => {
  const SCHEME = 'com.acme.shipit';
  const PRODUCT = 'Acme Ship It';
  /** What the build derives from PRODUCT when the configuration names no executableName. */
  const EXECUTABLE = 'acme-ship-it';
  let cfgFile: string;
  let realUnpacked: string;
  let realAsar: string;
  let realEntry = '';
  let realDesktopFile = '';

  beforeAll(async () => {
    cfgFile = path.join(work, 'acme.app.config.json');
    writeFileSync(cfgFile, JSON.stringify(realProviderBuildConfig(SCHEME, PRODUCT), null, 2));
    const step = runBuildConfigStep(cfgFile);
    expect(step.status, step.stderr).toBe(0);
    const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper') as {
      LinuxTargetHelper: new (packager: unknown) => { computeDesktopEntry(options: unknown): Promise<string>; getDesktopFileName(): string };
    };
    realUnpacked = await buildLinuxDir({
      work,
      outDir: path.join(work, 'out-acme'),
      buildConfig: cfgFile,
      afterPack: async (context) => {
        const packager = context.packager as unknown as { platformSpecificBuildOptions: unknown };
        const helper = new LinuxTargetHelper(packager);
        realEntry = await helper.computeDesktopEntry(packager.platformSpecificBuildOptions);
        // The name deb and rpm install the entry under: /usr/share/applications/<name>.desktop.
        realDesktopFile = `${helper.getDesktopFileName()}.desktop`;
      },
    });
    realAsar = path.join(realUnpacked, 'resources', 'app.asar');
  }, 120_000);

  it('the desktop entry handles the scheme from the configuration, under its product name', () => {
    const lines = realEntry.split('\n');
    expect(lines).toContain(`MimeType=x-scheme-handler/${SCHEME};`);
    expect(lines).toContain(`Name=${PRODUCT}`);
    expect(realEntry).not.toContain(DEMO_SCHEME);
  });

  it('the Linux executable, the desktop entry and the window app id are named from the product name', () => {
    expect(existsSync(path.join(realUnpacked, EXECUTABLE))).toBe(true);
    expect(existsSync(path.join(realUnpacked, 'oidc-desktop'))).toBe(false);
    const lines = realEntry.split('\n');
    expect(lines).toContain(`Exec="/opt/${PRODUCT}/${EXECUTABLE}" %U`);
    expect(lines).toContain(`StartupWMClass=${EXECUTABLE}`);
    expect(lines).toContain(`Icon=${EXECUTABLE}`);
    expect(realDesktopFile).toBe(`${EXECUTABLE}.desktop`);
    const inner = JSON.parse(extractFile(realAsar, 'package.json').toString('utf8')) as { desktopName?: string };
    expect(inner.desktopName).toBe(`${EXECUTABLE}.desktop`);
    expect(realEntry).not.toMatch(/oidc-desktop/i);
  });

  it('the NSIS include defines the same scheme', () => {
    expect(readFileSync(path.join(root, 'dist/config/installer.nsh'), 'utf8')).toContain(`!define APP_URL_SCHEME "${SCHEME}"`);
  });

  it('the package carries the validated configuration, which the app reads, and the product name', () => {
    const files = listAsar(realAsar);
    expect(files).toContain('/dist/config/app.config.json');
    const packaged = parseAppConfig(JSON.parse(extractFile(realAsar, 'dist/config/app.config.json').toString('utf8')));
    expect(packaged.scheme).toBe(SCHEME);
    expect(packaged.providers.map((p) => p.id)).toEqual(['acme']);
    expect(files.filter((f) => f.startsWith('/dist/config/')).sort()).toEqual(['/dist/config/app.config.json', '/dist/config/desktop-names.json']);
    expect(JSON.parse(extractFile(realAsar, 'dist/config/desktop-names.json').toString('utf8'))).toEqual({ productName: PRODUCT, executableName: EXECUTABLE });
    const inner = JSON.parse(extractFile(realAsar, 'package.json').toString('utf8')) as { productName?: string };
    expect(inner.productName).toBe(PRODUCT);
  });

  it('contains neither the demo provider nor oidc-provider, koa or their dependencies', () => {
    const files = listAsar(realAsar);
    expect(files.filter((f) => f.startsWith('/dist/main/demo'))).toEqual([]);
    const demoOnly = ['oidc-provider', 'koa', 'koa-compose', 'http-errors', 'raw-body', 'cookies', 'keygrip', 'eta'];
    for (const name of demoOnly)
      expect(
        files.some((f) => f.startsWith(`/node_modules/${name}/`) || f.includes(`/node_modules/${name}/`)),
        name,
      ).toBe(false);
    // Nor bundled into the main process: no file in the package carries their code (marker strings of each, found in the demo chunk).
    const dir = path.join(work, 'extracted-acme');
    extractAll(realAsar, dir);
    const mentions = files
      .filter((f) => /\.(c?js|mjs|json|txt)$/.test(f))
      .filter((f) => /OIDCProviderError|koa:application/.test(readFileSync(path.join(dir, f.slice(1)), 'utf8')));
    expect(readFileSync(path.join(root, 'dist/main/demo/demo-provider.js'), 'utf8').includes('OIDCProviderError'), 'marker present where the code is').toBe(
      true,
    );
    expect(mentions).toEqual([]);
  });

  it('the packaged main bundle reaches app.ready in plain Node (electron stubbed) on the packaged configuration', async () => {
    const dir = path.join(work, 'run-acme');
    extractAll(realAsar, dir);
    mkdirSync(path.join(dir, 'node_modules', 'electron'), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules', 'electron', 'package.json'), JSON.stringify({ name: 'electron', type: 'module', exports: './index.mjs' }));
    writeFileSync(path.join(dir, 'node_modules', 'electron', 'index.mjs'), readFileSync(path.join(root, 'bench', 'electron-stub.mjs')));
    const userData = mkdtempSync(path.join(work, 'user-data-'));
    // Started as an AppImage would be: a recording xdg-mime on PATH, the desktop entry in a temporary XDG_DATA_HOME.
    const home = mkdtempSync(path.join(work, 'home-'));
    const bin = path.join(home, 'bin');
    mkdirSync(bin);
    const xdgLog = path.join(home, 'xdg-mime.log');
    writeFileSync(path.join(bin, 'xdg-mime'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${xdgLog}'\n`);
    chmodSync(path.join(bin, 'xdg-mime'), 0o755);
    const child = spawn(process.execPath, ['dist/main/index.js'], {
      cwd: dir,
      env: {
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        OIDC_DESKTOP_USER_DATA: userData,
        APPIMAGE: path.join(home, 'Acme Ship It-0.1.0.AppImage'),
        HOME: home,
        XDG_DATA_HOME: path.join(home, 'data'),
        XDG_CONFIG_HOME: path.join(home, 'config'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Listeners, not polling: the stubbed app may exit right after app.ready, and its output must not be lost.
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const closed = new Promise((r) => child.once('close', r));
    try {
      // The AppImage registration runs after app.ready; on Linux, wait for its outcome too.
      const settled = () => out.includes('"event":"app.ready"') && (process.platform !== 'linux' || out.includes('"event":"appimage.scheme_'));
      await until(() => settled() || child.exitCode !== null, 20_000);
      if (child.exitCode !== null) await closed;
    } finally {
      child.kill('SIGKILL');
    }
    const ready = out.split('\n').find((l) => l.includes('"event":"app.ready"'));
    expect(ready, `${out}\n${err}`).toBeDefined();
    expect(JSON.parse(ready!)).toMatchObject({ providers: 1, demo: false });
    expect(out).toContain(`"scheme":"${SCHEME}"`);
    if (process.platform === 'linux') {
      // Registered under the packaged names, not the demo's.
      expect(out, err).toContain('"event":"appimage.scheme_registered"');
      const entry = readFileSync(path.join(home, 'data', 'applications', `${EXECUTABLE}-url-handler.desktop`), 'utf8');
      expect(entry).toContain(`Name=${PRODUCT}\n`);
      expect(entry).toContain(`MimeType=x-scheme-handler/${SCHEME};`);
      expect(readFileSync(xdgLog, 'utf8').trimEnd().split('\n')).toEqual(['default', `${EXECUTABLE}-url-handler.desktop`, `x-scheme-handler/${SCHEME}`]);
    }
  });

  it('a source configuration changed after the build fails the packaging with the fix', async () => {
    const original = readFileSync(cfgFile, 'utf8');
    writeFileSync(cfgFile, JSON.stringify(realProviderBuildConfig('com.acme.other', PRODUCT)));
    try {
      await expect(buildLinuxDir({ work, outDir: path.join(work, 'out-stale'), buildConfig: cfgFile })).rejects.toThrow(
        /changed after `npm run build`: run it again/,
      );
    } finally {
      writeFileSync(cfgFile, original);
    }
  });

  it("a packaged configuration whose scheme differs from the installers' fails the packaging, naming both", async () => {
    const file = path.join(root, 'dist/config/app.config.json');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, JSON.stringify({ ...(JSON.parse(original) as object), scheme: 'com.acme.mismatch' }));
    try {
      await expect(buildLinuxDir({ work, outDir: path.join(work, 'out-mismatch'), buildConfig: cfgFile })).rejects.toThrow(
        /scheme the app listens on \(com\.acme\.mismatch.*differs from the one the installers would register \(com\.acme\.shipit\)/,
      );
    } finally {
      writeFileSync(file, original);
    }
  });

  it.each<[string, (c: Record<string, unknown>) => object, RegExp[]]>([
    [
      'a provider without clientId',
      (c) => ({ ...c, app: { ...(c.app as object), providers: [{ ...(c.app as { providers: object[] }).providers[0]!, clientId: '' }] } }),
      [/"app"/, /providers\.0\.clientId: clientId is required/],
    ],
    ['a scheme that is not reverse-DNS', (c) => ({ ...c, app: { ...(c.app as object), scheme: 'acme' } }), [/scheme: scheme must be a reverse-DNS name/]],
    ['neither app nor demo', (c) => Object.fromEntries(Object.entries(c).filter(([key]) => key !== 'app')), [/app: add "app"/]],
    ['a product name that cannot be a file name', (c) => ({ ...c, productName: 'Acme/Desk' }), [/productName: productName becomes a file name/]],
    ['an executable name with spaces and capitals', (c) => ({ ...c, executableName: 'Acme Desk' }), [/executableName: executableName must be lower-case/]],
    [
      'a product name that gives no executable name, and none given',
      (c) => ({ ...c, productName: '日本語' }),
      [/executableName: productName "日本語" has no ASCII letters or digits/],
    ],
  ])('an invalid build configuration fails the build naming the file and the field: %s', (_name, mutate, patterns) => {
    const bad = path.join(work, 'bad.app.config.json');
    writeFileSync(bad, JSON.stringify(mutate(realProviderBuildConfig(SCHEME, PRODUCT) as Record<string, unknown>)));
    const step = runBuildConfigStep(bad);
    expect(step.status).toBe(1);
    expect(step.stderr).toContain('bad.app.config.json');
    for (const p of patterns) expect(step.stderr).toMatch(p);
  });
});

// Installers per OS (electron-builder loads this file from the project root).
//
// The product name, app id, the Linux executable name and the sign-in scheme
// are NOT written here: they
// come from the app's build-time configuration (app.config.json, or the file
// in OIDC_DESKTOP_BUILD_CONFIG), which `npm run build` validates and turns into
// dist/config/packaging.json (scripts/build-app-config.ts). So the scheme the
// installers register (macOS Info.plist, the NSIS registry keys, the Linux
// desktop entry) is always the scheme the app listens on. A dist/ that was
// built from another configuration, or none, fails here with the fix.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = import.meta.dirname;
const outDir = path.join(root, 'dist', 'config');

function fail(message) {
  throw new Error(`electron-builder.js: ${message}`);
}

/** dist/config/packaging.json, checked against its source and against the app's own config file. */
export function readPackaging() {
  const file = path.join(outDir, 'packaging.json');
  if (!existsSync(file)) fail(`${path.relative(root, file)} is missing: run \`npm run build\` first (npm run dist does).`);
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const configured = process.env.OIDC_DESKTOP_BUILD_CONFIG?.trim();
  const source = path.resolve(root, configured || 'app.config.json');
  if (source !== p.source) fail(`dist/ was built from ${p.source}, but the configuration is now ${source}: run \`npm run build\` again.`);
  if (!existsSync(source) || createHash('sha256').update(readFileSync(source)).digest('hex') !== p.sourceSha256) {
    fail(`${p.source} changed after \`npm run build\`: run it again so the app and the installers use the same configuration.`);
  }
  const appConfigFile = path.join(outDir, 'app.config.json');
  const appConfig = existsSync(appConfigFile) ? JSON.parse(readFileSync(appConfigFile, 'utf8')) : null;
  if (p.demo !== (appConfig === null))
    fail(`dist/config is inconsistent (demo: ${p.demo}, app.config.json ${appConfig ? 'present' : 'absent'}): run \`npm run build\` again.`);
  const namesFile = path.join(outDir, 'desktop-names.json');
  const names = existsSync(namesFile) ? JSON.parse(readFileSync(namesFile, 'utf8')) : null;
  if (!p.executableName || names?.productName !== p.productName || names?.executableName !== p.executableName)
    fail('dist/config/desktop-names.json is missing or differs from packaging.json: run `npm run build` again.');
  if (appConfig && appConfig.scheme !== p.scheme) {
    fail(
      `the scheme the app listens on (${appConfig.scheme}, dist/config/app.config.json) differs from the one the installers would register (${p.scheme}): run \`npm run build\` again.`,
    );
  }
  return p;
}

/**
 * A function, so electron-builder reads dist/config afresh on every build
 * (it imports this module once per process).
 * @returns {import('electron-builder').Configuration}
 */
export default function config() {
  const p = readPackaging();
  return {
    appId: p.appId,
    productName: p.productName,
    copyright: 'Copyright © 2026 oidc-desktop contributors',

    directories: {
      output: 'release',
      buildResources: 'build',
    },

    // deb and rpm refuse to build without a project URL (fpm's Url/Homepage
    // field); replace it with the project's real home page. productName also
    // goes into the packaged package.json, where Electron's app.getName() reads it;
    // desktopName too, which Electron on Linux uses as the window's app id
    // (WM_CLASS), so it must name the desktop entry the packages install.
    extraMetadata: {
      homepage: 'https://example.com/oidc-desktop',
      productName: p.productName,
      desktopName: `${p.executableName}.desktop`,
    },

    // Allow-list: only the built output and package.json. Production
    // dependencies are added by electron-builder from package.json; tests,
    // sources, source maps and example profiles never enter the package.
    // dist/config holds the app's configuration (absent for the demo) but not
    // packaging.json or installer.nsh, which are for this build only.
    files: [
      'package.json',
      'dist/main/**/*',
      'dist/preload/**/*',
      'dist/renderer/**/*',
      'dist/config/app.config.json',
      // The names the app registers an AppImage under (main/desktop-names.ts).
      'dist/config/desktop-names.json',
      // The demo provider (oidc-provider and koa bundled in) is loaded only
      // when there is no configuration: a build for a real provider leaves it out.
      ...(p.demo ? [] : ['!dist/main/demo/**']),
      '!**/*.map',
      '!**/*.ts',
      '!**/.env*',
      '!**/{test,tests,__tests__,example,examples,docs}/**',
      '!**/*.{md,markdown}',
    ],

    asar: true,
    npmRebuild: false,
    compression: 'normal',

    protocols: [{ name: `${p.productName} sign-in`, schemes: [p.scheme] }],

    // Fuses flipped in the packaged binary (docs/packaging.md). Playwright's
    // _electron driver needs --inspect, so the e2e build
    // (build/e2e.electron-builder.yml) turns enableNodeCliInspectArguments back on
    // and nothing else.
    electronFuses: {
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
      // Flipping a fuse rewrites bytes in Electron Framework and so breaks its
      // ad-hoc signature; Apple Silicon then kills the app at launch. Re-sign ad hoc
      // right after the flip (a real identity, when CSC_LINK is set, signs over it).
      resetAdHocDarwinSignature: true,
    },

    mac: {
      category: 'public.app-category.productivity',
      target: [
        { target: 'dmg', arch: ['universal'] },
        { target: 'zip', arch: ['universal'] },
      ],
      hardenedRuntime: true,
      entitlements: 'build/entitlements.mac.plist',
      entitlementsInherit: 'build/entitlements.mac.plist',
      // Notarization runs only when APPLE_ID / APPLE_APP_SPECIFIC_PASSWORD /
      // APPLE_TEAM_ID (or APPLE_API_KEY…) are set; signing only when CSC_LINK is.
      notarize: true,
    },

    win: {
      target: [{ target: 'nsis', arch: ['x64', 'arm64'] }],
    },

    nsis: {
      oneClick: false,
      perMachine: false,
      allowToChangeInstallationDirectory: true,
      // electron-builder's `protocols` reaches Info.plist and the .desktop file but
      // not the NSIS installer: build/installer.nsh, with the scheme defined by
      // the build (dist/config/installer.nsh), writes and on uninstall removes
      // Software\Classes\<scheme> itself.
      include: 'dist/config/installer.nsh',
    },

    linux: {
      // Lower-case binary name on Linux only: /opt/<productName>/<executableName>,
      // and the desktop file is <executableName>.desktop (`desktopName` above).
      executableName: p.executableName,
      category: 'Network',
      target: ['AppImage', 'deb', 'rpm'],
      maintainer: 'oidc-desktop contributors <noreply@example.com>',
      synopsis: 'Sign in to OAuth 2.0 / OpenID Connect providers from the desktop',
      // The deb/rpm/AppImage desktop entry gets MimeType=x-scheme-handler/<scheme>;
      // from `protocols` above and Exec=... %U, so the link arrives as an argument.
      // AppImages are not installed: main/platform/appimage-scheme.ts registers
      // the scheme for the user on first run.
    },
  };
}

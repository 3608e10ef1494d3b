// The per-build half of the installers' configuration: electron-builder.yml
// (the project root) `extends` this file, and everything that depends on the
// app's configuration comes from here and nowhere else.
//
// The product name, app id, the Linux executable name and the sign-in scheme
// come from the app's build-time configuration (app.config.json, or the file
// in OIDC_DESKTOP_BUILD_CONFIG), which `npm run build` validates and turns into
// dist/config/packaging.json (scripts/build-app-config.ts). So the scheme the
// installers register (macOS Info.plist, the NSIS registry keys, the Linux
// desktop entry) is always the scheme the app listens on. A dist/ that was
// built from another configuration, or none, fails here with the fix; so does
// an electron-builder.yml (or a --config over it) that sets one of these
// values itself (`beforePack` below compares what electron-builder will use).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, 'dist', 'config');

function fail(message) {
  throw new Error(`build/packaging.js: ${message}`);
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

/** The values electron-builder must use, as electron-builder names them, for `p` (packaging.json). */
export function identityOf(p) {
  return {
    appId: p.appId,
    productName: p.productName,
    protocols: [{ name: `${p.productName} sign-in`, schemes: [p.scheme] }],
    linuxExecutableName: p.executableName,
    desktopName: `${p.executableName}.desktop`,
  };
}

/**
 * Refuses a configuration whose identity differs from packaging.json: a value
 * written into electron-builder.yml, or passed with --config, would otherwise
 * win silently over the app's configuration.
 * @param {import('electron-builder').Configuration} config what electron-builder merged
 */
export function checkIdentity(config, p) {
  const want = identityOf(p);
  const got = {
    appId: config.appId,
    productName: config.productName,
    protocols: config.protocols,
    linuxExecutableName: config.linux?.executableName,
    desktopName: config.extraMetadata?.desktopName,
  };
  for (const key of Object.keys(want)) {
    if (JSON.stringify(got[key]) !== JSON.stringify(want[key]))
      fail(
        `${key} is ${JSON.stringify(got[key])} but the app's configuration (${p.source}) makes it ${JSON.stringify(want[key])}: ` +
          'remove it from electron-builder.yml (or from --config); it comes from the app configuration only.',
      );
  }
}

/**
 * A function, so electron-builder reads dist/config afresh on every build
 * (it imports this module once per process).
 * @returns {import('electron-builder').Configuration}
 */
export default function config() {
  const p = readPackaging();
  const id = identityOf(p);
  return {
    appId: id.appId,
    productName: id.productName,
    // productName also goes into the packaged package.json, where Electron's app.getName() reads it;
    // desktopName too, which Electron on Linux uses as the window's app id (WM_CLASS), so it must
    // name the desktop entry the packages install.
    extraMetadata: { productName: id.productName, desktopName: id.desktopName },
    // Allow-list: only the built output and package.json. Tests, sources, source maps and example
    // profiles never enter the package, nor node_modules (`beforeBuild` below). dist/config holds the
    // app's configuration (absent for the demo) but not packaging.json or installer.nsh, which are for
    // this build only. Here rather than in electron-builder.yml: electron-builder puts the patterns of
    // the extended file first, so the YAML's `dist/main/**/*` would re-include the demo left out here.
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
    protocols: id.protocols,
    // Lower-case binary name on Linux only: /opt/<productName>/<executableName>,
    // and the desktop file is <executableName>.desktop (`desktopName` above).
    linux: { executableName: id.linuxExecutableName },
    // The app bundles every runtime package into dist/main (vite.main.config.ts); the
    // `dependencies` in package.json are for the published package. A `beforeBuild` that
    // resolves to false tells electron-builder the node_modules are handled outside it:
    // nothing installed, rebuilt or copied into app.asar. (Consulted only with npmRebuild on.)
    npmRebuild: true,
    beforeBuild: async () => false,
    beforePack: async (context) => {
      checkIdentity(context.packager.config, readPackaging());
    },
  };
}

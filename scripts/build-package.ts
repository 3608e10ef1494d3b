/**
 * Builds the installable package (`npm pack` runs it as `prepack`) into
 * dist-pkg/, one file per entry point of package.json `exports`:
 *
 * - `<entry>.js`: entries/<entry>.ts bundled by esbuild, ESM for Node 22+ /
 *   Electron 45. Every package stays an `import` (the runtime dependencies,
 *   `electron` as the peer), so the app developer's own bundler and
 *   electron-builder see them; only this repository's modules are inlined.
 *   The preload is also built as `preload.cjs`, for a preload that is not
 *   bundled (a sandboxed one must be CommonJS).
 * - `types/`: tsc's declarations, one per source module the entries reach,
 *   with relative imports given their `.js` extension so a consumer with
 *   `moduleResolution: nodenext` resolves them. Not rolled up into one file
 *   per entry: a class (`Vault`, `DiscoveryStore`) declared twice would be two
 *   incompatible types across `oidc-desktop` and `oidc-desktop/main`.
 *
 * - `package.json`: the published manifest, made from the root one (name,
 *   version, `exports`, `dependencies`, the `electron` peer) without what is
 *   the app's (its `main`, scripts, dev dependencies), so `npm pack
 *   ./dist-pkg` holds nothing but this directory. The root stays `private`:
 *   an `npm publish` there would ship the app's entry (npm always packs the
 *   `main` file). Beside it CHANGELOG.md and docs/add-sign-in-to-an-existing-app.md
 *   as the README.
 *
 * And the API report api/<entry>.api.md (@microsoft/api-extractor). `--local` rewrites the reports;
 * without it a public surface that differs from the committed report fails
 * the build, naming the file and the fix (`npm run api:update`).
 *
 *   tsx scripts/build-package.ts [--local]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel, type IConfigFile } from '@microsoft/api-extractor';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist-pkg');
const typesDir = path.join(out, 'types');
const scratch = path.join(out, '.api');
export const PACKAGE_ENTRIES = ['core', 'main', 'preload', 'renderer'] as const;

const local = process.argv.includes('--local');

async function bundle(): Promise<void> {
  const common = {
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node22',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  } as const;
  await build({
    ...common,
    entryPoints: PACKAGE_ENTRIES.map((e) => path.join(root, 'entries', `${e}.ts`)),
    outdir: out,
    format: 'esm',
    // The core once, in a chunk both entry points import, not a copy in each.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
  await build({ ...common, entryPoints: [path.join(root, 'entries', 'preload.ts')], outfile: path.join(out, 'preload.cjs'), format: 'cjs' });
}

function declarations(): void {
  const tsconfig = path.join(scratch, 'tsconfig.json');
  mkdirSync(scratch, { recursive: true });
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(root, 'tsconfig.json'),
      compilerOptions: { noEmit: false, declaration: true, emitDeclarationOnly: true, outDir: typesDir, rootDir: root, types: ['node'] },
      include: PACKAGE_ENTRIES.map((e) => path.join(root, 'entries', `${e}.ts`)),
      exclude: [],
    }),
  );
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('tsc could not write the declarations (see above)');
  for (const file of listFiles(typesDir)) writeFileSync(file, withJsExtensions(file, readFileSync(file, 'utf8')));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** `from './x'` → `from './x.js'` (or `./x/index.js`), as ESM resolution under nodenext requires. */
function withJsExtensions(file: string, text: string): string {
  return text.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*)\2/g, (whole, lead: string, quote: string, spec: string) => {
    if (/\.(js|cjs|mjs|json)$/.test(spec)) return whole;
    const base = path.resolve(path.dirname(file), spec);
    const target = existsSync(`${base}.d.ts`) ? `${spec}.js` : existsSync(path.join(base, 'index.d.ts')) ? `${spec}/index.js` : null;
    if (target === null) throw new Error(`${path.relative(root, file)}: cannot resolve '${spec}' among the declarations`);
    return `${lead}${quote}${target}${quote}`;
  });
}

/** Rolls up `<entry>.d.ts` and checks (or, with --local, rewrites) api/<entry>.api.md; true when the report matched. */
function extract(entry: (typeof PACKAGE_ENTRIES)[number]): boolean {
  const configObject: IConfigFile = {
    projectFolder: root,
    mainEntryPointFilePath: path.join(typesDir, 'entries', `${entry}.d.ts`),
    bundledPackages: [],
    newlineKind: 'lf',
    compiler: { tsconfigFilePath: path.join(scratch, 'tsconfig.json') },
    apiReport: { enabled: true, reportFileName: `${entry}.api.md`, reportFolder: path.join(root, 'api'), reportTempFolder: path.join(scratch, 'api') },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      // This code base documents with plain JSDoc, not TSDoc tags; the report is about the surface.
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        // Listed with file and line: any edit above a declaration would then "change" the API.
        'ae-undocumented': { logLevel: ExtractorLogLevel.None },
      },
    },
  };
  const config = ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: path.join(scratch, `${entry}.api-extractor.json`),
    packageJsonFullPath: path.join(root, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: local, showVerboseMessages: false });
  if (!result.succeeded && !result.apiReportChanged) throw new Error(`api-extractor failed for entries/${entry}.ts (${result.errorCount} errors)`);
  return !result.apiReportChanged || local;
}

interface RootManifest {
  name: string;
  version: string;
  description: string;
  license: string;
  author: string;
  type: string;
  engines: Record<string, string>;
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

/** The published package.json: the root's public fields, `exports` relative to dist-pkg/. */
function manifest(): void {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as RootManifest;
  const { name, version, description, license, author, type, engines, dependencies, peerDependencies } = pkg;
  const exportsText = JSON.stringify(pkg.exports).replaceAll('./dist-pkg/', './');
  const published = { name, version, description, license, author, type, engines, exports: JSON.parse(exportsText) as unknown, dependencies, peerDependencies };
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  copyFileSync(path.join(root, 'CHANGELOG.md'), path.join(out, 'CHANGELOG.md'));
  copyFileSync(path.join(root, 'docs', 'add-sign-in-to-an-existing-app.md'), path.join(out, 'README.md'));
}

await (async () => {
  rmSync(out, { recursive: true, force: true });
  await bundle();
  declarations();
  manifest();
  const changed = PACKAGE_ENTRIES.filter((entry) => !extract(entry));
  rmSync(scratch, { recursive: true, force: true });
  if (changed.length > 0) {
    console.error(
      `The public API changed: ${changed.map((e) => `api/${e}.api.md`).join(', ')} no longer match${changed.length === 1 ? 'es' : ''} the package's exports.\n` +
        'If the change is intended, run `npm run api:update`, commit the reports and add a CHANGELOG.md entry (docs/semver.md); otherwise undo it.',
    );
    process.exit(1);
  }
})();

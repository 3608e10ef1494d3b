/**
 * The main process: `main/entry.ts` → `dist/main/index.js` (ESM, Node 24 as
 * Electron 45 embeds it), which turns on the compile cache and then imports
 * `main/index.ts` → `dist/main/app.js` (main/entry.ts says why two files).
 * Only `electron` and Node's built-ins stay external. openid-client,
 * oauth4webapi, zod and electron-store (with conf) are small pure-JS packages
 * bundled in, because one file loads in a fraction of the time of hundreds
 * (bench `main_start_ratio`) and the app then needs no node_modules at all
 * (`asar_bytes`). They are package.json `dependencies` all the same: the
 * published package (scripts/build-package.ts) imports them, and
 * electron-builder is told the app's node_modules are handled here
 * (build/packaging.js `beforeBuild`).
 *
 * The demo provider (main/demo/, loaded by dynamic import only when the app
 * has no configuration) goes into its own chunk, dist/main/demo/, with
 * oidc-provider, koa and their dependencies bundled in; a build for a real
 * provider leaves dist/main/demo/ out (electron-builder.js). The licences of
 * whatever third-party code is bundled are written next to it
 * (THIRD_PARTY_NOTICES.txt in each output directory).
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { builtinsWithoutFacade } from './scripts/bundle/builtins-without-facade';
import { thirdPartyNotices } from './scripts/third-party-notices';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const externalPackages = ['electron'];
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** A module id with '/' separators: the checks below name paths, and ids may carry '\\' on Windows. */
const slashed = (id: string) => id.replace(/\\/g, '/');

/**
 * conf's `import crypto from 'node:crypto'` is bundled as scripts/bundle/lazy-node-crypto.mjs (which
 * says why); the app's own code loads node:crypto through main/auth/lazy-builtins.ts.
 */
function lazyCryptoFor(id: string, importer: string | undefined): string | null {
  return id === 'node:crypto' && importer !== undefined && slashed(importer).includes('/node_modules/conf/')
    ? here('./scripts/bundle/lazy-node-crypto.mjs')
    : null;
}

/** True for `electron` or a subpath of it, and any built-in (but conf's node:crypto, above). */
export function isExternal(id: string, importer?: string): boolean {
  if (lazyCryptoFor(id, importer) !== null) return false;
  if (builtins.has(id) || id.startsWith('node:')) return true;
  return externalPackages.some((name) => id === name || id.startsWith(`${name}/`));
}

export default defineConfig({
  publicDir: false,
  // Minified (whitespace and syntax: a smaller file is read, hashed against the compile cache and
  // parsed faster, ~3 ms of every start, bench main_start_ratio) but names kept: stack traces stay
  // readable, and oauth4webapi's errors take their `name` from their class. The licences of the
  // bundled code are in THIRD_PARTY_NOTICES.txt, so no comments are carried.
  esbuild: { minifyIdentifiers: false, legalComments: 'none' },
  build: {
    ssr: here('./main/entry.ts'),
    outDir: here('./dist/main'),
    emptyOutDir: true,
    target: 'node24',
    sourcemap: false,
    minify: 'esbuild',
    rollupOptions: {
      external: isExternal,
      // Importing a built-in or electron has no side effect: an import whose bindings were all
      // tree-shaken away (atomically's node:stream) is dropped instead of loading the module at start.
      treeshake: { moduleSideEffects: (_id, external) => !external },
      output: {
        format: 'es',
        entryFileNames: 'index.js',
        // Everything only the demo reaches lands under demo/, which a real-provider package excludes.
        // The app itself sits next to the entry: main/index.ts finds preload, renderer and config relative to its own file.
        chunkFileNames: (chunk) => {
          const facade = chunk.facadeModuleId ? slashed(chunk.facadeModuleId) : '';
          if (facade.endsWith('/main/index.ts')) return 'app.js';
          return facade.includes('/main/demo/') ? 'demo/[name].js' : 'chunks/[name]-[hash].js';
        },
        // A module (ours or a dependency, e.g. jose) that both the demo and the app reach goes to
        // chunks/shared: left in index.js, the demo chunk would import the entry, which starts the app.
        manualChunks: (rawId, { getModuleInfo }) => {
          const id = slashed(rawId);
          if (id.includes('/main/demo/') || id.endsWith('/main/index.ts')) return undefined;
          // jose: imported by the app only when it first needs DPoP (main/auth/dpop.ts), by the demo statically.
          // In its own chunk, it stays out of the start-up path and in every package.
          if (id.includes('/node_modules/jose/')) return 'jose';
          let fromDemo = false;
          let fromApp = false;
          const seen = new Set<string>([rawId]);
          const queue = [rawId];
          // Walk static importers upwards: a demo module ends the walk (the demo is imported dynamically).
          while (!(fromDemo && fromApp)) {
            const next = queue.pop();
            if (next === undefined) break;
            for (const importer of getModuleInfo(next)?.importers ?? []) {
              if (seen.has(importer)) continue;
              seen.add(importer);
              if (slashed(importer).includes('/main/demo/')) fromDemo = true;
              else if (slashed(importer).endsWith('/main/index.ts')) fromApp = true;
              else queue.push(importer);
            }
          }
          return fromDemo && fromApp ? 'shared' : undefined;
        },
      },
    },
  },
  resolve: {
    // electron-store's conf imports a JSON-schema validator it uses only for stores with a
    // schema; ours has none (scripts/bundle/no-json-schema.mjs says why and fails loudly otherwise).
    alias: [
      { find: /^ajv\/dist\/2020\.js$/, replacement: here('./scripts/bundle/no-json-schema.mjs') },
      { find: /^ajv-formats$/, replacement: here('./scripts/bundle/no-json-schema.mjs') },
      // Likewise semver, used by conf only for version migrations, which the vault does not use.
      { find: /^semver$/, replacement: here('./scripts/bundle/no-semver.mjs') },
    ],
  },
  plugins: [
    { name: 'conf-crypto-at-first-use', enforce: 'pre', resolveId: lazyCryptoFor },
    thirdPartyNotices('THIRD_PARTY_NOTICES.txt'),
    builtinsWithoutFacade(),
  ],
  ssr: {
    target: 'node',
    // Decide externals ourselves (above), not by vite's node_modules heuristic.
    noExternal: true,
  },
});

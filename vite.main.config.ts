/**
 * The main process: `main/index.ts` → `dist/main/index.js` (ESM, Node 20).
 * `electron`, Node's built-ins and every runtime dependency (package.json
 * `dependencies`) stay external and load from node_modules, where
 * electron-builder packs them.
 *
 * The demo provider (main/demo/, loaded by dynamic import only when the app
 * has no configuration) goes into its own chunk, dist/main/demo/, with
 * oidc-provider, koa and their dependencies bundled in: they are dev
 * dependencies, so electron-builder never packs them, and a build for a real
 * provider leaves dist/main/demo/ out (electron-builder.js). Whatever
 * third-party code is bundled is listed, with its licence text, in
 * dist/main/THIRD_PARTY_NOTICES.txt.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { thirdPartyNotices } from './scripts/third-party-notices';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const pkg = JSON.parse(readFileSync(here('./package.json'), 'utf8')) as { dependencies?: Record<string, string> };
const externalPackages = ['electron', ...Object.keys(pkg.dependencies ?? {})];
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** True for `electron`, a dependency, or a subpath of either (`openid-client/passport`), and any built-in. */
export function isExternal(id: string): boolean {
  if (builtins.has(id) || id.startsWith('node:')) return true;
  return externalPackages.some((name) => id === name || id.startsWith(`${name}/`));
}

export default defineConfig({
  publicDir: false,
  build: {
    ssr: here('./main/index.ts'),
    outDir: here('./dist/main'),
    emptyOutDir: true,
    target: 'node20',
    sourcemap: false,
    minify: false,
    rollupOptions: {
      external: isExternal,
      output: {
        format: 'es',
        entryFileNames: 'index.js',
        // Everything only the demo reaches lands under demo/, which a real-provider package excludes.
        chunkFileNames: (chunk) => (chunk.facadeModuleId?.includes('/main/demo/') ? 'demo/[name].js' : 'chunks/[name]-[hash].js'),
      },
    },
  },
  plugins: [thirdPartyNotices('THIRD_PARTY_NOTICES.txt')],
  ssr: {
    target: 'node',
    // Decide externals ourselves (above), not by vite's node_modules heuristic.
    noExternal: true,
  },
});

/**
 * The main process: `main/index.ts` → `dist/main/index.js` (ESM, Node 20).
 * Only our own code is bundled. `electron`, Node's built-ins and every
 * runtime dependency stay external and load from node_modules, where
 * electron-builder packs them (bundling oidc-provider or electron-store
 * would break their own file lookups and licences' attribution).
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

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
      output: { format: 'es', entryFileNames: 'index.js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
  ssr: {
    target: 'node',
    // Decide externals ourselves (above), not by vite's node_modules heuristic.
    noExternal: true,
  },
});

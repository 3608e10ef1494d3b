/**
 * The preload: `preload/index.ts` → `dist/preload/index.cjs`. CommonJS,
 * because a sandboxed preload cannot be an ES module; one self-contained file,
 * because a sandboxed preload can `require` only `electron` (and a few
 * built-ins), so the contract's channel table is inlined.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  publicDir: false,
  build: {
    outDir: here('./dist/preload'),
    emptyOutDir: true,
    target: 'chrome128',
    sourcemap: false,
    minify: false,
    lib: {
      entry: here('./preload/index.ts'),
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    rollupOptions: {
      external: ['electron'],
      output: { inlineDynamicImports: true },
    },
  },
});

/**
 * The renderer: plain TypeScript + CSS from `renderer/` to `dist/renderer/`.
 * `base: './'` keeps asset URLs relative, so the same build works under
 * `app://renderer/` in the app and a loopback server in the e2e test.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig(({ mode }) => ({
  root: here('./renderer'),
  base: './',
  publicDir: false,
  build: {
    outDir: here('./dist/renderer'),
    emptyOutDir: true,
    // Source maps would ship the sources next to the app; keep them for dev builds only.
    sourcemap: mode !== 'production',
    target: 'chrome128',
    // Chromium has native modulepreload: no polyfill, so no extra script for the CSP to judge.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
}));

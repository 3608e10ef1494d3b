import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/electron/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and Chromium: keep the 2-core machine calm.
    maxWorkers: 2,
    // Through vite, so `vi.mock('electron')` reaches them: electron-store, and the packed
    // oidc-desktop installed into a copy of examples/existing-app (test/electron/existing-app.test.ts).
    server: { deps: { inline: ['electron-store', /[\\/]node_modules[\\/]oidc-desktop[\\/]/] } },
  },
});

/**
 * The built app in real Electron: launch, secure window, the renderer's
 * "Sign in" button against the bundled demo provider.
 *
 * Runs wherever an Electron binary exists (a developer laptop, CI with
 * internet). Where none does (installed with ELECTRON_SKIP_BINARY_DOWNLOAD),
 * it is reported as SKIPPED with the reason, never as a silent pass. With
 * REQUIRE_ELECTRON=1 (CI, .github/workflows/ci.yml) a missing binary is a
 * FAILURE instead: there the spec must run.
 *
 * The binary is located as `npm start` locates it (scripts/electron-binary.ts),
 * without requiring `electron/index.js`: requiring it tries to download.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { locateElectron } from '../../scripts/electron-binary';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const mainBundle = path.join(repoRoot, 'dist', 'main', 'index.js');
/**
 * The packaged app's executable (CI: the build from build/e2e.electron-builder.yml).
 * Set, the spec runs the app from its app.asar instead of Electron + dist/.
 * A path that does not exist fails the launch: it is never a skip.
 */
const packagedApp = process.env.ELECTRON_APP_PATH?.trim() || undefined;

function findElectronBinary(): { executablePath: string } | { reason: string } {
  if (packagedApp) return { executablePath: packagedApp };
  const found = locateElectron();
  // The real cause, and what would make the spec run (npm start says the same: scripts/electron-binary.ts).
  return 'missing' in found
    ? { reason: `${found.missing}; to run this spec, let Electron download (network access to GitHub or ELECTRON_MIRROR) or set ELECTRON_OVERRIDE_DIST_PATH` }
    : found;
}

const found = findElectronBinary();
const required = process.env.REQUIRE_ELECTRON === '1';

test.describe('Electron app (real binary)', () => {
  test.skip(!required && 'reason' in found, 'reason' in found ? found.reason : '');

  // Unset when beforeEach fails before the launch (afterEach must not throw over that failure).
  let app: ElectronApplication | undefined;
  let userData: string;

  test.beforeEach(async () => {
    if ('reason' in found) throw new Error(`REQUIRE_ELECTRON=1, but ${found.reason}`);
    // A missing build where a binary exists is a failure, not a skip.
    if (!packagedApp) expect(existsSync(mainBundle), `${mainBundle} must exist: run the build first`).toBe(true);
    userData = mkdtempSync(path.join(tmpdir(), 'oidc-desktop-e2e-'));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OIDC_')) env[k] = v;
    app = await electron.launch({
      executablePath: found.executablePath,
      // A packaged app loads its own app.asar; the script path is for the bare Electron binary only.
      args: [...(packagedApp ? [] : [mainBundle]), ...(process.platform === 'linux' ? ['--password-store=basic'] : [])],
      // No OIDC_* configuration: the app starts its own demo provider on loopback.
      env: { ...env, OIDC_DESKTOP_USER_DATA: userData, OIDC_DESKTOP_LOG: 'debug' },
      timeout: 60_000,
    });
  });

  test.afterEach(async () => {
    await app?.close();
    // On Windows, Electron's helper processes (GPU, crashpad) may hold files in userData for a moment after it quits.
    rmSync(userData, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  test('opens one locked-down window on app://renderer with a Sign in button', async () => {
    const window = await app!.firstWindow({ timeout: 30_000 });
    await window.waitForLoadState('domcontentloaded');
    expect(window.url()).toMatch(/^app:\/\/renderer\//);
    expect((await window.title()).length).toBeGreaterThan(0);

    const prefs = await app!.evaluate(({ BrowserWindow }) => {
      const windows = BrowserWindow.getAllWindows();
      const wc = windows[0]!.webContents;
      return { count: windows.length, url: wc.getURL() };
    });
    expect(prefs.count).toBe(1);
    expect(prefs.url).toMatch(/^app:\/\/renderer\//);

    // contextIsolation + sandbox + no nodeIntegration: no Node in the page, only the named bridge.
    const surface = await window.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys((globalThis as { auth?: Record<string, unknown> }).auth ?? {}).sort(),
    }));
    expect(surface.require).toBe('undefined');
    expect(surface.process).toBe('undefined');
    expect(surface.bridge).toEqual(expect.arrayContaining(['getSession', 'signIn', 'signOut', 'request', 'onSessionChanged']));

    // Navigation away from the app is refused.
    await window.evaluate(() => {
      location.href = 'https://evil.example/';
    });
    await window.waitForTimeout(500);
    expect(window.url()).toMatch(/^app:\/\/renderer\//);

    await expect(window.getByRole('button', { name: /sign in/i })).toBeVisible({ timeout: 15_000 });
  });
});

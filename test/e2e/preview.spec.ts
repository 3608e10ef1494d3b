/**
 * `npm run preview` as a person uses it: the command's own process (the
 * script the npm script runs, on the built renderer), its printed URL opened
 * in a plain Chromium page with no test bindings — the page's `window.auth`
 * is the preview's HTTP bridge — then Sign in → signed in → Call the API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_MISSING, CHROMIUM_PATH } from '../helpers/chromium';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

test.skip(CHROMIUM_MISSING !== null, CHROMIUM_MISSING ?? '');
test.use({ browserName: 'chromium', launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } });

let child: ChildProcess | undefined;

test.afterEach(() => {
  if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
  child = undefined;
});

/** Starts the preview and resolves with the URL it prints. */
function startPreview(args: string[] = []): Promise<string> {
  expect(existsSync(path.join(repoRoot, 'dist', 'renderer', 'index.html')), 'run `npm run build` first').toBe(true);
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/preview.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`no URL printed in 30 s:\n${out}`));
    }, 30_000);
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /^Preview: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    proc.stdout.on('data', read);
    proc.stderr.on('data', read);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the preview exited (${code}):\n${out}`));
    });
  });
}

test('npm run preview serves the working app: sign in through it, call the API', async ({ page }) => {
  const url = await startPreview();
  await page.goto(url);
  await expect(page).toHaveTitle('OIDC Desktop');
  await expect(page.getByTestId('status')).toHaveText('Signed out');
  await page.getByRole('button', { name: 'Sign in with Demo provider' }).click();
  // The preview's system browser signs in as the demo user by itself; the window follows the core's push.
  await expect(page.getByTestId('status')).toHaveText('Signed in as Demo User', { timeout: 30_000 });
  await expect(page).toHaveTitle('Demo User — OIDC Desktop');
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api-summary')).toContainText('name Demo User');
  await expect(page.getByTestId('api-status')).toHaveText('200');
});

test('the preview refuses a call from another site (its Origin), as the app refuses another frame', async ({ request }) => {
  const url = await startPreview();
  const response = await request.post(`${url}__preview/ipc`, {
    headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
    data: { channel: 'auth:sign-in' },
  });
  expect(await response.json()).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
});

test('--lang de: the window speaks German', async ({ page }) => {
  await page.goto(await startPreview(['--lang', 'de']));
  await expect(page.getByTestId('status')).toHaveText('Abgemeldet');
  await expect(page.getByTestId('sign-in')).toHaveText('Mit Demo provider anmelden');
  // Every section draws its words from the same table, the self-contained ones included.
  await expect(page.locator('#connect-api-title')).toHaveText('Mit einer API über ihre Adresse verbinden');
  await expect(page.getByTestId('connect-api-find')).toHaveText('Ihren Server finden');
});

test('a hostile page cannot take the preview down or reach it under another name', async ({ request }) => {
  const url = await startPreview();
  const host = new URL(url).host;
  // The session push is main → page only: posting it is refused, not a crash.
  const push = await request.post(`${url}__preview/ipc`, { headers: { origin: 'https://evil.example' }, data: { channel: 'auth:session-changed' } });
  expect((await push.json()) as unknown).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  // A broken percent-encoding (an <img src> can send one) is a 400, not a crash.
  expect((await request.get(`${url}%E0%A4%A`)).status()).toBe(400);
  // DNS rebinding: the same address under another name is refused, the event stream included.
  expect((await request.get(`${url}__preview/events`, { headers: { host: `evil.example:${new URL(url).port}` } })).status()).toBe(421);
  expect((await request.get(url, { headers: { host: `localhost:${new URL(url).port}` } })).status()).toBe(421);
  // Still serving.
  expect((await request.get(url, { headers: { host } })).status()).toBe(200);
  expect(child?.exitCode).toBeNull();
});

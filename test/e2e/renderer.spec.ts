/**
 * The BUILT renderer (`dist/renderer`) in real Chromium, wired to the real
 * main-process side: `window.auth` is the preload's surface, and each of its
 * functions goes through a Playwright binding to the handlers that
 * `registerIpcHandlers` installs, in front of the real auth core (real Vault
 * over a JsonFileStore, AES-GCM cipher), the real demo provider on
 * 127.0.0.1, and a second Chromium playing the system browser whose
 * `com.example.desktop:` redirects go to `core.handleRedirect` — the entry
 * point the OS deep link reaches in the app.
 *
 * What differs from Electron, and only that: the page is served from a
 * loopback server instead of `app://renderer`, so the sender check trusts
 * that server's origin (and a foreign origin is shown to be refused).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import jsQR from 'jsqr';
import { demoAppConfig } from '../../main/app-config';
import type { AuthCoreOptions } from '../../main/auth/auth-core';
import { parseAppConfig, type AppConfig } from '../../main/auth/config';
import type { Cipher, FetchLike, SessionState } from '../../main/auth/types';
import type { DemoProvider } from '../../main/demo/demo-provider';
import { IPC_CHANNELS, type AppInfo, type AuthBridge } from '../../main/ipc/contract-types';
import type { IpcInvokeEventLike } from '../../main/ipc/handlers';
import { forwardSessionChanges } from '../../main/ipc/renderer-window';
import { createTestCipher } from '../helpers/aes-cipher';
import { CHROMIUM_ARGS, CHROMIUM_MISSING, CHROMIUM_PATH } from '../helpers/chromium';
import { startMainSide, type MainSide } from '../helpers/main-side';
import { serveStatic } from '../helpers/static-server';
import { until } from '../helpers/until';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const rendererDir = path.join(repoRoot, 'dist', 'renderer');
/** Committed: the README and docs show them (README.md, docs/screens.md). */
const screenshotDir = path.join(repoRoot, 'docs', 'screens');
const UI_TIMEOUT = 15_000;
/** The status once signed in (online): it names who. */
const SIGNED_IN = /^Signed in as [^—]+$/;

test.skip(CHROMIUM_MISSING !== null, CHROMIUM_MISSING ?? '');

test.use({
  browserName: 'chromium',
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  },
  actionTimeout: UI_TIMEOUT,
  navigationTimeout: UI_TIMEOUT,
});

/**
 * Installs `window.auth` exactly as the preload builds it (one function per
 * channel, `onSessionChanged` passing the state only), with
 * `ipcRenderer.invoke` replaced by the `__ipcInvoke` binding and the
 * session-changed push delivered through `__ipcPush`.
 */
function installBridge(channels: typeof IPC_CHANNELS): void {
  type Invoke = (channel: string, payload?: unknown) => Promise<unknown>;
  const w = window as unknown as { __ipcInvoke: Invoke; __ipcPush?: (state: unknown) => void };
  const invoke: Invoke = (channel, payload) => w.__ipcInvoke(channel, payload);
  const listeners = new Set<(state: unknown) => void>();
  w.__ipcPush = (state) => {
    for (const listener of listeners) listener(state);
  };
  const bridge = {
    getSession: () => invoke(channels.getSession),
    getAppInfo: () => invoke(channels.getAppInfo),
    listProviders: () => invoke(channels.listProviders),
    signIn: (input?: unknown) => invoke(channels.signIn, input),
    cancelSignIn: () => invoke(channels.cancelSignIn),
    signOut: (input?: unknown) => invoke(channels.signOut, input),
    signOutAll: () => invoke(channels.signOutAll),
    listAccounts: () => invoke(channels.listAccounts),
    setActiveAccount: (input: unknown) => invoke(channels.setActiveAccount, input),
    addAccount: (input: unknown) => invoke(channels.addAccount, input),
    requestConsent: (input: unknown) => invoke(channels.requestConsent, input),
    requestStepUp: (input?: unknown) => invoke(channels.requestStepUp, input),
    request: (req: unknown) => invoke(channels.request, req),
    planApiConnection: (input: unknown) => invoke(channels.planApiConnection, input),
    connectApi: (input: unknown) => invoke(channels.connectApi, input),
    onSessionChanged(listener: (state: unknown) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  Object.defineProperty(window, 'auth', { value: Object.freeze(bridge), enumerable: true });
}

interface Rig extends MainSide {
  /** Every IPC answer the page received, serialised (to prove no secret crossed). */
  ipcTraffic: string[];
}

/**
 * The main-process side for one page (test/helpers/main-side.ts), reached
 * through Playwright bindings. `openUrl` only records the URL (as
 * `shell.openExternal` hands it to the OS and returns); the test decides when
 * the system browser actually opens it, so the waiting state can be observed.
 */
async function startRig(
  page: Page,
  opts: { autoLogin: boolean; cipher?: Cipher; config?: (demo: DemoProvider) => AppConfig; core?: Partial<AuthCoreOptions>; appInfo?: AppInfo },
): Promise<Rig> {
  const server = await serveStatic(rendererDir);
  let side: MainSide;
  try {
    side = await startMainSide({ ...opts, trustedOrigin: () => server.origin });
  } catch (err) {
    await server.close();
    throw err;
  }
  side.onClose(() => server.close());
  const { ipc, core } = side;
  const ipcTraffic: string[] = [];
  await page.exposeBinding('__ipcInvoke', async (source, channel: unknown, payload: unknown) => {
    const event: IpcInvokeEventLike = { senderFrame: { url: source.frame.url() }, sender: { id: 1 } };
    const result = await ipc.invoke(String(channel), payload, event);
    ipcTraffic.push(JSON.stringify(result));
    return result;
  });
  side.onClose(
    // The app's own push, with the page standing in for the window's web contents.
    forwardSessionChanges(core, () => ({
      isDestroyed: () => page.isClosed(),
      webContents: {
        id: 1,
        send: (_channel, state) => {
          ipcTraffic.push(JSON.stringify(state));
          page
            .evaluate((s) => (window as unknown as { __ipcPush?: (s: unknown) => void }).__ipcPush?.(s), state as SessionState)
            .catch(() => {
              // The page may be navigating or closed; it re-reads the session on load.
            });
        },
      },
    })),
  );
  await page.addInitScript(installBridge, IPC_CHANNELS);
  await page.goto(`${server.origin}/index.html`);
  return Object.assign(side, { ipcTraffic });
}

/** axe-core's findings on the page as it is now, one line each (empty = none). */
async function axeFindings(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} — ${n.failureSummary?.split('\n').join(' ') ?? v.help}`));
}

/**
 * Every state the window reaches is checked and pictured here: axe-core finds
 * nothing in light or in dark (prefers-color-scheme), and the state is saved
 * as docs/screens/<state>.png, <state>-dark.png and <state>-narrow.png.
 */
async function shot(page: Page, state: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  // Transitions and the caret would make the pictures differ from run to run; focus rings stay.
  const still = { animations: 'disabled', caret: 'hide' } as const;
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await axeFindings(page), `axe-core in ${scheme} mode, state "${state}"`).toEqual([]);
    await page.screenshot({ path: path.join(screenshotDir, `${state}${scheme === 'dark' ? '-dark' : ''}.png`), fullPage: true, ...still });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 720 });
  await page.screenshot({ path: path.join(screenshotDir, `${state}-narrow.png`), fullPage: true, ...still });
  if (size) await page.setViewportSize(size);
}

test.describe('renderer against the real IPC handlers, auth core and demo provider', () => {
  let rig: Rig | undefined;

  test.beforeAll(() => {
    expect(existsSync(path.join(rendererDir, 'index.html')), `${rendererDir} must exist: run \`npm run build\` first`).toBe(true);
  });

  test.afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  test('sign in in the system browser → signed in → Call API → sign out', async ({ page }) => {
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().includes('frame-ancestors')) pageErrors.push(msg.text());
    });
    rig = await startRig(page, { autoLogin: true });
    const status = page.getByTestId('status');

    await expect(status).toHaveText('Signed out');
    await expect(page.getByTestId('sign-in')).toBeEnabled();
    // One provider: no picker.
    await expect(page.getByTestId('provider-select')).toBeHidden();
    await expect(page.getByTestId('storage-notice')).toBeHidden();
    await shot(page, 'signed-out');

    await page.getByTestId('sign-in').click();
    await expect(status).toHaveText('Waiting for your browser');
    await expect(page.getByTestId('cancel')).toBeVisible();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await shot(page, 'waiting');

    const authorizeUrl = new URL(rig.opened[0]!);
    // The demo profile requires PAR (RFC 9126): PKCE, state and redirect_uri went in the pushed request.
    expect([...authorizeUrl.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    await rig.openInBrowser(authorizeUrl.href);

    await expect(status).toHaveText(SIGNED_IN);
    await expect(page.getByTestId('user-name')).toHaveText('Demo User');
    const session = rig.core.getSession();
    expect(session.status).toBe('signed_in');
    // The account header: initials, name, the address and the provider, each once.
    if (session.status === 'signed_in') await expect(page.getByTestId('user-email')).toHaveText(`${session.user.email ?? ''} · with Demo provider`);
    await expect(page.getByTestId('avatar')).toHaveText('DU');
    await expect(status).toHaveText('Signed in as Demo User');
    await expect(page.getByTestId('error')).toBeHidden();
    await shot(page, 'signed-in');

    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('api-result')).toBeVisible();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    const body = JSON.parse((await page.getByTestId('api-body').textContent()) ?? '') as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'Demo User' });
    await shot(page, 'api-result');

    // No secret crossed into the page: the stored refresh token appears in no IPC answer and not in the DOM.
    const stored = rig.vault.load('demo');
    expect(stored?.refreshToken).toBeTruthy();
    expect(rig.ipcTraffic.join('\n')).not.toContain(stored!.refreshToken);
    expect(await page.content()).not.toContain(stored!.refreshToken);
    // Nor did the session's DPoP key (the demo profile requires DPoP).
    expect(stored!.dpopKey?.d).toBeTruthy();
    expect(rig.ipcTraffic.join('\n')).not.toContain(stored!.dpopKey!.d);
    expect(await page.content()).not.toContain(stored!.dpopKey!.d);

    await page.getByTestId('sign-out').click();
    await expect(status).toHaveText('Signed out');
    await expect(page.getByTestId('sign-in')).toBeVisible();
    await expect(page.getByTestId('user-name')).toBeHidden();
    await expect(page.getByTestId('api-result')).toBeHidden();
    expect(rig.core.getSession().status).toBe('signed_out');
    expect(rig.vault.load('demo')).toBeNull();
    await shot(page, 'signed-out-again');

    expect(pageErrors).toEqual([]);
  });

  test("Connect to an API by URL: the demo's /tools → its server shown and confirmed → browser → signed in → the API answers", async ({ page }) => {
    rig = await startRig(page, { autoLogin: true });
    const apiUrl = rig.demo.discoverableApi.resource;
    await page.getByTestId('connect-api-url').fill(apiUrl);
    await page.getByTestId('connect-api-find').click();
    // The person sees which server they will sign in to before anything opens.
    await expect(page.getByTestId('connect-api-server')).toHaveText(`You will sign in at ${new URL(rig.demo.issuer).host}`);
    await expect(page.getByTestId('connect-api-continue')).toBeFocused();
    await expect(page.getByTestId('connect-api-warning')).toBeHidden();
    expect(rig.opened).toEqual([]);
    await shot(page, 'connect-api-confirm');

    await page.getByTestId('connect-api-continue').click();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await rig.openInBrowser(rig.opened[0]!);
    await expect(page.getByTestId('connect-api-done')).toBeVisible();
    await expect(page.getByTestId('connect-api-call')).toBeFocused();
    await page.getByTestId('connect-api-call').click();
    await expect(page.getByTestId('connect-api-result')).toContainText('200');
    await expect(page.getByTestId('connect-api-result')).toContainText('"api":"tools"');
    // It is an account of its own, named by its server (the only one: the header shows it).
    await expect(page.getByTestId('user-email')).toContainText(new URL(rig.demo.issuer).host);
    await shot(page, 'connect-api-done');
  });

  test('Cancel while waiting for the browser → signed out with a plain "cancelled" message', async ({ page }) => {
    rig = await startRig(page, { autoLogin: false });
    const status = page.getByTestId('status');
    await expect(status).toHaveText('Signed out');

    await page.getByTestId('sign-in').click();
    await expect(status).toHaveText('Waiting for your browser');
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    // The provider's login page is really open in the browser, unanswered.
    await rig.openInBrowser(rig.opened[0]!);

    await page.getByTestId('cancel').click();
    await expect(status).toHaveText('Signed out');
    await expect(page.getByTestId('sign-in')).toBeVisible();
    // The person's own Cancel is news, not an error.
    await expect(page.getByTestId('error')).toBeHidden();
    await expect(page.getByTestId('info')).toHaveText('Sign-in cancelled. You can sign in again whenever you like.');
    await expect(page.getByTestId('sign-in')).toBeFocused();
    expect(rig.core.getSession().status).toBe('signed_out');
    await shot(page, 'cancelled');
  });

  test('a frame from another origin gets invalid_request, not the core', async ({ page }) => {
    rig = await startRig(page, { autoLogin: false });
    await expect(page.getByTestId('status')).toHaveText('Signed out');
    const foreign = await serveStatic(rendererDir);
    try {
      // Same page content, other origin: the binding exists there too, the sender check must refuse it.
      await page.goto(`${foreign.origin}/index.html`);
      const result = await page.evaluate(() => (window as unknown as { auth: AuthBridge }).auth.signIn());
      expect(result).toEqual({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('not allowed from this frame') } });
      expect(rig.opened).toEqual([]);
      await expect(page.getByTestId('error')).toContainText(/not allowed/);
    } finally {
      await foreign.close();
    }
  });

  test('two providers show a picker, the chosen one is used; no keyring shows the storage notice', async ({ page }) => {
    const twoProviders = (demo: DemoProvider): AppConfig => {
      const base = demoAppConfig(demo);
      const demoProvider = base.providers[0]!;
      return parseAppConfig({ ...base, providers: [demoProvider, { ...demoProvider, id: 'second', displayName: 'Second demo' }] });
    };
    // Linux without a secret service: Electron reports `basic_text`, which protects nothing.
    rig = await startRig(page, { autoLogin: true, cipher: createTestCipher({ backend: 'basic_text' }), config: twoProviders });
    const status = page.getByTestId('status');
    await expect(status).toHaveText('Signed out');
    await expect(page.getByTestId('storage-notice')).toBeVisible();
    await expect(page.getByTestId('storage-notice')).toContainText(/memory only/);
    const select = page.getByTestId('provider-select');
    await expect(select).toBeVisible();
    await expect(select.locator('option')).toHaveText(['Demo provider', 'Second demo']);
    await select.selectOption('second');
    await shot(page, 'provider-picker');

    await page.getByTestId('sign-in').click();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await rig.openInBrowser(rig.opened[0]!);
    await expect(status).toHaveText(SIGNED_IN);
    await expect(page.getByTestId('user-name')).toHaveText('Demo User');
    expect(rig.core.getSession()).toMatchObject({ status: 'signed_in', providerId: 'second', storage: { persistent: false } });
    // Still visible once signed in: the person must know the sign-in will not survive a restart.
    await expect(page.getByTestId('storage-notice')).toBeVisible();
  });

  test('accounts: add a second person → switch with the keyboard → call an API on each → consent → remove one', async ({ page }) => {
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // The demo profile pushes its authorization parameters (PAR): what each sign-in asked for is read from
    // the pushed request, in order (the browser URL carries only client_id and request_uri).
    const pushed: URLSearchParams[] = [];
    const recording: FetchLike = (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.endsWith('/request') && init?.body instanceof URLSearchParams) pushed.push(new URLSearchParams(init.body));
      else if (url.endsWith('/request') && typeof init?.body === 'string') pushed.push(new URLSearchParams(init.body));
      return fetch(input, init);
    };
    rig = await startRig(page, { autoLogin: true, core: { fetch: recording } });
    const status = page.getByTestId('status');
    const accounts = page.getByTestId('account');
    const body = async () => JSON.parse((await page.getByTestId('api-body').textContent()) ?? '') as Record<string, unknown>;
    const authorize = async (n: number) => {
      await until(() => rig!.opened.length === n, UI_TIMEOUT, `authorization URL ${n}`);
      await rig!.openInBrowser(rig!.opened[n - 1]!);
    };

    await page.getByTestId('sign-in').click();
    await authorize(1);
    await expect(status).toHaveText(SIGNED_IN);
    // One account: the header says who; the list appears once there is someone to switch to.
    await expect(accounts).toHaveCount(0);
    await expect(page.getByTestId('add-account')).toBeVisible();

    // Add the colleague at the same provider: the provider must show its login page again.
    Object.assign(rig.person, rig.demo.colleague);
    await page.getByTestId('add-account').click();
    await expect(status).toHaveText('Waiting for your browser');
    await until(() => rig!.opened.length === 2, UI_TIMEOUT, 'authorization URL 2');
    expect(new URL(rig.opened[1]!).searchParams.get('request_uri')).toBeTruthy();
    expect(pushed).toHaveLength(2);
    expect(pushed[1]!.get('prompt')).toContain('login');
    await rig.openInBrowser(rig.opened[1]!);
    await expect(page.getByTestId('user-name')).toHaveText('Sam Colleague');
    await expect(accounts).toHaveCount(2);
    await expect(page.getByTestId('account-list')).toContainText('sam@example.test');
    await expect(page.getByTestId('account-list')).toContainText('Demo provider');
    await shot(page, 'accounts-two');

    await page.getByTestId('call-api-contacts').click();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    expect(await body()).toMatchObject({ api: 'contacts', sub: 'demo-colleague', aud: rig.demo.apis.contacts.resource });
    await shot(page, 'accounts-api-colleague');

    // Switch with the keyboard: focus "Use" on the other account and press Enter.
    const use = page.getByRole('button', { name: 'Use Demo User' });
    await use.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('user-name')).toHaveText('Demo User');
    await expect(accounts.filter({ hasText: 'Demo User' })).toHaveAttribute('aria-current', 'true');
    await page.getByTestId('call-api-contacts').click();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    expect(await body()).toMatchObject({ api: 'contacts', sub: 'demo-user' });
    await shot(page, 'accounts-switched');

    // Calendar was not granted at sign-in: a prompt, not a browser window, until the person clicks.
    await page.getByTestId('call-api-calendar').click();
    await expect(page.getByTestId('consent')).toBeVisible();
    await expect(page.getByTestId('consent')).toContainText('Calendar needs a permission');
    await expect(page.getByTestId('error')).toBeHidden();
    expect(rig.opened).toHaveLength(2);
    await shot(page, 'accounts-consent-prompt');

    // The browser is still signed in as the colleague there: the provider asks to log in (id_token_hint).
    Object.assign(rig.person, rig.demo.credentials);
    await page.getByTestId('grant-consent').focus();
    await page.keyboard.press('Enter');
    await until(() => rig!.opened.length === 3, UI_TIMEOUT, 'the consent authorization URL');
    const consentUrl = new URL(rig.opened[2]!);
    expect(pushed).toHaveLength(3);
    expect(pushed[2]!.getAll('resource')).toContain(rig.demo.apis.calendar.resource);
    expect(pushed[2]!.get('id_token_hint')).toBeTruthy();
    await rig.openInBrowser(consentUrl.href);
    await expect(page.getByTestId('consent')).toBeHidden();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    expect(await body()).toMatchObject({ api: 'calendar', sub: 'demo-user', aud: rig.demo.apis.calendar.resource });
    await shot(page, 'accounts-consent-granted');

    // Remove the colleague: the active account stays and still calls its API.
    await page.getByRole('button', { name: 'Sign out Sam Colleague' }).click();
    await expect(accounts).toHaveCount(0);
    await expect(page.getByTestId('add-account')).toBeFocused();
    await expect(page.getByTestId('user-name')).toHaveText('Demo User');
    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    expect(await body()).toMatchObject({ sub: 'demo-user' });
    expect(rig.core.listAccounts().map((a) => a.id)).toEqual(['demo:demo-user']);
    await shot(page, 'accounts-removed-one');

    // No token crossed into the page.
    const stored = rig.vault.loadAccounts()[0]!;
    expect(rig.ipcTraffic.join('\n')).not.toContain(stored.refreshToken!);
    expect(pageErrors).toEqual([]);
  });

  test('the provider becomes unreachable: "Signed in — offline" in plain words, back to "Signed in" by itself when it returns', async ({ page }) => {
    // The network between the app and the provider, switchable: down = what undici reports for a dead link.
    let down = false;
    let offset = 0;
    const network: FetchLike = (input: string | URL | Request, init?: RequestInit) =>
      down ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init);
    rig = await startRig(page, { autoLogin: true, core: { fetch: network, clock: () => Date.now() + offset, backoff: { baseMs: 300, maxMs: 600 } } });
    const status = page.getByTestId('status');
    const main = page.locator('main');
    await page.getByTestId('sign-in').click();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await rig.openInBrowser(rig.opened[0]!);
    await expect(status).toHaveText(SIGNED_IN);
    await expect(page.getByTestId('connectivity-notice')).toBeHidden();

    down = true;
    offset = 3600_000; // the access token has expired: the next call must refresh, and cannot
    await page.getByTestId('call-api').click();
    await expect(status).toHaveText('Signed in as Demo User — offline');
    await expect(page.getByTestId('connectivity-notice')).toBeVisible();
    await expect(page.getByTestId('connectivity-notice')).toContainText('cannot be reached. You stay signed in');
    // One message for one problem: the notice, with Retry now; no error box repeating it.
    await expect(page.getByTestId('retry-now')).toBeVisible();
    await expect(page.getByTestId('error')).toBeHidden();
    // Retry now while the network is still down: still offline, still one message, focus stays on the button.
    await page.getByTestId('retry-now').click();
    await expect(main).toHaveAttribute('aria-busy', 'false');
    await expect(status).toHaveText('Signed in as Demo User — offline');
    await expect(page.getByTestId('error')).toBeHidden();
    await expect(page.getByTestId('retry-now')).toBeFocused();
    await expect(page.getByTestId('user-name')).toHaveText('Demo User');
    await shot(page, 'signed-in-offline');

    down = false;
    // No click: the core's background retry finds the provider again and the window follows.
    await expect(status).toHaveText(SIGNED_IN, { timeout: UI_TIMEOUT });
    await expect(page.getByTestId('connectivity-notice')).toBeHidden();
    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('api-status')).toHaveText('200');
    await shot(page, 'back-online');
  });

  test('sign-out while the provider refuses revocation: the window says it could not be told, then that it was, by itself', async ({ page }) => {
    let refuse = true;
    const network: FetchLike = (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (refuse && url.endsWith('/token/revocation')) {
        return Promise.resolve(new Response(JSON.stringify({ error: 'invalid_client' }), { status: 401, headers: { 'content-type': 'application/json' } }));
      }
      return fetch(input, init);
    };
    rig = await startRig(page, { autoLogin: true, core: { fetch: network, backoff: { baseMs: 1_500, maxMs: 1_500 } } });
    const status = page.getByTestId('status');
    await page.getByTestId('sign-in').click();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await rig.openInBrowser(rig.opened[0]!);
    await expect(status).toHaveText(SIGNED_IN);

    await page.getByTestId('sign-out').click();
    await expect(status).toHaveText('Signed out');
    const notice = page.getByTestId('revocation-notice');
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('the identity provider could not be told yet');
    expect(rig.core.getSession()).toMatchObject({ status: 'signed_out', revocation: { outcome: 'failed', retrying: true } });
    expect(rig.vault.pendingRevocations()).toHaveLength(1);
    await shot(page, 'signed-out-revocation-failed');

    refuse = false;
    await expect(notice).toBeHidden({ timeout: UI_TIMEOUT });
    expect(rig.core.getSession()).toMatchObject({ status: 'signed_out', revocation: { outcome: 'revoked', retrying: false } });
    expect(rig.vault.pendingRevocations()).toEqual([]);
  });

  test('the provider refuses the refresh with a bare 400 (no JSON): signed out, the reason in plain words', async ({ page }) => {
    let refuse = false;
    let offset = 0;
    const network: FetchLike = (input: string | URL | Request, init?: RequestInit) => {
      const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
      if (refuse && body.includes('grant_type=refresh_token')) return Promise.resolve(new Response('', { status: 400 }));
      return fetch(input, init);
    };
    rig = await startRig(page, { autoLogin: true, core: { fetch: network, clock: () => Date.now() + offset } });
    await page.getByTestId('sign-in').click();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await rig.openInBrowser(rig.opened[0]!);
    await expect(page.getByTestId('status')).toHaveText(SIGNED_IN);
    refuse = true;
    offset = 3600_000;
    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('status')).toHaveText('Signed out');
    await expect(page.getByTestId('error')).toContainText('Your sign-in was ended by the provider. Sign in again.');
    expect(rig.vault.load('demo')).toBeNull();
    await shot(page, 'session-ended-by-provider');
  });

  test('sign in on another device: the code, the address and a QR code that scans to the complete URI; typed at the provider, signed in', async ({ page }) => {
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    rig = await startRig(page, { autoLogin: false });
    const status = page.getByTestId('status');
    await expect(status).toHaveText('Signed out');
    await page.getByTestId('sign-in-device').click();
    await expect(status).toHaveText('Waiting for your other device');
    const state = rig.core.getSession();
    if (state.status !== 'signing_in' || !state.device) throw new Error('no device prompt in the session state');
    const { device } = state;
    await expect(page.getByTestId('device-code')).toHaveText(device.userCode);
    await expect(page.getByTestId('device-uri')).toHaveText(device.verificationUri);
    await expect(page.getByTestId('waiting-browser')).toBeHidden();
    await expect(page.getByTestId('device-prompt')).toContainText('Never enter a code that someone sent you');
    expect(rig.opened).toEqual([]);
    await shot(page, 'device-sign-in');

    // The QR code as Chromium drew it decodes (jsQR, an independent reader) to the complete URI.
    const png = await page.getByTestId('device-qr').screenshot();
    const pixels = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      return { width: img.width, height: img.height, data: Array.from(ctx.getImageData(0, 0, img.width, img.height).data) };
    }, png.toString('base64'));
    expect(jsQR(Uint8ClampedArray.from(pixels.data), pixels.width, pixels.height)?.data).toBe(device.verificationUriComplete);

    await page.getByTestId('copy-device-code').click();
    await expect(page.getByTestId('device-prompt')).toContainText('Code copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(device.userCode);

    // The person's phone: the complete URI carries the code; confirm, sign in, allow.
    const phone = await page.context().browser()!.newContext();
    try {
      const other = await phone.newPage();
      await other.goto(device.verificationUriComplete!);
      await expect(other.locator('#confirm-code')).toHaveText(device.userCode);
      await other.click('#confirm');
      await other.fill('input[name="username"]', rig.demo.credentials.username);
      await other.fill('input[name="password"]', rig.demo.credentials.password);
      await other.click('button[type="submit"]');
      await other.click('#allow');
      await expect(other.locator('#device-done')).toBeVisible();
    } finally {
      await phone.close();
    }
    await expect(status).toHaveText(SIGNED_IN, { timeout: 20_000 });
    await expect(page.getByTestId('user-name')).toHaveText('Demo User');
    await expect(page.getByTestId('device-prompt')).toBeHidden();
    expect(rig.ipcTraffic.join('\n')).not.toMatch(/device_code/);
    expect(pageErrors).toEqual([]);
  });

  test('step-up: an API asks for a stronger sign-in → the prompt → Confirm in browser → one-time code → the API answers', async ({ page }) => {
    rig = await startRig(page, { autoLogin: true });
    const status = page.getByTestId('status');
    await page.getByTestId('sign-in').click();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await rig.openInBrowser(rig.opened[0]!);
    await expect(status).toHaveText(SIGNED_IN);

    // Another part of the app called the admin page: the account now needs the person, and the window says so.
    await expect(rig.core.request({ method: 'GET', path: '/admin' })).rejects.toMatchObject({ code: 'step_up_required' });
    await expect(page.getByTestId('step-up')).toBeVisible();
    await expect(page.getByTestId('step-up')).toContainText(/confirm it is you again/);
    await expect(page.getByTestId('account-badges')).toContainText('Needs a stronger sign-in');
    expect(rig.opened).toHaveLength(1); // nothing opened by itself
    await shot(page, 'step-up');

    await page.getByTestId('confirm-step-up').click();
    await until(() => rig!.opened.length === 2, UI_TIMEOUT, 'the step-up authorization URL');
    await rig.openInBrowser(rig.opened[1]!);
    await expect(page.getByTestId('step-up')).toBeHidden({ timeout: 20_000 });
    await expect(status).toHaveText(SIGNED_IN);
    await expect(page.getByTestId('account-badges')).not.toContainText('Needs a stronger sign-in');
    const admin = await rig.core.request({ method: 'GET', path: '/admin' });
    expect(JSON.parse(admin.body)).toMatchObject({ acr: 'urn:demo:mfa' });
  });

  test('keyboard only: every action leaves focus where the next step is, busy is said, the result announced', async ({ page }) => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    rig = await startRig(page, { autoLogin: true });
    const focused = (testid: string) => expect(page.getByTestId(testid)).toBeFocused();
    const main = page.locator('main');
    await expect(page.getByTestId('status')).toHaveText('Signed out');
    await expect(page).toHaveTitle('OIDC Desktop');

    // The first stop is the sign-in button, named after the provider.
    await page.keyboard.press('Tab');
    await focused('sign-in');
    await expect(page.getByRole('button', { name: 'Sign in with Demo provider' })).toBeFocused();
    await page.keyboard.press('Enter');
    await focused('cancel');
    // Waiting for the browser is a state, not "busy": its words stay readable.
    await expect(main).toHaveAttribute('aria-busy', 'false');
    await expect(page).toHaveTitle('Signing in… — OIDC Desktop');
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await expect(page.getByTestId('time-left')).toHaveText(/left$/);

    // Copy link, then Open the page again (a new page: the first one's answer will be refused).
    await page.keyboard.press('Shift+Tab');
    await focused('copy-link');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('copied')).toHaveText('Link copied. Paste it into your browser.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(rig.opened[0]);
    await page.keyboard.press('Shift+Tab');
    await focused('open-again');
    await page.keyboard.press('Enter');
    await until(() => rig!.opened.length === 2, UI_TIMEOUT, 'the second authorization URL');
    await focused('cancel');

    // Escape cancels: signed out, no error, focus back on Sign in.
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('status')).toHaveText('Signed out');
    await expect(page.getByTestId('error')).toBeHidden();
    await expect(page.getByTestId('info')).toContainText('Sign-in cancelled');
    await focused('sign-in');

    // Sign in for real: when the browser hands back, focus is on who is signed in.
    await page.keyboard.press('Enter');
    await until(() => rig!.opened.length === 3, UI_TIMEOUT, 'the third authorization URL');
    await rig.openInBrowser(rig.opened[2]!);
    await expect(page.getByTestId('status')).toHaveText('Signed in as Demo User');
    await focused('user-name');
    await expect(main).toHaveAttribute('aria-busy', 'false');
    await expect(page).toHaveTitle('Demo User — OIDC Desktop');

    // Tab order: Sign out, then the API buttons. Call the API: focus stays on the button, the summary is a live region.
    await page.keyboard.press('Tab');
    await focused('sign-out');
    await page.keyboard.press('Tab');
    await focused('call-api');
    // Every value aria-busy takes on the page during the call, recorded as it changes.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __busy: string[] }).__busy = seen;
      const main = document.querySelector('main')!;
      new MutationObserver(() => seen.push(main.getAttribute('aria-busy') ?? '')).observe(main, { attributes: true, attributeFilter: ['aria-busy'] });
    });
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('api-summary')).toContainText('name Demo User');
    await focused('call-api');
    const busyValues = await page.evaluate(() => (window as unknown as { __busy: string[] }).__busy);
    expect(busyValues[0]).toBe('true');
    expect(busyValues.at(-1)).toBe('false');
    await expect(page.getByTestId('api-result')).toHaveAttribute('aria-live', 'polite');
    // The raw answer is one keypress away.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await focused('api-details');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('api-body')).toBeVisible();

    // Calendar needs consent: the prompt takes focus; Not now gives it back to that API's button.
    await page.getByTestId('call-api-calendar').focus();
    await page.keyboard.press('Enter');
    await focused('grant-consent');
    await page.keyboard.press('Tab');
    await focused('dismiss-consent');
    await expect(page.getByTestId('dismiss-consent')).toHaveText('Not now');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('consent')).toBeHidden();
    await focused('call-api-calendar');

    // Sign out: focus on Sign in again.
    await page.getByTestId('sign-out').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('status')).toHaveText('Signed out');
    await focused('sign-in');
  });

  test('access denied at the provider: one message that says what happened and what to do, focus back on Sign in', async ({ page }) => {
    rig = await startRig(page, { autoLogin: true });
    rig.person.consent = 'deny';
    await page.getByTestId('sign-in').click();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await rig.openInBrowser(rig.opened[0]!);
    await expect(page.getByTestId('status')).toHaveText('Signed out');
    const error = page.getByTestId('error');
    await expect(error).toBeVisible();
    // One paragraph, no heading repeating it.
    expect(await error.evaluate((e) => e.children.length)).toBe(0);
    await expect(page.getByTestId('sign-in')).toBeFocused();
    await shot(page, 'access-denied');
  });

  test('a German system: the window in German, every state axe-clean', async ({ page }) => {
    rig = await startRig(page, { autoLogin: true, appInfo: { productName: 'Acme Desktop', version: '1.0.0', language: 'de' } });
    await expect(page.getByTestId('status')).toHaveText('Abgemeldet');
    await expect(page).toHaveTitle('Acme Desktop');
    await expect(page.getByTestId('heading')).toHaveText('Acme Desktop');
    await shot(page, 'de-signed-out');
    await page.getByTestId('sign-in').click();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await rig.openInBrowser(rig.opened[0]!);
    await expect(page.getByTestId('status')).toHaveText('Angemeldet als Demo User');
    await expect(page).toHaveTitle('Demo User — Acme Desktop');
    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('api-summary')).toContainText('antwortet');
    await shot(page, 'de-signed-in');
  });

  test('axe-core is really looking: a nameless button is found', async ({ page }) => {
    rig = await startRig(page, { autoLogin: false });
    await expect(page.getByTestId('status')).toHaveText('Signed out');
    expect(await axeFindings(page)).toEqual([]);
    await page.evaluate(() => document.querySelector('main')?.append(document.createElement('button')));
    expect((await axeFindings(page)).join('\n')).toContain('button-name');
  });

  test('a provider without a revocation endpoint: the window says the sign-in ends when it expires', async ({ page }) => {
    const noRevocation = (demo: DemoProvider): AppConfig => {
      const base = demoAppConfig(demo);
      const p = base.providers[0]!;
      return parseAppConfig({
        ...base,
        // Explicit endpoints: no metadata, so nothing advertises DPoP or PAR (the demo profile requires both).
        providers: [
          { ...p, dpop: 'off', par: 'off', endpoints: { authorization: `${demo.issuer}/auth`, token: `${demo.issuer}/token`, userinfo: `${demo.issuer}/me` } },
        ],
      });
    };
    rig = await startRig(page, { autoLogin: true, config: noRevocation });
    await page.getByTestId('sign-in').click();
    await until(() => rig!.opened.length === 1, UI_TIMEOUT, 'the authorization URL');
    await rig.openInBrowser(rig.opened[0]!);
    await expect(page.getByTestId('status')).toHaveText(SIGNED_IN);
    await page.getByTestId('sign-out').click();
    await expect(page.getByTestId('status')).toHaveText('Signed out');
    await expect(page.getByTestId('revocation-notice')).toContainText('offers no way to cancel the sign-in remotely');
    await shot(page, 'signed-out-revocation-not-offered');
  });
});

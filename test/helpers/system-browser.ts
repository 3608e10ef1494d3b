/**
 * A real Chromium playing the person's system browser in tests. `open` is a
 * UrlOpener: like `shell.openExternal` it returns once the page is opening,
 * and (with `autoLogin`) a person's steps follow in the background: fill the
 * login form, allow or deny consent. Every navigation the browser attempts to
 * one of `captureSchemes` is handed to `onRedirect`, once — as the OS would
 * hand a deep link to the app. (No `page.route()`: it hides those requests.)
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_ONE_TIME_CODE } from '../../main/demo/interactions';
import { launchChromium } from './chromium';

export interface AutoLogin {
  username: string;
  password: string;
  consent: 'allow' | 'deny';
  /** The one-time code typed when the login page asks for one (a step-up); the demo's own code by default. */
  oneTimeCode?: string;
}

export interface SystemBrowser {
  open: (url: string) => Promise<void>;
  /** Resolves when every background login started by `open` has finished (bounded). */
  settled(): Promise<void>;
  lastPage(): Page | undefined;
  /** Errors of background logins (none expected in a passing test). */
  errors: string[];
  close(): Promise<void>;
}

export async function launchSystemBrowser(opts: {
  captureSchemes: string[];
  onRedirect: (url: string) => void;
  autoLogin?: AutoLogin | false;
  /** Share one Chromium across harnesses; only a context is created and closed. */
  browser?: Browser;
}): Promise<SystemBrowser> {
  const ownBrowser = !opts.browser;
  const browser = opts.browser ?? (await launchChromium());
  const context: BrowserContext = await browser.newContext();
  const delivered = new Set<string>();
  const tasks: Promise<void>[] = [];
  const errors: string[] = [];
  let last: Page | undefined;

  const capture = (url: string) => {
    if (!opts.captureSchemes.some((s) => url.toLowerCase().startsWith(s.toLowerCase()))) return false;
    if (!delivered.has(url)) {
      delivered.add(url);
      opts.onRedirect(url);
    }
    return true;
  };

  const personSteps = async (page: Page, url: string, login: AutoLogin) => {
    let redirected = false;
    page.on('request', (req) => {
      if (opts.captureSchemes.some((s) => req.url().toLowerCase().startsWith(s.toLowerCase()))) redirected = true;
    });
    // Read through a call: the listener above sets `redirected` while this function awaits,
    // which TypeScript's narrowing of the local variable does not see.
    const isRedirected = () => redirected;
    await page.goto(url, { timeout: 15_000 }).catch((err: unknown) => {
      // A navigation straight to the custom scheme aborts `goto`; that is the expected end.
      if (!redirected) throw err;
    });
    // Done once the browser has left the provider for good: a loopback redirect lands on
    // the app's own server, where there is nothing more for the person to do.
    const providerOrigin = new URL(url).origin;
    const leftProvider = () => {
      const current = page.url();
      return current.startsWith('http') && new URL(current).origin !== providerOrigin;
    };
    const deadline = Date.now() + 15_000;
    for (let step = 0; step < 6 && !isRedirected();) {
      if (page.isClosed() || leftProvider() || Date.now() > deadline) break;
      const next = page.locator('input[name="username"], #allow, #deny').first();
      const found = await next.waitFor({ state: 'visible', timeout: 250 }).then(
        () => true,
        () => false,
      );
      if (isRedirected() || page.isClosed()) break;
      if (!found) continue;
      step += 1;
      if (await page.locator('input[name="username"]').isVisible()) {
        await page.fill('input[name="username"]', login.username);
        await page.fill('input[name="password"]', login.password);
        if (await page.locator('input[name="otp"]').isVisible()) await page.fill('input[name="otp"]', login.oneTimeCode ?? DEMO_ONE_TIME_CODE);
        await Promise.all([page.waitForLoadState('domcontentloaded').catch(() => {}), page.click('button[type="submit"]')]);
      } else {
        await page.click(login.consent === 'allow' ? '#allow' : '#deny').catch(() => {});
      }
      await page.waitForTimeout(50);
    }
  };

  return {
    errors,
    open: async (url: string) => {
      const page = await context.newPage();
      last = page;
      page.on('request', (req) => void capture(req.url()));
      if (opts.autoLogin) {
        tasks.push(personSteps(page, url, opts.autoLogin).catch((err: unknown) => void errors.push(err instanceof Error ? err.message : String(err))));
      } else {
        tasks.push(
          page.goto(url, { timeout: 15_000 }).then(
            () => undefined,
            () => undefined,
          ),
        );
      }
    },
    settled: async () => {
      await Promise.race([Promise.allSettled(tasks), new Promise((r) => setTimeout(r, 20_000))]);
    },
    lastPage: () => last,
    close: async () => {
      await Promise.race([Promise.allSettled(tasks), new Promise((r) => setTimeout(r, 2_000))]);
      const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
      await bounded(context.close());
      if (ownBrowser) await bounded(browser.close());
    },
  };
}

/**
 * `npm run preview`: the app's real window in a browser, without Electron —
 * the built renderer, the real IPC handlers, auth core and demo provider
 * (test/helpers/main-side.ts, as the renderer e2e uses them), with
 * `window.auth` over HTTP (scripts/preview/http-bridge.ts). For designers,
 * reviewers, and any machine where the Electron binary cannot be downloaded.
 *
 * Sign-in pages open in a Chromium that plays the system browser (it
 * receives the app's `com.example.desktop:` redirect, as the OS would). By
 * default it is headless and signs in as the demo user by itself; with
 * `--headed` it shows the provider's pages and you type the demo credentials.
 *
 *   npm run preview [-- --headed] [-- --port 5180] [-- --lang de]
 */
import path from 'node:path';
import { chromium } from 'playwright-core';
import { languageFor } from '../main/i18n/strings';
import { forwardSessionChanges } from '../main/ipc/renderer-window';
import { CHROMIUM_ARGS, CHROMIUM_MISSING, CHROMIUM_PATH } from '../test/helpers/chromium';
import { startMainSide } from '../test/helpers/main-side';
import { serveStatic } from '../test/helpers/static-server';
import { createHttpBridge, previewIndex } from './preview/http-bridge';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function preview(): Promise<void> {
  if (CHROMIUM_MISSING) {
    process.stderr.write(`npm run preview needs Chromium to play the system browser: ${CHROMIUM_MISSING}\n`);
    process.exitCode = 1;
    return;
  }
  const headed = process.argv.includes('--headed');
  const rendererDir = path.resolve(import.meta.dirname, '..', 'dist', 'renderer');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: !headed,
    args: headed ? CHROMIUM_ARGS.filter((a) => a !== '--headless') : CHROMIUM_ARGS,
  });
  let origin = '';
  const side = await startMainSide({
    trustedOrigin: () => origin,
    autoLogin: !headed,
    openAtOnce: true,
    browser,
    appInfo: { productName: 'OIDC Desktop', version: 'preview', language: languageFor(option('lang') ?? Intl.DateTimeFormat().resolvedOptions().locale) },
    // As the app: five minutes to finish signing in.
    core: { signInTimeoutMs: 5 * 60_000 },
  });
  const bridge = createHttpBridge((channel, payload, event) => side.ipc.invoke(channel, payload, event));
  const port = option('port');
  const server = await serveStatic(rendererDir, { extra: bridge.handle, rewriteIndex: previewIndex, ...(port ? { port: Number(port) } : {}) });
  origin = server.origin;
  const stopPush = forwardSessionChanges(side.core, () => bridge.window);

  const stop = async () => {
    stopPush();
    await server.close();
    await side.close();
    await browser.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  process.stdout.write(
    [
      `Preview: ${server.origin}/`,
      `  Open it in any browser. The demo provider runs at ${side.demo.issuer}.`,
      headed
        ? `  Sign-in pages open in a Chromium window: sign in as ${side.demo.credentials.username} / ${side.demo.credentials.password}.`
        : `  Sign-in pages open in a hidden Chromium that signs in as the demo user (--headed to see them).`,
      '  Ctrl+C stops it.',
      '',
    ].join('\n'),
  );
}

void preview();

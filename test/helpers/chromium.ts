/**
 * The Chromium that plays the person's system browser (and renders the UI
 * in the e2e spec), defined once: `CHROMIUM_PATH`, else Debian's package,
 * else the browser `npx playwright install chromium` downloaded (what the
 * hosted macOS, Windows and Ubuntu runners have).
 * No test-runner import here: vitest files and Playwright specs both use it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Where Playwright keeps its own Chromium build, whether or not it was downloaded. */
function playwrightChromium(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}

function findChromium(): string {
  // An empty `CHROMIUM_PATH` counts as unset.
  const explicit = process.env.CHROMIUM_PATH?.trim();
  if (explicit) return explicit;
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  const downloaded = playwrightChromium();
  return downloaded && existsSync(downloaded) ? downloaded : DEBIAN_CHROMIUM;
}

export const CHROMIUM_PATH = findChromium();

/** Why the Chromium suites cannot run here, or null when they can. */
export const CHROMIUM_MISSING: string | null = existsSync(CHROMIUM_PATH)
  ? null
  : `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium) or Playwright's (npx playwright install chromium), or set CHROMIUM_PATH`;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

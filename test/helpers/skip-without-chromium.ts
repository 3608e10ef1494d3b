/**
 * Skips every test of the calling vitest file, with the reason, where there
 * is no Chromium. The file's `beforeAll` should return early on
 * `CHROMIUM_MISSING` so nothing tries to launch it.
 */
import { beforeEach } from 'vitest';
import { CHROMIUM_MISSING } from './chromium';

export function skipWithoutChromium(): void {
  // vitest keeps no skip note in its reports: say it where the run's output is read.
  if (CHROMIUM_MISSING) console.warn(`skipped: ${CHROMIUM_MISSING}`);
  beforeEach((ctx) => {
    if (CHROMIUM_MISSING) ctx.skip(CHROMIUM_MISSING);
  });
}

/**
 * Skips every test of the calling vitest file, with the reason, when a real
 * counterpart the file needs is missing on this machine (Chromium, tinyproxy).
 * The file's `beforeAll` should return early on the same reason so nothing
 * tries to start it.
 */
import { beforeEach } from 'vitest';

export function skipWhen(reason: string | null): void {
  // vitest keeps no skip note in its reports: say it where the run's output is read.
  if (reason) console.warn(`skipped: ${reason}`);
  beforeEach((ctx) => {
    if (reason) ctx.skip(reason);
  });
}

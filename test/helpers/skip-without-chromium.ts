/** Skips every test of the calling vitest file, with the reason, where there is no Chromium. */
import { CHROMIUM_MISSING } from './chromium';
import { skipWhen } from './skip-when';

export function skipWithoutChromium(): void {
  skipWhen(CHROMIUM_MISSING);
}

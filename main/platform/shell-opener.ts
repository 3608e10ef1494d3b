/**
 * `UrlOpener` for the system browser (RFC 8252 §8.12: never an embedded
 * window). Only `https:` URLs, and `http:` on the loopback interface (a local
 * test provider), reach `shell.openExternal`: a `file:`, `smb:` or custom
 * scheme URL could start a program instead of a browser. At most a few
 * openings a minute (DEFAULT_OPENING_LIMIT), whoever asks.
 */
import { shell } from 'electron';
import { isHttpsOrLoopbackUrl } from '../auth/config';
import { AuthError } from '../auth/errors';
import { rateLimitedOpener, type OpeningLimit } from '../auth/opening-limit';
import type { UrlOpener } from '../auth/types';

/** Returns the normalized URL when it may be opened; throws `invalid_request` otherwise. */
export function assertBrowserUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AuthError('invalid_request', 'The address to open in the browser is not a valid URL.');
  }
  if (!isHttpsOrLoopbackUrl(parsed) || parsed.username || parsed.password) {
    throw new AuthError('invalid_request', 'Only https:// addresses (or http:// on this computer) are opened in the browser.');
  }
  return parsed.href;
}

/**
 * The app's one opener: vetted URLs only, and rate-limited (opening-limit.ts)
 * across every caller — sign-in, consent, the provider's sign-out page.
 */
export function createShellOpener(openExternal: (url: string) => Promise<void> = (url) => shell.openExternal(url), limit?: OpeningLimit): UrlOpener {
  const limited = rateLimitedOpener(openExternal, limit);
  return async (url) => {
    await limited(assertBrowserUrl(url));
  };
}

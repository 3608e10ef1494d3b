/**
 * A rate limit on opening the system browser. Every opening — a sign-in, a
 * consent, the provider's sign-out page — goes through one limited opener, so
 * a compromised renderer calling `signIn` or `requestConsent` in a loop cannot
 * open a hundred tabs (an exfiltration channel around the window's
 * `connect-src 'none'`: each URL it gets opened is a request it chose).
 * A person clicking "Sign in" a few times stays well inside the limit.
 */
import { AuthError } from './errors';
import type { Clock, UrlOpener } from './types';

export interface OpeningLimit {
  /** Openings allowed within any `windowMs`. */
  max: number;
  windowMs: number;
}

export const DEFAULT_OPENING_LIMIT: OpeningLimit = { max: 5, windowMs: 60_000 };

/** `open`, refusing (`invalid_request`, nothing opened) past `limit.max` openings in a sliding window. */
export function rateLimitedOpener(open: UrlOpener, limit: OpeningLimit = DEFAULT_OPENING_LIMIT, clock: Clock = Date.now): UrlOpener {
  const recent: number[] = [];
  return async (url) => {
    const now = clock();
    while (recent.length > 0 && (recent[0] ?? now) <= now - limit.windowMs) recent.shift();
    if (recent.length >= limit.max) {
      throw new AuthError('invalid_request', 'The browser was asked to open too many times in a short while. Wait a minute, then try again.');
    }
    recent.push(now);
    await open(url);
  };
}

/**
 * Picks the deep link out of a command line (Windows/Linux `second-instance`
 * argv and a cold start's `process.argv`).
 *
 * Strict in the way GitHub Desktop is: anybody can start the app with any
 * arguments (a web page can open `com.example.desktop:...` links, and on
 * Windows the OS pastes the URL into a command line next to whatever else is
 * there), so the link is accepted only when it is unambiguous:
 *
 * - exactly one argument starts with `<scheme>:` (scheme compared
 *   case-insensitively, as URL schemes are);
 * - no other argument mentions `<scheme>:` at all (e.g. `--x=<scheme>:...`);
 * - it is shorter than 8 KB, has no whitespace or control characters, and
 *   parses as a URL with exactly that scheme.
 *
 * Other arguments (Chromium switches such as `--allow-file-access-from-files`)
 * are ignored: only the URL string is returned, and the caller hands it to
 * the auth core's `handleRedirect`, which checks it again against the pending
 * sign-ins.
 *
 * Electron-free.
 */

/** Longer than any real callback; anything bigger is refused before parsing. */
export const MAX_DEEP_LINK_BYTES = 8 * 1024;

// eslint-disable-next-line no-control-regex -- control characters in a deep link are exactly what is rejected here
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;

export function extractDeepLink(argv: readonly string[], scheme: string): string | null {
  const prefix = `${scheme.toLowerCase()}:`;
  const candidates: string[] = [];
  for (const arg of argv) {
    if (typeof arg !== 'string') return null;
    const lower = arg.toLowerCase();
    if (lower.startsWith(prefix)) candidates.push(arg);
    else if (lower.includes(prefix)) return null; // our scheme smuggled inside another argument
  }
  const link = candidates.length === 1 ? candidates[0] : undefined;
  if (link === undefined) return null;
  if (Buffer.byteLength(link, 'utf8') >= MAX_DEEP_LINK_BYTES) return null;
  if (WHITESPACE_OR_CONTROL.test(link)) return null;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== prefix) return null;
  return link;
}

/**
 * Holds deep links that arrive before the auth core exists (a cold start by
 * the link, macOS `open-url` before `ready`) and hands them over, in order,
 * once a handler is attached. Bounded: a flood of links at start-up cannot
 * grow memory; only the latest few are kept (a callback is only useful for
 * the newest sign-in anyway).
 */
export class DeepLinkInbox {
  readonly #max: number;
  #queue: string[] = [];
  #handler: ((url: string) => void) | null = null;

  constructor(maxQueued = 8) {
    this.#max = maxQueued;
  }

  deliver(url: string | null): void {
    if (url === null) return;
    if (this.#handler) {
      this.#handler(url);
      return;
    }
    this.#queue.push(url);
    if (this.#queue.length > this.#max) this.#queue.shift();
  }

  /** Attaches the handler and flushes what was queued. */
  attach(handler: (url: string) => void): void {
    this.#handler = handler;
    const queued = this.#queue;
    this.#queue = [];
    for (const url of queued) handler(url);
  }

  get queued(): number {
    return this.#queue.length;
  }
}

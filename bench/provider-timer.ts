/**
 * The `fetch` handed to the core in the benchmark. Requests to the demo API
 * go straight to the global `fetch` (that path is what is measured). Requests
 * to the provider (discovery, token, userinfo) are timed until their body has
 * arrived, so the provider's own time can be subtracted from a measurement
 * that contains it: what is left is the auth layer's work.
 */
import type { FetchLike } from '../main/auth/types';

export interface ProviderTimer {
  fetch: FetchLike;
  /** Milliseconds spent waiting for the provider since the last `reset()`. */
  readonly spentMs: number;
  /** The same, for the token endpoint alone. */
  readonly tokenMs: number;
  reset(): void;
  /** Records the next API request's Authorization header (the floor sends the same one). */
  captureAuthorization(): Promise<string>;
}

export function providerTimer(demo: { issuer: string; apiBaseUrl: string; fastApiBaseUrl?: string }): ProviderTimer {
  let spent = 0;
  let token = 0;
  let capture: ((header: string) => void) | null = null;
  const tokenUrl = `${demo.issuer}/token`;
  const f: FetchLike = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(demo.apiBaseUrl) || (demo.fastApiBaseUrl !== undefined && url.startsWith(demo.fastApiBaseUrl))) {
      if (capture) {
        capture(new Headers(init?.headers).get('authorization') ?? '');
        capture = null;
      }
      return fetch(input, init);
    }
    const t0 = performance.now();
    const res = await fetch(input, init);
    const body = await res.arrayBuffer();
    const dt = performance.now() - t0;
    spent += dt;
    if (url === tokenUrl) token += dt;
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return {
    fetch: f,
    get spentMs() {
      return spent;
    },
    get tokenMs() {
      return token;
    },
    reset() {
      spent = 0;
      token = 0;
    },
    captureAuthorization() {
      return new Promise((resolve) => {
        capture = resolve;
      });
    },
  };
}

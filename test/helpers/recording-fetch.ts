/** A fetch that records what the core sends (method, URL, Authorization, form or JSON body) before sending it for real. */
import type { FetchLike } from '../../main/auth/types';

export interface Sent {
  method: string;
  url: string;
  authorization: string | null;
  body: string;
}

export function recordingFetch(into: Sent[]): FetchLike {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
    into.push({ method: init?.method ?? 'GET', url, authorization: new Headers(init?.headers).get('authorization'), body });
    return fetch(input, init);
  };
}

/**
 * A fetch for small documents a server publishes about itself (protected
 * resource metadata, a client registration answer): the whole answer is read
 * within a deadline and a byte limit before anything parses it, so a slow or
 * endless server costs at most `timeoutMs` and `maxBytes`.
 *
 * The bytes counted are the ones the body stream yields (after any
 * content-encoding), not the `Content-Length` header, which a server may omit
 * or lie about: the reading is main/api/bounded-body.ts's counting reader,
 * the one every body the app reads goes through.
 */
import { readBoundedBody } from '../api/bounded-body';
import { AuthError, transportFailure } from './errors';
import type { FetchLike } from './types';

export interface BoundedFetchLimits {
  /** Whole request, answer body included. */
  timeoutMs: number;
  maxBytes: number;
  /** What is being fetched, in the person's words: "the API's protected-resource metadata". */
  what: string;
}

/** Statuses whose Response may not carry a body (the Fetch standard's null body statuses). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Wraps `fetch`: every answer comes back already read, as a new Response with
 * the same status and headers. Over the limit → `invalid_response`; over the
 * deadline → `network_error`, both naming `what`.
 */
export function boundedFetch(fetch: FetchLike, limits: BoundedFetchLimits): FetchLike {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(limits.timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      const response = await fetch(input, { ...init, signal });
      const body = await readLimited(response, limits);
      return new Response(NULL_BODY.has(response.status) ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } catch (err) {
      // First: a body cut off by the deadline is a timeout, whatever the reader made of it.
      if (deadline.aborted && !(err instanceof AuthError && err.code === 'invalid_response')) {
        throw new AuthError('network_error', `The server did not send ${limits.what} within ${Math.round(limits.timeoutMs / 100) / 10} s.`, { cause: err });
      }
      if (err instanceof AuthError) throw err;
      throw transportFailure(err) ?? new AuthError('network_error', `Could not fetch ${limits.what}.`, { cause: err });
    }
  };
}

function readLimited(response: Response, limits: BoundedFetchLimits): Promise<Uint8Array<ArrayBuffer>> {
  return readBoundedBody(
    response,
    limits.maxBytes,
    () => new AuthError('invalid_response', `The server sent ${limits.what} larger than ${Math.floor(limits.maxBytes / 1024)} KiB; it was not read.`),
  );
}

/**
 * Reads response bodies with a limit on the bytes that come OUT of the
 * decoder, not the bytes on the wire. `fetch` undoes `Content-Encoding`
 * (gzip, deflate, brotli, zstd) before the body stream yields anything, so
 * `Content-Length` is the compressed size: 211 bytes of brotli inflate to
 * 128 MiB. A declared length is used only to refuse early; the count of
 * decoded bytes is what stops the read.
 *
 * Every body the app reads goes through here: API responses for the renderer
 * (`main/api/api-client.ts`), the drain before a retry, and every provider
 * response openid-client reads (wrapped at its `customFetch` seam by
 * `bodyLimitedFetch`) or the core reads itself (plain userinfo).
 */
import { AuthError } from '../auth/errors';
import type { FetchLike } from '../auth/types';

/**
 * Provider answers (discovery, JWKS, token, userinfo, PAR, revocation) are a
 * few KB; 1 MiB leaves room for a large JWKS or a chatty userinfo.
 */
export const MAX_PROVIDER_RESPONSE_BYTES = 1024 * 1024;

function ignoreFailure(): void {
  // Cancelling a body only frees the connection; nothing to recover if it fails.
}

/** Statuses whose Response may not carry a body (Fetch standard, "null body status"). */
function isNullBodyStatus(status: number): boolean {
  return status === 101 || status === 103 || status === 204 || status === 205 || status === 304;
}

/**
 * The whole body, at most `maxBytes` of it after decoding. Throws `tooLarge()`
 * (after cancelling the stream, which closes the connection) as soon as the
 * count passes the limit, so at most one chunk more than the limit is held.
 */
export async function readBoundedBody(response: Response, maxBytes: number, tooLarge: () => AuthError): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  // Early refusal only: a declared length is the encoded size, never trusted as the decoded one.
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(ignoreFailure);
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(ignoreFailure);
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw new AuthError('network_error', undefined, { cause: err });
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** One decoder for every body: decoding whole buffers (no `stream` option) keeps no state between calls. */
let utf8: TextDecoder | undefined;

/** `readBoundedBody` as UTF-8 text (what `response.text()` would give, bounded). */
export async function readBoundedText(response: Response, maxBytes: number, tooLarge: () => AuthError): Promise<string> {
  const bytes = await readBoundedBody(response, maxBytes, tooLarge);
  return (utf8 ??= new TextDecoder()).decode(bytes);
}

/**
 * Reads a small body to its end so the connection goes back to the keep-alive
 * pool (cancelling may close the socket); stops and cancels at `maxBytes`
 * decoded bytes, whatever the declared length said. Never throws: the answer
 * already in hand is what the caller acts on.
 */
export async function drainBounded(response: Response, maxBytes: number): Promise<void> {
  try {
    await readBoundedBody(response, maxBytes, () => new AuthError('invalid_response'));
  } catch {
    // Too large or broken: readBoundedBody has cancelled it already.
  }
}

function providerTooLarge(): AuthError {
  return new AuthError('invalid_response', 'The identity provider sent a response too large to be genuine.');
}

/**
 * Wraps `base` so every response openid-client (or the core) reads from the
 * provider has been read here first, bounded, and handed on as a buffered
 * Response. openid-client reads bodies with `response.json()`/`text()`, which
 * have no limit; its `customFetch` seam is the one place to put one.
 */
export function bodyLimitedFetch(base: FetchLike, maxBytes: number = MAX_PROVIDER_RESPONSE_BYTES): FetchLike {
  const wrapped = async (input: Parameters<FetchLike>[0], init?: Parameters<FetchLike>[1]): Promise<Response> => {
    const response = await base(input, init);
    if (isNullBodyStatus(response.status) || !response.body) return response;
    const body = await readBoundedBody(response, maxBytes, providerTooLarge);
    const headers = new Headers(response.headers);
    // The body below is the decoded one: these described the encoded bytes on the wire.
    headers.delete('content-encoding');
    headers.delete('content-length');
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
  return wrapped;
}

/**
 * protocol-errors.ts maps a provider's non-conforming answer by its HTTP
 * status — also when the Response comes from another realm: the app fetches
 * through Electron's `net`, a plain-Node host may inject undici from npm.
 */
import { ClientError } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { isResponseLike, toAuthError } from '../../main/auth/protocol-errors';

/** A Response as another fetch implementation makes it: same shape, not this realm's class. */
function foreignResponse(status: number): unknown {
  return { status, headers: new Headers({ 'content-type': 'text/html' }), ok: status < 400 };
}

describe('toAuthError on a non-conforming provider answer', () => {
  it.each([
    [503, 'server_error'],
    [500, 'server_error'],
    [404, 'invalid_config'],
    [405, 'invalid_config'],
    [418, 'invalid_response'],
  ])('HTTP %i from another realm → %s', (status, code) => {
    const err = new ClientError('unexpected response', { cause: foreignResponse(status) });
    expect(toAuthError(err, 'Sign-in').code).toBe(code);
  });

  it('the same with this realm’s Response', () => {
    expect(toAuthError(new ClientError('x', { cause: new Response('', { status: 502 }) }), 'Sign-in').code).toBe('server_error');
  });

  it.each([null, undefined, 'x', 42, {}, { status: '500', headers: new Headers() }, { status: 500, headers: {} }])('%j is not a response', (value) => {
    expect(isResponseLike(value)).toBe(false);
  });
});

/**
 * protocol-errors.ts maps a provider's non-conforming answer by its HTTP
 * status — also when the Response comes from another realm: the app fetches
 * through Electron's `net`, a plain-Node host may inject undici from npm.
 */
import { ClientError, ResponseBodyError } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { authorizationResponseError, isResponseLike, toAuthError } from '../../main/auth/protocol-errors';

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

describe('invalid_scope: one message, at the authorization response and at the token endpoint, naming the refused scope', () => {
  const ASKED = ['openid', 'profile', 'email'];
  const advice = 'Check the client ID, redirect URI and scopes.';

  it('the authorization response names the scope the provider sent back', () => {
    const err = authorizationResponseError(new URLSearchParams({ error: 'invalid_scope', scope: 'email' }), ASKED);
    expect(err).toMatchObject({
      code: 'invalid_config',
      message: `Sign-in: the provider rejected this app's request: it refused the scope "email". ${advice}`,
    });
  });

  it('without a scope in the response, the scopes that were asked for', () => {
    const err = authorizationResponseError(new URLSearchParams({ error: 'invalid_scope', error_description: 'nope' }), ASKED);
    expect(err.message).toBe(`Sign-in: the provider rejected this app's request: it refused one of the scopes asked for ("openid profile email"). ${advice}`);
  });

  it.each(['<script>alert(1)</script> x"y', 'a\nb', 'x'.repeat(201), 'a  b'])('a provider "scope" that is no scope list (%j) is not quoted', (scope) => {
    const err = authorizationResponseError(new URLSearchParams({ error: 'invalid_scope', scope }), []);
    expect(err.message).toBe(`Sign-in: the provider rejected this app's request: it refused a scope asked for. ${advice}`);
  });

  it("the token endpoint's invalid_scope body with a scope gets the same wording", () => {
    const body = { error: 'invalid_scope', error_description: 'requested scope is not allowed', scope: 'email' };
    const err = new ResponseBodyError('x', { cause: body, response: new Response(JSON.stringify(body), { status: 400 }) });
    expect(toAuthError(err, 'Sign-in')).toMatchObject({
      code: 'invalid_config',
      message: `Sign-in: the provider rejected this app's request: it refused the scope "email". ${advice}`,
    });
  });

  it('other authorization errors keep their codes; invalid_config ones get the token endpoint wording', () => {
    expect(authorizationResponseError(new URLSearchParams({ error: 'access_denied' }), ASKED).code).toBe('access_denied');
    expect(authorizationResponseError(new URLSearchParams({ error: 'unauthorized_client' }), ASKED).message).toBe(
      `Sign-in: the provider rejected this app's request. ${advice}`,
    );
  });
});

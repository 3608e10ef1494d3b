import { describe, expect, it } from 'vitest';
import { fillAuthorizeParam, parseAppConfig, redirectUriFor } from '../../main/auth/config';

const good = {
  scheme: 'com.example.desktop',
  providers: [
    { id: 'demo', displayName: 'Demo', issuer: 'http://127.0.0.1:3000', clientId: 'c', scopes: ['openid'], apiBaseUrls: ['http://127.0.0.1:3000/api'] },
  ],
};

function withProvider(patch: Record<string, unknown>) {
  return { ...good, providers: [{ ...good.providers[0], ...patch }] };
}

describe('parseAppConfig', () => {
  it('accepts a valid config and derives the redirect URI', () => {
    const c = parseAppConfig(good);
    expect(redirectUriFor(c, c.providers[0]!)).toBe('com.example.desktop:/callback');
  });

  it.each([
    ['a scheme without a dot', { ...good, scheme: 'myapp' }, 'scheme'],
    ['a remote http issuer', withProvider({ issuer: 'http://idp.example.com' }), 'providers.0.issuer'],
    ['a non-URL issuer', withProvider({ issuer: 'idp' }), 'providers.0.issuer'],
    ['a remote http API base', withProvider({ apiBaseUrls: ['http://api.example.com'] }), 'providers.0.apiBaseUrls.0'],
    ['no API base', withProvider({ apiBaseUrls: [] }), 'providers.0.apiBaseUrls'],
    ['a missing clientId', withProvider({ clientId: '' }), 'providers.0.clientId'],
    ['a scope with a space', withProvider({ scopes: ['openid profile'] }), 'providers.0.scopes.0'],
    ['an unknown key', withProvider({ clientSecret: 'x' }), 'providers.0'],
    ['no providers', { ...good, providers: [] }, 'providers'],
    ['duplicate ids', { ...good, providers: [good.providers[0], good.providers[0]] }, 'providers.1.id'],
    // A provider that does not echo state, on a shared private-use redirect and without PKCE: nothing binds its callback.
    ['no state echo, no loopback, no PKCE', withProvider({ callback: { stateEchoed: false }, pkce: false }), 'providers.0.callback.stateEchoed'],
    [
      'an unknown authorizeParams placeholder',
      withProvider({ authorizeParams: { cancel_url: '{{redirect_uri}}?s={{nonce}}' } }),
      'providers.0.authorizeParams.cancel_url',
    ],
    ['an unknown body placeholder', withProvider({ tokenRequest: { bodyTemplate: { code: '{{auth_code}}' } } }), 'providers.0.tokenRequest.bodyTemplate.code'],
    ['an unknown placeholder type', withProvider({ tokenRequest: { bodyTemplate: { id: '{{client_id|int}}' } } }), 'providers.0.tokenRequest.bodyTemplate.id'],
    [
      'a typed placeholder inside a string',
      withProvider({ tokenRequest: { bodyTemplate: { id: 'x{{client_id|number}}' } } }),
      'providers.0.tokenRequest.bodyTemplate.id',
    ],
    [
      '{{client_id|number}} with a non-numeric clientId',
      withProvider({ tokenRequest: { bodyTemplate: { client_id: '{{client_id|number}}' } } }),
      'providers.0.tokenRequest.bodyTemplate.client_id',
    ],
    ['the code read from a protocol parameter', withProvider({ callback: { codeParam: 'state' } }), 'providers.0.callback.codeParam'],
    ['the person read from a protocol parameter', withProvider({ callback: { identity: { sub: 'iss' } } }), 'providers.0.callback.identity.sub'],
    ['a callback parameter name with odd characters', withProvider({ callback: { codeParam: 'co de' } }), 'providers.0.callback.codeParam'],
    [
      'DPoP required with a separate refresh URL (the proof would name the token endpoint)',
      withProvider({
        issuer: undefined,
        endpoints: { authorization: 'https://idp.example.com/auth', token: 'https://idp.example.com/token', refresh: 'https://idp.example.com/refresh' },
        dpop: 'required',
      }),
      'providers.0.dpop',
    ],
  ])('rejects %s with invalid_config naming the field', (_label, value, field) => {
    try {
      parseAppConfig(value);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'invalid_config' });
      expect((err as Error).message).toContain(field);
    }
  });

  it.each([
    ['no state echo with a loopback redirect (its listener binds the callback)', { callback: { stateEchoed: false }, pkce: false, redirect: 'loopback' }],
    ['no state echo on the private-use redirect with PKCE (the verifier binds the code)', { callback: { stateEchoed: false } }],
    [
      'typed and plain body placeholders',
      { clientId: '4711', tokenRequest: { bodyTemplate: { client_id: '{{client_id|number}}', code: '{{code}}', u: 'x={{redirect_uri}}' } } },
    ],
  ])('accepts %s', (_label, patch) => {
    expect(() => parseAppConfig(withProvider(patch))).not.toThrow();
  });
});

describe('fillAuthorizeParam', () => {
  it.each([
    [
      '{{redirect_uri}}?state={{state}}&error=access_denied',
      'com.example.desktop:/callback',
      'a/b+c=',
      'com.example.desktop:/callback?state=a%2Fb%2Bc%3D&error=access_denied',
    ],
    [
      '{{redirect_uri}}?state={{state}}&error=access_denied',
      'http://127.0.0.1:5555/callback',
      'xyz',
      'http://127.0.0.1:5555/callback?state=xyz&error=access_denied',
    ],
    ['authorization', 'x:/cb', 's', 'authorization'],
  ])('%s (redirect %s, state %s) → %s', (value, redirectUri, state, expected) => {
    expect(fillAuthorizeParam(value, { redirect_uri: redirectUri, state })).toBe(expected);
    // The filled value comes back as a parsable URL with the state intact.
    if (expected.includes('state=')) expect(new URL(expected).searchParams.get('state')).toBe(state);
  });
});

import { describe, expect, it } from 'vitest';
import { parseAppConfig, redirectUriFor } from '../../main/auth/config';

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
  ])('rejects %s with invalid_config naming the field', (_label, value, field) => {
    try {
      parseAppConfig(value);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'invalid_config' });
      expect((err as Error).message).toContain(field);
    }
  });
});

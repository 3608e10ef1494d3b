import { describe, expect, it } from 'vitest';
import { isWithinAnyBase, resolveApiUrl } from '../../main/api/resolve-url';

const BASES = ['https://api.example.com/v1', 'http://127.0.0.1:4000/api/'];

describe('resolveApiUrl', () => {
  it.each([
    ['/me', 0, 'https://api.example.com/v1/me'],
    ['/users/42/items', 0, 'https://api.example.com/v1/users/42/items'],
    ['/me', 1, 'http://127.0.0.1:4000/api/me'],
    ['/a%20b', 0, 'https://api.example.com/v1/a%20b'],
  ])('resolves %s against base %i', (path, api, expected) => {
    expect(resolveApiUrl(BASES, path, undefined, api).href).toBe(expected);
  });

  it('keeps an @ in the path inside the base (no userinfo can be formed)', () => {
    expect(resolveApiUrl(BASES, '/@evil.example').href).toBe('https://api.example.com/v1/@evil.example');
  });

  it('appends query parameters encoded', () => {
    expect(resolveApiUrl(BASES, '/search', { q: 'a&b=c', n: '1' }).href).toBe('https://api.example.com/v1/search?q=a%26b%3Dc&n=1');
  });

  it.each([
    ['absolute URL', 'https://evil.example/x'],
    ['protocol-relative', '//evil.example/x'],
    ['no leading slash', 'me'],
    ['dot-dot escape', '/../admin'],
    ['encoded dot-dot', '/%2e%2e/admin'],
    ['double-encoded dot-dot', '/%252e%252e/admin'],
    // The URL parser strips the trailing space: checked only as given, this went out as /v1/%252e%252e.
    ['double-encoded dot-dot with a trailing space (fuzz finding)', '/%252e%252e '],
    ['dot-dot inside the base', '/x/../me'],
    ['dot-dot with a path parameter (servlet containers strip it)', '/..;/admin'],
    ['encoded dot-dot with a path parameter', '/%2e%2e;jsessionid=1/admin'],
    ['dot-dot before a trailing space', '/x/.. '],
    ['encoded slash smuggling', '/a%2f..%2f..%2fadmin'],
    ['backslash', '/\\evil.example'],
    ['embedded query', '/me?x=1'],
    ['fragment', '/me#x'],
    ['control char', '/me\n'],
    ['broken escape', '/%E0%A4%A'],
  ])('refuses %s', (_label, path) => {
    expect(() => resolveApiUrl(BASES, path)).toThrowError(expect.objectContaining({ code: 'host_not_allowed' }));
  });

  it('refuses an unknown API index', () => {
    expect(() => resolveApiUrl(BASES, '/me', undefined, 5)).toThrowError(expect.objectContaining({ code: 'host_not_allowed' }));
  });
});

describe('isWithinAnyBase', () => {
  it.each([
    ['https://api.example.com/v1/x', true],
    ['https://api.example.com/v1', true],
    ['https://api.example.com/v10/x', false],
    ['https://api.example.com/x', false],
    ['http://api.example.com/v1/x', false],
    ['https://api.example.com.evil.com/v1/x', false],
    ['https://user@api.example.com/v1/x', false],
    ['https://evil.example/v1/x', false],
  ])('%s → %s', (url, expected) => {
    expect(isWithinAnyBase(new URL(url), BASES)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { isAllowedRedirect, isWithinAnyBase, resolveApiUrl } from '../../main/api/resolve-url';

const BASES = ['https://api.example.com/v1', 'http://127.0.0.1:4000/api/'];

describe('resolveApiUrl', () => {
  it.each([
    ['/me', 0, 'https://api.example.com/v1/me'],
    ['/users/42/items', 0, 'https://api.example.com/v1/users/42/items'],
    ['/me', 1, 'http://127.0.0.1:4000/api/me'],
    ['/a%20b', 0, 'https://api.example.com/v1/a%20b'],
    // Finding 7's rule refuses look-alike dots, not ordinary names with dots, spaces or non-ASCII letters.
    ['/v1.2/a..b', 0, 'https://api.example.com/v1/v1.2/a..b'],
    ['/.well-known/x', 0, 'https://api.example.com/v1/.well-known/x'],
    ['/caf%C3%A9/Jos\u00e9', 0, 'https://api.example.com/v1/caf%C3%A9/Jos%C3%A9'],
    ['/%252541', 0, 'https://api.example.com/v1/%252541'],
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
    // Finding 7 (look-alike dot segments): each passed before.
    ['dot-dot then an encoded NUL', '/..%00/admin'],
    ['dot-dot then an encoded space', '/..%20/admin'],
    ['an encoded space then dot-dot', '/%20../admin'],
    ['dot-dot then an encoded tab', '/..%09/admin'],
    ['dot-dot then a zero-width space', '/..%E2%80%8B/admin'],
    ['full-width dots, raw', '/\uff0e\uff0e/admin'],
    ['full-width dots, encoded', '/%EF%BC%8E%EF%BC%8E/admin'],
    ['one-dot leaders (NFKC: dots)', '/\u2024\u2024/admin'],
    ['full-width solidus (NFKC: a separator)', '/x\uff0f..\uff0fadmin'],
    ['four levels of percent-encoding', '/%2525252e%2525252e/admin'],
    ['more levels than any honest path needs', `/${'%25'.repeat(9)}41`],
    ['three dots', '/.../admin'],
    ['an encoded C1 control', '/a%C2%85b'],
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

describe('isAllowedRedirect (finding 4: a redirect gets the same path checks as a direct path)', () => {
  const from = new URL('https://api.example.com/v1/go');
  it.each([
    ['/v1/other', true],
    ['other?x=..', true],
    ['https://api.example.com/v1/x#..', true],
    ['/v1/..;/admin', false],
    ['/v1/%252e%252e/admin', false],
    ['/v1/..%2fadmin', false],
    ['/v1/%2e%2e%2fadmin', false],
    ['/v1/%2e%2e/v1/x', false],
    ['../v1/x', false],
    ['https://api.example.com/v1/..;/admin', false],
    ['//api.example.com/v1/%2e%2e;/admin', false],
    ['/v1/..%00/x', false],
    ['/v1/\uff0e\uff0e/x', false],
    ['https://evil.example/v1/x', false],
    ['/v10/x', false],
  ])('%s → %s', (location, expected) => {
    expect(isAllowedRedirect(location, new URL(location, from), BASES)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_CALLBACK_URL_LENGTH, parseCallbackUrl } from '../../main/auth/callback-url';

const REDIRECTS = ['com.example.desktop:/callback', 'http://127.0.0.1:53682/callback'];

describe('parseCallbackUrl', () => {
  it('accepts our redirect with a state', () => {
    const r = parseCallbackUrl('com.example.desktop:/callback?code=abc&state=s1&iss=https%3A%2F%2Fidp', REDIRECTS);
    expect(r.kind).toBe('response');
    if (r.kind === 'response') {
      expect(r.state).toBe('s1');
      expect(r.params.get('code')).toBe('abc');
    }
  });

  it('accepts the loopback redirect on its exact port and path', () => {
    expect(parseCallbackUrl('http://127.0.0.1:53682/callback?state=x&code=y', REDIRECTS).kind).toBe('response');
  });

  it.each([
    ['wrong scheme', 'com.evil.desktop:/callback?state=s&code=c', 'not_our_redirect'],
    ['wrong path', 'com.example.desktop:/other?state=s&code=c', 'not_our_redirect'],
    ['authority form instead of path form', 'com.example.desktop://callback?state=s&code=c', 'not_our_redirect'],
    ['loopback on another port', 'http://127.0.0.1:1/callback?state=s&code=c', 'not_our_redirect'],
    ['loopback on another host', 'http://localhost.evil:53682/callback?state=s&code=c', 'not_our_redirect'],
    ['not a URL', 'no scheme here', 'unparseable'],
    ['duplicated state', 'com.example.desktop:/callback?state=a&state=b&code=c', 'duplicate_parameter'],
    ['duplicated code', 'com.example.desktop:/callback?state=a&code=b&code=c', 'duplicate_parameter'],
    ['duplicated iss', 'com.example.desktop:/callback?state=a&code=b&iss=x&iss=y', 'duplicate_parameter'],
    ['no state', 'com.example.desktop:/callback?code=c', 'no_state'],
    ['empty state', 'com.example.desktop:/callback?code=c&state=', 'no_state'],
    ['oversized', `com.example.desktop:/callback?state=s&code=${'a'.repeat(MAX_CALLBACK_URL_LENGTH)}`, 'too_long'],
  ])('ignores %s', (_label, url, reason) => {
    expect(parseCallbackUrl(url, REDIRECTS)).toEqual({ kind: 'ignored', reason });
  });

  it('survives badly percent-encoded parameters without throwing', () => {
    const r = parseCallbackUrl('com.example.desktop:/callback?state=%E0%A4%A&code=%', REDIRECTS);
    expect(['response', 'ignored']).toContain(r.kind);
  });

  it('ignores the fragment when matching the redirect', () => {
    expect(parseCallbackUrl('com.example.desktop:/callback?state=s&code=c#frag', REDIRECTS).kind).toBe('response');
  });

  it('a callback without state is "stateless" only at a redirect declared stateless, and keeps its parameters', () => {
    const stateless = ['http://127.0.0.1:53682/callback'];
    const r = parseCallbackUrl('http://127.0.0.1:53682/callback?code=abc', REDIRECTS, { statelessRedirectUris: stateless });
    expect(r).toMatchObject({ kind: 'stateless', target: 'http://127.0.0.1:53682/callback' });
    if (r.kind === 'stateless') expect(r.params.get('code')).toBe('abc');
    // Elsewhere, still ignored; a callback WITH a state stays an ordinary response.
    expect(parseCallbackUrl('com.example.desktop:/callback?code=abc', REDIRECTS, { statelessRedirectUris: stateless })).toEqual({
      kind: 'ignored',
      reason: 'no_state',
    });
    expect(parseCallbackUrl('http://127.0.0.1:53682/callback?code=abc&state=s', REDIRECTS, { statelessRedirectUris: stateless }).kind).toBe('response');
    // Duplicates are refused before anything else.
    expect(parseCallbackUrl('http://127.0.0.1:53682/callback?code=a&code=b', REDIRECTS, { statelessRedirectUris: stateless })).toEqual({
      kind: 'ignored',
      reason: 'duplicate_parameter',
    });
  });

  it('a profile-named parameter (code or identity) must appear at most once', () => {
    expect(parseCallbackUrl('com.example.desktop:/callback?state=s&subject=a&subject=b', REDIRECTS, { singleValued: ['subject'] })).toEqual({
      kind: 'ignored',
      reason: 'duplicate_parameter',
    });
    expect(parseCallbackUrl('com.example.desktop:/callback?state=s&subject=a', REDIRECTS, { singleValued: ['subject'] }).kind).toBe('response');
  });
});

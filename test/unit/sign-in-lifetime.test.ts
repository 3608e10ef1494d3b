/**
 * sign-in-lifetime.ts: when a sign-in without a refresh token ends, and the
 * likely cause the log names with the profile field that fixes it.
 */
import { describe, expect, it } from 'vitest';
import { LONG_LIVED_ACCESS_TOKEN_MS, noRefreshTokenCause, signInEndsAt } from '../../main/auth/sign-in-lifetime';

const NOW = 1_800_000_000_000;

describe('signInEndsAt', () => {
  it.each([
    ['a refresh token', { refreshToken: 'rt', expiresAt: NOW + 300_000 }, undefined],
    ['an access token without a lifetime', {}, undefined],
    ['a long-lived access token (a day or more)', { expiresAt: NOW + LONG_LIVED_ACCESS_TOKEN_MS }, undefined],
    ['a 5-minute access token only', { expiresAt: NOW + 300_000 }, NOW + 300_000],
    ['an access token just short of a day', { expiresAt: NOW + LONG_LIVED_ACCESS_TOKEN_MS - 1 }, NOW + LONG_LIVED_ACCESS_TOKEN_MS - 1],
  ])('%s → %s', (_name, tokens, expected) => {
    expect(signInEndsAt(tokens, NOW)).toBe(expected);
  });
});

describe('noRefreshTokenCause', () => {
  it.each([
    [['openid', 'profile'], undefined, 'offline_access_not_asked', '"offline_access"'],
    [['openid', 'offline_access'], undefined, 'offline_access_dropped', '"prompt": "consent"'],
    [['openid', 'offline_access'], { prompt: 'login' }, 'offline_access_dropped', '"authorizeParams"'],
    [['openid', 'offline_access'], { prompt: 'login consent' }, 'provider_policy', 'refresh_token grant'],
  ] as const)('%j with %j → %s', (scopes, params, cause, inFix) => {
    const got = noRefreshTokenCause(scopes, params);
    expect(got.cause).toBe(cause);
    expect(got.fix).toContain(inFix);
  });
});

/**
 * What the core accepts from a device authorization response (RFC 8628 §3.2)
 * before the window shows it: the checks as a table. The polling itself runs
 * against oidc-provider in test/integration/device-sign-in.test.ts.
 */
import type { DeviceAuthorizationResponse } from 'openid-client';
import { describe, expect, it, test } from 'vitest';
import { devicePromptFrom } from '../../main/auth/device-flow';

const NOW = 1_800_000_000_000;
const OK: DeviceAuthorizationResponse = {
  device_code: 'secret-device-code',
  user_code: 'WDJB-MJHT',
  verification_uri: 'https://idp.example.com/device',
  verification_uri_complete: 'https://idp.example.com/device?user_code=WDJB-MJHT',
  expires_in: 600,
  interval: 5,
};

describe('devicePromptFrom', () => {
  it('keeps what the person needs, never the device code', () => {
    const { prompt, intervalS, lifetimeS } = devicePromptFrom(OK, NOW);
    expect(prompt).toEqual({
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://idp.example.com/device',
      verificationUriComplete: 'https://idp.example.com/device?user_code=WDJB-MJHT',
      expiresAt: NOW + 600_000,
    });
    expect(JSON.stringify(prompt)).not.toContain('secret-device-code');
    expect([intervalS, lifetimeS]).toEqual([5, 600]);
  });

  test.each<[string, Partial<DeviceAuthorizationResponse>, number]>([
    ['no interval: RFC 8628 default 5 s', { interval: undefined }, 5],
    ['interval 0 would poll in a tight loop: 1 s', { interval: 0 }, 1],
    ['an hour between polls would hang the window: 60 s', { interval: 3600 }, 60],
  ])('%s', (_name, change, expected) => {
    expect(devicePromptFrom({ ...OK, ...change }, NOW).intervalS).toBe(expected);
  });

  it('bounds the lifetime to 30 minutes', () => {
    expect(devicePromptFrom({ ...OK, expires_in: 86_400 }, NOW)).toMatchObject({ lifetimeS: 1800, prompt: { expiresAt: NOW + 1_800_000 } });
  });

  test.each<[string, Partial<DeviceAuthorizationResponse>]>([
    ['a complete URI on another origin (the QR code would go elsewhere)', { verification_uri_complete: 'https://evil.example/device?user_code=WDJB-MJHT' }],
    ['a plain-http complete URI', { verification_uri_complete: 'http://idp.example.com/device?user_code=WDJB-MJHT' }],
    ['a javascript: complete URI', { verification_uri_complete: 'javascript:alert(1)' }],
    ['a complete URI with credentials', { verification_uri_complete: 'https://user:pw@idp.example.com/device' }],
  ])('drops %s and keeps the rest', (_name, change) => {
    const { prompt } = devicePromptFrom({ ...OK, ...change }, NOW);
    expect(prompt.verificationUriComplete).toBeUndefined();
    expect(prompt.verificationUri).toBe(OK.verification_uri);
  });

  test.each<[string, Partial<DeviceAuthorizationResponse>, RegExp]>([
    ['a plain-http verification URI', { verification_uri: 'http://idp.example.com/device' }, /not https/],
    ['a data: verification URI', { verification_uri: 'data:text/html,<h1>hi' }, /not https/],
    ['no verification URI', { verification_uri: undefined }, /not https/],
    ['a user code with a line break', { user_code: 'AB\nCD' }, /cannot show/],
    ['an empty user code', { user_code: '' }, /cannot show/],
    ['a user code of 200 characters', { user_code: 'A'.repeat(200) }, /cannot show/],
    ['an expired code', { expires_in: 0 }, /already expired/],
  ])('refuses %s (invalid_response)', (_name, change, message) => {
    expect(() => devicePromptFrom({ ...OK, ...change }, NOW)).toThrow(
      expect.objectContaining({ code: 'invalid_response', message: expect.stringMatching(message) as unknown }),
    );
  });

  it('accepts http on loopback (the embedded demo provider)', () => {
    const local = { ...OK, verification_uri: 'http://127.0.0.1:4000/device', verification_uri_complete: 'http://127.0.0.1:4000/device?user_code=X' };
    expect(devicePromptFrom(local, NOW).prompt.verificationUriComplete).toBe('http://127.0.0.1:4000/device?user_code=X');
  });
});

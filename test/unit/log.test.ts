import { describe, expect, it } from 'vitest';
import { jsonLinesLogger, redactFields } from '../../main/auth/log';

describe('redacting logger', () => {
  it.each([
    ['access_token', 'abc'],
    ['refreshToken', 'abc'],
    ['code', 'abc'],
    ['codeVerifier', 'abc'],
    ['client_secret', 'abc'],
    ['Authorization', 'Bearer abc'],
    ['state', 'abc'],
  ])('drops the value of %s', (key, value) => {
    expect(redactFields({ [key]: value })[key]).toBe('[redacted]');
  });

  it('masks token-shaped strings inside other fields', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';
    const opaque = 'Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg';
    const out = redactFields({ message: `failed with ${jwt} and ${opaque}` });
    expect(out.message).toBe('failed with [redacted] and [redacted]');
  });

  it('keeps plain fields and the stable error code', () => {
    expect(redactFields({ providerId: 'demo', errorCode: 'invalid_grant', status: 401 })).toEqual({
      providerId: 'demo',
      errorCode: 'invalid_grant',
      status: 401,
    });
  });

  it('never serialises nested objects (they may hold a token set)', () => {
    expect(redactFields({ tokens: { a: 1 } }).tokens).toBe('[redacted]');
    expect(redactFields({ response: { a: 1 } }).response).toBe('[object]');
  });

  it('filters by level and writes JSON lines', () => {
    const lines: string[] = [];
    const log = jsonLinesLogger('info', (l) => lines.push(l));
    log('debug', 'hidden');
    log('info', 'shown', { refresh_token: 'x', providerId: 'demo' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', event: 'shown', refresh_token: '[redacted]', providerId: 'demo' });
  });
});

import { describe, expect, it } from 'vitest';
import { authorizationHeader, isForbiddenHeaderName } from '../../main/api/request-rules';

describe('request rules (one home for IPC and core callers)', () => {
  it.each([
    ['Authorization', true],
    ['COOKIE', true],
    ['cookie2', true],
    ['Host', true],
    ['Proxy-Authorization', true],
    ['proxy-connection', true],
    ['Content-Length', true],
    ['Transfer-Encoding', true],
    ['Connection', true],
    ['Keep-Alive', true],
    ['Upgrade', true],
    ['TE', true],
    ['Trailer', true],
    ['Expect', true],
    ['Accept', false],
    ['Content-Type', false],
    ['X-Request-Id', false],
    ['If-None-Match', false],
  ])('%s forbidden: %s', (name, forbidden) => {
    expect(isForbiddenHeaderName(name)).toBe(forbidden);
  });

  it.each([
    ['bearer', 'Bearer abc'],
    ['BEARER', 'Bearer abc'],
    ['Bearer', 'Bearer abc'],
    ['DPoP', 'DPoP abc'],
    ['MAC', 'MAC abc'],
  ])('token_type %s is sent as "%s"', (type, header) => {
    expect(authorizationHeader({ token: 'abc', type })).toBe(header);
  });
});

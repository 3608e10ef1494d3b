import { describe, expect, it } from 'vitest';
import { authorizationHeader, isCallerSettableHeader } from '../../main/api/request-rules';

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
    // Finding 8: routing headers a gateway may honour, passed by the old deny-list.
    ['X-Original-URL', true],
    ['X-Rewrite-URL', true],
    ['X-Forwarded-Host', true],
    ['X-Forwarded-Prefix', true],
    ['X-Forwarded-For', true],
    ['Forwarded', true],
    ['X-HTTP-Method-Override', true],
    ['X-Method-Override', true],
    ['X-Anything-New', true],
    ['Accept', false],
    ['Content-Type', false],
    ['X-Request-Id', false],
    ['If-None-Match', false],
    ['traceparent', false],
  ])('%s refused: %s', (name, refused) => {
    expect(isCallerSettableHeader(name)).toBe(!refused);
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

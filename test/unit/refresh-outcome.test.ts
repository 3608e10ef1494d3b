/**
 * classifyRefreshFailure on the error shapes openid-client produces, for the
 * cases a loopback server cannot produce through Node's fetch (a 407 reaching
 * the caller, as Electron's net.fetch may deliver it). The full status × body
 * table against a real server is test/integration/refresh-outcome.test.ts.
 */
import { ClientError, ResponseBodyError } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../main/auth/errors';
import { classifyRefreshFailure } from '../../main/auth/refresh-outcome';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function notConform(status: number, headers: Record<string, string> = {}): ClientError {
  return new ClientError('"response" is not a conform Token Endpoint response (unexpected HTTP status code)', { cause: new Response('', { status, headers }) });
}

describe('classifyRefreshFailure', () => {
  it.each([
    ['407 from a proxy', notConform(407), 'transient', 'proxy_auth_required'],
    ['429 with Retry-After', notConform(429, { 'retry-after': '30' }), 'transient', 'server_error'],
    ['503', notConform(503), 'transient', 'server_error'],
    ['400 without JSON', notConform(400), 'ended', 'session_ended'],
    ['401 without JSON', notConform(401), 'ended', 'session_ended'],
    ['network (no answer)', new TypeError('fetch failed'), 'transient', 'network_error'],
    ['already classified invalid_grant (a seed dialect)', new AuthError('invalid_grant'), 'ended', 'invalid_grant'],
  ])('%s → %s %s', (_label, err, kind, code) => {
    const verdict = classifyRefreshFailure(err, NOW);
    expect(verdict.kind).toBe(kind);
    expect(verdict.error.code).toBe(code);
  });

  it('Retry-After becomes the minimum wait', () => {
    const verdict = classifyRefreshFailure(notConform(429, { 'retry-after': '30' }), NOW);
    expect(verdict).toMatchObject({ kind: 'transient', retryAfterMs: 30_000 });
  });

  it('an OAuth error body with a 4xx ends the session whatever the error value', () => {
    const body = (error: string, status: number) =>
      new ResponseBodyError('server responded with an error in the response body', {
        cause: { error },
        response: new Response(JSON.stringify({ error }), { status }),
      });
    expect(classifyRefreshFailure(body('invalid_client', 401), NOW)).toMatchObject({ kind: 'ended', error: { code: 'session_ended' } });
    expect(classifyRefreshFailure(body('invalid_grant', 400), NOW)).toMatchObject({ kind: 'ended', error: { code: 'invalid_grant' } });
  });
});

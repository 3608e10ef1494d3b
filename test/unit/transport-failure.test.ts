import { describe, expect, it } from 'vitest';
import { transportFailure } from '../../main/auth/errors';
import { toAuthError } from '../../main/auth/protocol-errors';

/** What undici (Node) and Chromium (Electron's net.fetch) throw, as they throw it. */
function undiciFailure(cause: Error): TypeError {
  return new TypeError('fetch failed', { cause });
}
function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('transportFailure', () => {
  it.each([
    ['undici, unknown CA', undiciFailure(withCode('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')), 'tls_untrusted'],
    ['undici, private root in chain', undiciFailure(withCode('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN')), 'tls_untrusted'],
    ['undici, self-signed leaf', undiciFailure(withCode('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT')), 'tls_untrusted'],
    ['Electron net.fetch, untrusted authority', new Error('net::ERR_CERT_AUTHORITY_INVALID'), 'tls_untrusted'],
    ['undici ProxyAgent, 407 on CONNECT', undiciFailure(new Error('Proxy response (407) !== 200 when HTTP Tunneling')), 'proxy_auth_required'],
    ['Electron net.fetch, proxy auth', new TypeError('net::ERR_PROXY_AUTH_UNSUPPORTED'), 'proxy_auth_required'],
  ])('%s → %s', (_label, err, code) => {
    expect(transportFailure(err)?.code).toBe(code);
  });

  it.each([
    ['connection refused', undiciFailure(withCode('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'))],
    ['expired certificate (another fix than trusting a CA)', undiciFailure(withCode('certificate has expired', 'CERT_HAS_EXPIRED'))],
    ['a plain error', new Error('boom')],
    ['not an error', 'fetch failed'],
  ])('%s → null (left to the general mapping)', (_label, err) => {
    expect(transportFailure(err)).toBeNull();
  });

  it.each([
    ['net::ERR_INTERNET_DISCONNECTED', 'network_error'],
    ['net::ERR_CONNECTION_REFUSED', 'network_error'],
    ['net::ERR_NAME_NOT_RESOLVED', 'network_error'],
    ['net::ERR_CERT_AUTHORITY_INVALID', 'tls_untrusted'],
  ])('Electron net.fetch rejecting with %s → %s through the protocol mapping', (message, code) => {
    expect(toAuthError(new Error(message), 'Sign-in').code).toBe(code);
  });

  it('a cyclic cause chain ends', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(transportFailure(a)).toBeNull();
  });
});

import { describe, expect, test } from 'vitest';
import { AuthError } from '../../main/auth/errors';
import { INVOKE_CHANNELS, validatePayload } from '../../main/ipc/contract';
import { MAX_PAYLOAD_KEYS } from '../../main/ipc/payload-rules';
import type { InvokeChannel } from '../../main/ipc/contract-types';
import { IPC_CHANNELS } from '../../main/ipc/contract-types';

const MiB = 1024 * 1024;
const GET = { method: 'GET', path: '/me' } as const;

function rejection(channel: InvokeChannel, payload: unknown): AuthError {
  try {
    validatePayload(channel, payload);
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw new Error(`expected an AuthError, got ${String(err)}`);
  }
  throw new Error('expected the payload to be rejected');
}

describe('validatePayload: accepted payloads', () => {
  test.each<[InvokeChannel, unknown, unknown]>([
    ['getSession', undefined, undefined],
    ['getSession', null, undefined],
    ['listProviders', undefined, undefined],
    ['cancelSignIn', null, undefined],
    ['signOut', undefined, undefined],
    ['signIn', undefined, undefined],
    ['signIn', {}, {}],
    ['signIn', { providerId: 'demo' }, { providerId: 'demo' }],
    ['signIn', { providerId: 'demo', onAnotherDevice: true }, { providerId: 'demo', onAnotherDevice: true }],
    ['signIn', { providerId: 'a'.repeat(64) }, { providerId: 'a'.repeat(64) }],
    ['request', GET, GET],
    ['request', { ...GET, api: 'contacts', accountId: 'demo:user 1' }, { ...GET, api: 'contacts', accountId: 'demo:user 1' }],
    ['signOut', { accountId: 'demo:demo-user' }, { accountId: 'demo:demo-user' }],
    ['signOut', {}, {}],
    ['signOutAll', undefined, undefined],
    ['listAccounts', null, undefined],
    ['setActiveAccount', { accountId: 'two:sub|with@odd.chars' }, { accountId: 'two:sub|with@odd.chars' }],
    ['addAccount', { providerId: 'demo' }, { providerId: 'demo' }],
    ['requestConsent', { api: 'calendar' }, { api: 'calendar' }],
    ['requestConsent', { api: 'calendar', accountId: 'demo:x' }, { api: 'calendar', accountId: 'demo:x' }],
    ['requestStepUp', undefined, undefined],
    ['requestStepUp', { api: 'payments' }, { api: 'payments' }],
    ['requestStepUp', { api: '#15', accountId: 'demo:x' }, { api: '#15', accountId: 'demo:x' }],
    [
      'request',
      {
        method: 'POST',
        path: '/items/1?',
        api: 15,
        query: { q: 'x y', n: '1' },
        headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'a\tb' },
        body: '{"a":1}',
      },
      {
        method: 'POST',
        path: '/items/1?',
        api: 15,
        query: { q: 'x y', n: '1' },
        headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'a\tb' },
        body: '{"a":1}',
      },
    ],
    ['request', { ...GET, body: 'x'.repeat(MiB) }, { ...GET, body: 'x'.repeat(MiB) }],
    ['request', { ...GET, query: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])) }, undefined],
  ])('%s %#', (channel, payload, expected) => {
    const result = validatePayload(channel, payload);
    if (expected !== undefined || channel !== 'request') expect(result).toEqual(expected);
    else expect(result).toEqual(payload);
  });
});

describe('validatePayload: rejected payloads → invalid_request naming the field', () => {
  const SECRET = 'value-that-must-not-be-echoed';
  test.each<[string, InvokeChannel, unknown, RegExp]>([
    ['no-payload channel with an object', 'getSession', {}, /payload/],
    ['no-payload channel with a string', 'signOut', SECRET, /payload/],
    ['no-payload channel with 0', 'cancelSignIn', 0, /payload/],
    ['signIn with null', 'signIn', null, /payload/],
    ['signIn with a bad provider id', 'signIn', { providerId: `Bad ${SECRET}` }, /providerId/],
    ['signIn with an id of 65 chars', 'signIn', { providerId: 'a'.repeat(65) }, /providerId/],
    ['signIn with a number id', 'signIn', { providerId: 7 }, /providerId/],
    ['signIn with a device flag that is not a boolean', 'signIn', { onAnotherDevice: 'yes' }, /onAnotherDevice/],
    ['signIn with an extra key', 'signIn', { providerId: 'demo', [SECRET]: 1 }, /unknown field/],
    ['setActiveAccount without id', 'setActiveAccount', {}, /accountId/],
    ['setActiveAccount with a provider id only', 'setActiveAccount', { accountId: 'demo' }, /accountId/],
    ['setActiveAccount with a control character', 'setActiveAccount', { accountId: 'demo:a\nb' }, /accountId/],
    ['setActiveAccount with a huge id', 'setActiveAccount', { accountId: `demo:${'x'.repeat(2000)}` }, /accountId/],
    ['addAccount without provider', 'addAccount', undefined, /payload/],
    ['addAccount with a prompt of its choosing', 'addAccount', { providerId: 'demo', prompt: 'none' }, /unknown field/],
    ['requestConsent with a scope instead of an API', 'requestConsent', { api: 'calendar:read' }, /api/],
    ['requestStepUp with acr values of its choosing', 'requestStepUp', { api: 'payments', acrValues: ['weak'] }, /unknown field/],
    ['requestStepUp with an index beyond the APIs', 'requestStepUp', { api: '#16' }, /api/],
    ['requestStepUp with a URL as api', 'requestStepUp', { api: `https://evil.example/${SECRET}` }, /api/],
    ['request with a URL as api', 'request', { method: 'GET', path: '/me', api: 'https://evil.example' }, /api/],
    ['signOutAll with an account', 'signOutAll', { accountId: 'demo:x' }, /payload/],
    ['planApiConnection with a javascript: URL', 'planApiConnection', { apiUrl: 'javascript:alert(1)' }, /apiUrl must be an http\(s\) URL/],
    ['planApiConnection with a huge URL', 'planApiConnection', { apiUrl: `https://a.example/${'x'.repeat(3000)}` }, /apiUrl/],
    ['planApiConnection with an extra key', 'planApiConnection', { apiUrl: 'https://a.example', clientId: 'x' }, /unknown field/],
    ['connectApi with something else than a plan id', 'connectApi', { planId: `../${SECRET}` }, /planId must be a plan id/],
    ['request as a string', 'request', SECRET, /payload/],
    ['request as an array', 'request', [GET], /payload/],
    ['request without method', 'request', { path: '/me' }, /method/],
    ['request with lower-case method', 'request', { method: 'get', path: '/me' }, /method/],
    ['request with TRACE', 'request', { method: 'TRACE', path: '/me' }, /method/],
    ['request with a number path', 'request', { method: 'GET', path: 42 }, /path/],
    ['request with an absolute URL as path', 'request', { method: 'GET', path: `https://evil.example/${SECRET}` }, /path must start with "\/"/],
    ['request with a protocol-relative path', 'request', { method: 'GET', path: '//evil.example/me' }, /path must not start with "\/\/"/],
    ['request with a relative path', 'request', { method: 'GET', path: 'me' }, /path/],
    ['request with a backslash in path', 'request', { method: 'GET', path: '/\\evil.example' }, /path must not contain a backslash/],
    ['request with CRLF in path', 'request', { method: 'GET', path: '/me\r\nX: y' }, /path must not contain control/],
    ['request with NUL in path', 'request', { method: 'GET', path: '/me\u0000' }, /path/],
    ['request with a 2049-char path', 'request', { method: 'GET', path: `/${'a'.repeat(2048)}` }, /path/],
    ['request with api -1', 'request', { ...GET, api: -1 }, /api/],
    ['request with api 16', 'request', { ...GET, api: 16 }, /api/],
    ['request with api 1.5', 'request', { ...GET, api: 1.5 }, /api/],
    ['request with api "0"', 'request', { ...GET, api: '0' }, /api/],
    ['request with an extra key', 'request', { ...GET, url: 'https://evil.example' }, /unknown field/],
    ['request with a number query value', 'request', { ...GET, query: { a: 1 } }, /query/],
    ['request with a 1025-char query value', 'request', { ...GET, query: { a: 'x'.repeat(1025) } }, /query/],
    ['request with 51 query params', 'request', { ...GET, query: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, /query/],
    [
      'request with header injection',
      'request',
      { ...GET, headers: { 'X-Request-Id': `v\r\nAuthorization: Bearer ${SECRET}` } },
      /headers\.X-Request-Id.*line breaks/,
    ],
    ['request with LF in a header value', 'request', { ...GET, headers: { 'X-Request-Id': 'v\nx' } }, /headers/],
    ['request with a space in a header name', 'request', { ...GET, headers: { 'X A': 'v' } }, /RFC 7230 token/],
    ['request with a colon in a header name', 'request', { ...GET, headers: { 'X-A:': 'v' } }, /RFC 7230 token/],
    ['request with Authorization', 'request', { ...GET, headers: { Authorization: `Bearer ${SECRET}` } }, /may set only/],
    ['request with authorization', 'request', { ...GET, headers: { authorization: 'x' } }, /may set only/],
    ['request with Cookie', 'request', { ...GET, headers: { Cookie: 'a=b' } }, /may set only/],
    ['request with Host', 'request', { ...GET, headers: { HOST: 'evil.example' } }, /may set only/],
    ['request with Proxy-Authorization', 'request', { ...GET, headers: { 'Proxy-Authorization': 'x' } }, /may set only/],
    ['request with Content-Length', 'request', { ...GET, headers: { 'Content-Length': '0' } }, /may set only/],
    ['request with Transfer-Encoding', 'request', { ...GET, headers: { 'Transfer-Encoding': 'chunked' } }, /may set only/],
    ['request with Connection', 'request', { ...GET, headers: { Connection: 'close' } }, /may set only/],
    // Finding 8: routing headers a gateway may honour travelled beside the token before the allow-list.
    ['request with X-Original-URL (routing)', 'request', { ...GET, headers: { 'X-Original-URL': '/api-b/secret' } }, /may set only/],
    ['request with X-Rewrite-URL (routing)', 'request', { ...GET, headers: { 'X-Rewrite-URL': '/api-b/secret' } }, /may set only/],
    ['request with X-Forwarded-Host (routing)', 'request', { ...GET, headers: { 'X-Forwarded-Host': '/api-b/secret' } }, /may set only/],
    ['request with X-Forwarded-Prefix (routing)', 'request', { ...GET, headers: { 'X-Forwarded-Prefix': '/api-b/secret' } }, /may set only/],
    ['request with Forwarded (routing)', 'request', { ...GET, headers: { Forwarded: '/api-b/secret' } }, /may set only/],
    ['request with X-HTTP-Method-Override (routing)', 'request', { ...GET, headers: { 'X-HTTP-Method-Override': '/api-b/secret' } }, /may set only/],
    ['request with 31 headers', 'request', { ...GET, headers: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`x-h${i}`, 'v'])) }, /headers/],
    ['request with a number body', 'request', { ...GET, body: 1 }, /body/],
    ['request with a 2 MiB body', 'request', { ...GET, body: 'x'.repeat(2 * MiB) }, /body must be at most 1 MiB/],
    ['request with a body of 1 MiB chars but more bytes', 'request', { ...GET, body: 'é'.repeat(MiB / 2 + 1) }, /body must be at most 1 MiB/],
    ['request with __proto__ at the top', 'request', JSON.parse('{"method":"GET","path":"/me","__proto__":{"polluted":true}}'), /forbidden key/],
    [
      'request with __proto__ in query',
      'request',
      JSON.parse('{"method":"GET","path":"/me","query":{"__proto__":{"polluted":"x"}}}'),
      /payload\.query has a forbidden key/,
    ],
    ['request with __proto__ in headers', 'request', JSON.parse('{"method":"GET","path":"/me","headers":{"__proto__":"x"}}'), /forbidden key/],
    ['request with constructor in query', 'request', { ...GET, query: { constructor: 'x' } }, /forbidden key/],
    ['request with prototype in headers', 'request', { ...GET, headers: { prototype: 'x' } }, /forbidden key/],
    ['signIn with __proto__', 'signIn', JSON.parse('{"__proto__":{"providerId":"demo"}}'), /forbidden key/],
  ])('%s', (_name, channel, payload, field) => {
    const err = rejection(channel, payload);
    expect(err.code).toBe('invalid_request');
    expect(err.message).toMatch(field);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain('Bearer');
    expect(err.message.length).toBeLessThan(600);
  });

  test('a rejected __proto__ payload pollutes nothing', () => {
    rejection('request', JSON.parse('{"method":"GET","path":"/me","query":{"__proto__":{"polluted":"yes"}}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('an unknown channel is rejected', () => {
    expect(rejection('nope' as InvokeChannel, undefined).code).toBe('invalid_request');
  });
});

test('every invokable channel in the contract has a validator, and the push channel has none', () => {
  const invokable = Object.keys(IPC_CHANNELS)
    .filter((k) => k !== 'sessionChanged')
    .sort();
  expect([...INVOKE_CHANNELS].sort()).toEqual(invokable);
});

/**
 * Finding 6 (SECURITY.md "Oversized IPC payloads are refused with bounded
 * work"). The work is counted, not timed: the payload's objects are proxies
 * that count every property read, so the bound holds on any machine.
 */
describe('validatePayload: an oversized payload is refused after a bounded amount of work', () => {
  function counted<T extends object>(target: T): { proxy: T; reads: () => number } {
    let reads = 0;
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        reads += 1;
        return Reflect.get(t, key, receiver) as unknown;
      },
      getOwnPropertyDescriptor(t, key) {
        reads += 1;
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
    });
    return { proxy, reads: () => reads };
  }

  test('300,000 header keys: refused naming the field, with at most MAX_PAYLOAD_KEYS property reads', () => {
    const headers = counted(Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`x-h${i}`, 'v'])));
    expect(() => validatePayload('request', { method: 'GET', path: '/me', headers: headers.proxy })).toThrowError(
      expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/headers has too many fields/) as unknown }),
    );
    expect(headers.reads()).toBeLessThanOrEqual(MAX_PAYLOAD_KEYS);
  });

  test('keys spread over several objects count against one budget', () => {
    const query = counted(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`q${i}`, 'v'])));
    const headers = counted(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x-h${i}`, 'v'])));
    expect(() => validatePayload('request', { method: 'GET', path: '/me', query: query.proxy, headers: headers.proxy })).toThrowError(
      expect.objectContaining({ code: 'invalid_request', message: expect.stringMatching(/too many fields/) as unknown }),
    );
    expect(query.reads() + headers.reads()).toBeLessThanOrEqual(MAX_PAYLOAD_KEYS);
  });

  test('the largest valid request (50 query parameters, every allowed header) is still accepted', () => {
    const headers = {
      accept: 'a',
      'accept-language': 'a',
      'content-type': 'a',
      'content-language': 'a',
      'cache-control': 'a',
      'if-match': 'a',
      'if-none-match': 'a',
      'if-modified-since': 'a',
      'if-unmodified-since': 'a',
      'if-range': 'a',
      range: 'a',
      prefer: 'a',
      'idempotency-key': 'a',
      'x-request-id': 'a',
      'x-correlation-id': 'a',
      traceparent: 'a',
      tracestate: 'a',
    };
    const query = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`q${i}`, 'v']));
    expect(validatePayload('request', { method: 'POST', path: '/me', api: 0, accountId: 'demo:x', query, headers, body: '{}' })).toMatchObject({
      headers,
      query,
    });
  });
});

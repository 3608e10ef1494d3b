/**
 * Property-based fuzzing of every parser that sees attacker-controlled input:
 * the callback URL, the deep-link argv filter, the IPC payload validators and
 * the API URL resolver. 10,000 generated inputs each, hostile ones included.
 * Properties: never throw outside the typed error union; never let a request
 * leave for a host (or path) not on the allow-list.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWithinBase, resolveApiUrl } from '../../main/api/resolve-url';
import { parseCallbackUrl, redirectTarget } from '../../main/auth/callback-url';
import { AUTH_ERROR_CODES, AuthError } from '../../main/auth/errors';
import { extractDeepLink } from '../../main/deep-link';
import { INVOKE_CHANNELS, validatePayload } from '../../main/ipc/contract';

const RUNS = { numRuns: 10_000 };
const SCHEME = 'com.example.desktop';
const REDIRECTS = [`${SCHEME}:/callback`, 'http://127.0.0.1:53682/callback'];
const BASES = ['https://api.example.com/v1', 'http://127.0.0.1:4000/api/'];

/** Fragments that have broken URL handling somewhere before. */
const hostileFragment = fc.constantFrom(
  '..', '%2e%2e', '%252e%252e', '%2f', '%252f', '%5c', '\\', '/', '//', '@', ':', '?', '#', '&', '=', '%', '%E0%A4%A', '%00', '%0d%0a',
  'evil.example', 'api.example.com.evil.com', 'аpi.example.com', 'xn--pi-7ld.example.com', 'ᴀᴘɪ', '\u202e', '\u0000', '\t', ' ',
  'https://evil.example', '//evil.example', 'http:', 'javascript:alert(1)', SCHEME, `${SCHEME}:`, 'state', 'code', 'iss',
  '__proto__', 'constructor', 'prototype', 'x'.repeat(3000),
);
const hostileString = fc.array(fc.oneof(hostileFragment, fc.string(), fc.webSegment()), { maxLength: 8 }).map((parts) => parts.join(''));

function assertTyped(err: unknown): void {
  expect(err).toBeInstanceOf(AuthError);
  expect(AUTH_ERROR_CODES).toContain((err as AuthError).code);
}

describe('fuzz: callback URL parser', () => {
  const param = fc.tuple(fc.constantFrom('state', 'code', 'iss', 'error', 'x', '__proto__'), hostileString);
  const callbackUrl = fc.tuple(
    fc.constantFrom(`${SCHEME}:/callback`, `${SCHEME}://callback`, `${SCHEME.toUpperCase()}:/callback`, 'http://127.0.0.1:53682/callback', 'http://127.0.0.1:1/callback', 'https://evil.example/callback', `${SCHEME}:/callback/..`, ''),
    fc.array(param, { maxLength: 6 }),
    hostileString,
  ).map(([base, params, tail]) => `${base}?${params.map(([k, v]) => `${k}=${v}`).join('&')}${tail}`);

  it('never throws, and yields a response only for our exact redirect targets', () => {
    fc.assert(
      fc.property(fc.oneof(callbackUrl, hostileString), (raw) => {
        const r = parseCallbackUrl(raw, REDIRECTS);
        if (r.kind === 'response') {
          expect(REDIRECTS.map((u) => redirectTarget(new URL(u)))).toContain(redirectTarget(r.url));
          expect(r.state.length).toBeGreaterThan(0);
          expect(r.params.getAll('state')).toHaveLength(1);
        }
      }),
      RUNS,
    );
  });
});

describe('fuzz: deep-link argv filter', () => {
  const arg = fc.oneof(
    hostileString,
    fc.constantFrom('--allow-file-access-from-files', '--inspect=9229', `--x=${SCHEME}:/callback`, 'C:\\App\\app.exe', '/usr/bin/app', '.'),
    hostileString.map((s) => `${SCHEME}:/callback?code=${s}&state=s`),
    hostileString.map((s) => `${SCHEME.toUpperCase()}:${s}`),
  );
  it('returns null or exactly one argv entry that is a URL of our scheme', () => {
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 6 }), (argv) => {
        const link = extractDeepLink(argv, SCHEME);
        if (link === null) return;
        expect(argv).toContain(link);
        expect(link.toLowerCase().startsWith(`${SCHEME}:`)).toBe(true);
        expect(new URL(link).protocol).toBe(`${SCHEME}:`);
        expect(argv.filter((a) => a.toLowerCase().includes(`${SCHEME}:`))).toHaveLength(1);
      }),
      RUNS,
    );
  });
});

describe('fuzz: IPC payload validators', () => {
  const jsonish = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      hostileString,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'method', 'path', 'headers', 'query', 'body', 'api', 'providerId')), tie('value'), { maxKeys: 5 }),
    ),
  })).value;
  const requestLike = fc.record(
    {
      method: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'get', 'TRACE', 'CONNECT'), fc.string()),
      path: fc.oneof(hostileString.map((s) => `/${s}`), hostileString),
      api: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.string()),
      query: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
      headers: fc.dictionary(fc.oneof(hostileString, fc.constantFrom('authorization', 'Cookie', 'host', 'x-ok', 'content-length')), hostileString, { maxKeys: 4 }),
      body: hostileString,
    },
    { requiredKeys: [] },
  );
  // JSON.parse creates a real own `__proto__` key, as a payload from another realm would.
  const protoPayload = fc.constantFrom('{"__proto__":{"polluted":1},"method":"GET","path":"/x"}', '{"method":"GET","path":"/x","headers":{"__proto__":{"a":"b"}}}', '{"method":"GET","path":"/x","query":{"constructor":"y"}}').map((t) => JSON.parse(t) as unknown);

  it('every channel: returns a typed payload or throws invalid_request, nothing else', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INVOKE_CHANNELS), fc.oneof(jsonish, requestLike, protoPayload), (channel, payload) => {
        try {
          const out = validatePayload(channel, payload) as unknown;
          if (channel === 'request') {
            const req = out as { path: string; method: string; headers?: Record<string, string> };
            expect(req.path.startsWith('/')).toBe(true);
            expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).toContain(req.method);
            for (const name of Object.keys(req.headers ?? {})) expect(['authorization', 'cookie', 'host']).not.toContain(name.toLowerCase());
          }
        } catch (err) {
          assertTyped(err);
          expect((err as AuthError).code).toBe('invalid_request');
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      RUNS,
    );
  });
});

describe('fuzz: API URL resolver', () => {
  it('never leaves the allow-listed base (origin and path prefix, no userinfo), never throws untyped', () => {
    fc.assert(
      fc.property(
        fc.oneof(hostileString, hostileString.map((s) => `/${s}`), fc.webUrl(), fc.webPath()),
        fc.option(fc.dictionary(hostileString, hostileString, { maxKeys: 3 }), { nil: undefined }),
        fc.integer({ min: -1, max: 3 }),
        (p, query, api) => {
          try {
            const url = resolveApiUrl(BASES, p, query, api);
            const base = new URL(BASES[api]!);
            expect(isWithinBase(url, base)).toBe(true);
            expect(url.origin).toBe(base.origin);
            expect(url.username + url.password).toBe('');
          } catch (err) {
            assertTyped(err);
            expect((err as AuthError).code).toBe('host_not_allowed');
          }
        },
      ),
      RUNS,
    );
  });
});

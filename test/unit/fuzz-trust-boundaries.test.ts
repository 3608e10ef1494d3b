/**
 * Property-based fuzzing of every parser that sees attacker-controlled input:
 * the callback URL, the deep-link argv filter, the IPC payload validators,
 * the API URL resolver and the DPoP nonce / WWW-Authenticate readers.
 * 10,000 generated inputs each, hostile ones included.
 * Properties: never throw outside the typed error union; never let a request
 * leave for a host (or path) not on the allow-list.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insufficientScope, insufficientUserAuthentication, resourceMetadataChallenge } from '../../main/api/bearer-challenge';
import { isUseDpopNonceChallenge, parseChallenges, parseDpopNonce } from '../../main/api/dpop-challenge';
import { isAllowedRedirect, isWithinBase, resolveApiUrl } from '../../main/api/resolve-url';
import { parseCallbackUrl, redirectTarget } from '../../main/auth/callback-url';
import { AUTH_ERROR_CODES, AuthError } from '../../main/auth/errors';
import { extractDeepLink } from '../../main/deep-link';
import { INVOKE_CHANNELS, validatePayload } from '../../main/ipc/contract';
import { SCHEME } from '../helpers/core-rig';

const RUNS = { numRuns: 10_000 };
/**
 * Share of generated inputs that must be *accepted*, so a property cannot
 * pass by rejecting everything (a generator gone too hostile). Each property
 * accepts well over this (3–40 %).
 */
const MIN_ACCEPTED = 0.02;

const REDIRECTS = [`${SCHEME}:/callback`, 'http://127.0.0.1:53682/callback'];
const BASES = ['https://api.example.com/v1', 'http://127.0.0.1:4000/api/'];

/** Fragments that have broken URL handling somewhere before. */
const hostileFragment = fc.constantFrom(
  '..',
  '%2e%2e',
  '%252e%252e',
  '%2f',
  '%252f',
  '%5c',
  '\\',
  '/',
  '//',
  '@',
  ':',
  '?',
  '#',
  '&',
  '=',
  '%',
  '%E0%A4%A',
  '%00',
  '%0d%0a',
  'evil.example',
  'api.example.com.evil.com',
  'аpi.example.com',
  'xn--pi-7ld.example.com',
  'ᴀᴘɪ',
  '\u202e',
  // Finding 7's look-alikes: whitespace and invisibles around dots, full-width and leader dots, deep %25 nesting.
  '%20',
  '%09',
  '%E2%80%8B',
  '\uff0e',
  '%EF%BC%8E',
  '\u2024',
  '\uff0f',
  '%25',
  '%2525252e',
  '\u0000',
  '\t',
  ' ',
  'https://evil.example',
  '//evil.example',
  'http:',
  'javascript:alert(1)',
  SCHEME,
  `${SCHEME}:`,
  'state',
  'code',
  'iss',
  '__proto__',
  'constructor',
  'prototype',
  'x'.repeat(3000),
);
const hostileString = fc.array(fc.oneof(hostileFragment, fc.string(), fc.webSegment()), { maxLength: 8 }).map((parts) => parts.join(''));

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The oracle for dot segments, independent of the resolver's code: decoded as
 * many times as a chain of proxies might (10), folded as a Unicode-aware server
 * might (NFKC), with the whitespace and invisibles some strip: no segment is a
 * run of dots, before or after `;parameters`.
 */
function hasDotSegment(pathname: string): boolean {
  let decoded = pathname;
  for (let i = 0; i < 10; i += 1) decoded = safeDecode(decoded);
  return decoded
    .normalize('NFKC')
    .split(/[\\/]/)
    .some((segment) => /^\.+$/.test((segment.split(';', 1)[0] ?? '').replace(/[\s\p{Cf}\p{Cc}]/gu, '')));
}

function assertTyped(err: unknown): void {
  expect(err).toBeInstanceOf(AuthError);
  expect(AUTH_ERROR_CODES).toContain((err as AuthError).code);
}

describe('fuzz: callback URL parser', () => {
  const param = fc.tuple(fc.constantFrom('state', 'code', 'iss', 'error', 'x', '__proto__'), hostileString);
  const callbackUrl = fc
    .tuple(
      fc.constantFrom(
        `${SCHEME}:/callback`,
        `${SCHEME}://callback`,
        `${SCHEME.toUpperCase()}:/callback`,
        'http://127.0.0.1:53682/callback',
        'http://127.0.0.1:1/callback',
        'https://evil.example/callback',
        `${SCHEME}:/callback/..`,
        '',
      ),
      fc.array(param, { maxLength: 6 }),
      hostileString,
    )
    .map(([base, params, tail]) => `${base}?${params.map(([k, v]) => `${k}=${v}`).join('&')}${tail}`);
  // One of our exact targets with a state, then hostile extras: mostly accepted.
  const nearValidCallback = fc
    .tuple(
      fc.constantFrom(...REDIRECTS),
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.array(param, { maxLength: 3 }),
      fc.constantFrom('', '#frag', '#state=x'),
    )
    .map(([base, state, extra, hash]) => `${base}?state=${encodeURIComponent(state)}${extra.map(([k, v]) => `&${k}=${v}`).join('')}${hash}`);

  it('never throws, and yields a response only for our exact redirect targets', () => {
    let responses = 0;
    fc.assert(
      fc.property(fc.oneof(callbackUrl, nearValidCallback, hostileString), (raw) => {
        const r = parseCallbackUrl(raw, REDIRECTS);
        if (r.kind === 'response') {
          responses += 1;
          expect(REDIRECTS.map((u) => redirectTarget(new URL(u)))).toContain(redirectTarget(r.url));
          expect(r.state.length).toBeGreaterThan(0);
          expect(r.params.getAll('state')).toHaveLength(1);
        }
      }),
      RUNS,
    );
    // Not vacuous: a fair share of the inputs got far enough to be accepted.
    expect(responses).toBeGreaterThan(RUNS.numRuns * MIN_ACCEPTED);
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
    let links = 0;
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 6 }), (argv) => {
        const link = extractDeepLink(argv, SCHEME);
        if (link === null) return;
        links += 1;
        expect(argv).toContain(link);
        expect(link.toLowerCase().startsWith(`${SCHEME}:`)).toBe(true);
        expect(new URL(link).protocol).toBe(`${SCHEME}:`);
        expect(argv.filter((a) => a.toLowerCase().includes(`${SCHEME}:`))).toHaveLength(1);
      }),
      RUNS,
    );
    expect(links).toBeGreaterThan(RUNS.numRuns * MIN_ACCEPTED);
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
      fc.dictionary(
        fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'method', 'path', 'headers', 'query', 'body', 'api', 'providerId')),
        tie('value'),
        { maxKeys: 5 },
      ),
    ),
  })).value;
  const requestLike = fc.record(
    {
      method: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'get', 'TRACE', 'CONNECT'), fc.string()),
      path: fc.oneof(
        hostileString.map((s) => `/${s}`),
        hostileString,
      ),
      api: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.string()),
      query: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
      headers: fc.dictionary(fc.oneof(hostileString, fc.constantFrom('authorization', 'Cookie', 'host', 'x-ok', 'content-length')), hostileString, {
        maxKeys: 4,
      }),
      body: hostileString,
    },
    { requiredKeys: [] },
  );
  // Mostly valid requests with hostile values where values are allowed, so
  // many are accepted and the invariants on an accepted request get tested.
  const nearValidRequest = fc.record(
    {
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
      path: fc.oneof(
        fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
        hostileString.map((s) => `/${s}`),
      ),
      api: fc.integer({ min: 0, max: 3 }),
      query: fc.dictionary(fc.oneof(fc.string({ maxLength: 20 }), hostileFragment), fc.oneof(fc.string({ maxLength: 40 }), hostileString), { maxKeys: 4 }),
      headers: fc.dictionary(
        fc.oneof(
          fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
          fc.constantFrom(
            'authorization',
            'Cookie',
            'Host',
            'Proxy-Authorization',
            'content-length',
            'Transfer-Encoding',
            'x-ok',
            'X-Original-URL',
            'Forwarded',
            'Accept',
            'if-none-match',
            'X-Request-Id',
          ),
        ),
        fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('a\r\nX-Injected: 1', 'v\u0000', 'ok')),
        { maxKeys: 3 },
      ),
      body: fc.oneof(fc.string(), hostileString),
    },
    { requiredKeys: ['method', 'path'] },
  );
  // JSON.parse creates a real own `__proto__` key, as a payload from another realm would.
  const protoPayload = fc
    .constantFrom(
      '{"__proto__":{"polluted":1},"method":"GET","path":"/x"}',
      '{"method":"GET","path":"/x","headers":{"__proto__":{"a":"b"}}}',
      '{"method":"GET","path":"/x","query":{"constructor":"y"}}',
      '{"method":"GET","path":"/x","query":{"__proto__":"y"}}',
      '{"providerId":"demo","__proto__":{"polluted":1}}',
    )
    .map((t) => JSON.parse(t) as unknown);
  const channelAndPayload = fc.oneof(
    fc.tuple(fc.constantFrom(...INVOKE_CHANNELS), fc.oneof(jsonish, requestLike, protoPayload)),
    fc.tuple(fc.constant('request' as const), fc.oneof(nearValidRequest, protoPayload)),
  );

  it('every channel: returns a typed payload or throws invalid_request, nothing else', () => {
    let acceptedRequests = 0;
    fc.assert(
      fc.property(channelAndPayload, ([channel, payload]) => {
        try {
          const out = validatePayload(channel, payload) as unknown;
          if (channel === 'request') {
            acceptedRequests += 1;
            const req = out as { path: string; method: string; headers?: Record<string, string>; query?: Record<string, string> };
            expect(req.path.startsWith('/')).toBe(true);
            expect(req.path.startsWith('//')).toBe(false);
            // eslint-disable-next-line no-control-regex -- control characters in a path are exactly what must be refused
            expect(req.path).not.toMatch(/[\\\u0000-\u001f\u007f]/);
            expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).toContain(req.method);
            for (const [name, value] of Object.entries(req.headers ?? {})) {
              expect(['authorization', 'cookie', 'host', 'content-length', 'transfer-encoding']).not.toContain(name.toLowerCase());
              // Finding 8: only the allow-listed kinds (negotiation, conditional, caching, tracing) get through.
              expect(name.toLowerCase()).toMatch(
                /^(accept|accept-language|content-type|content-language|cache-control|if-[a-z-]+|range|prefer|idempotency-key|x-request-id|x-correlation-id|traceparent|tracestate)$/,
              );
              expect(name.toLowerCase().startsWith('proxy-')).toBe(false);
              // eslint-disable-next-line no-control-regex -- CR, LF and NUL in a header value are exactly what must be refused
              expect(value).not.toMatch(/[\r\n\u0000]/);
            }
            for (const bag of [req.headers, req.query]) {
              for (const key of Object.keys(bag ?? {})) expect(['__proto__', 'constructor', 'prototype']).not.toContain(key);
            }
          }
        } catch (err) {
          assertTyped(err);
          expect((err as AuthError).code).toBe('invalid_request');
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      RUNS,
    );
    // Not vacuous: a good share of requests passed validation and met the invariants.
    expect(acceptedRequests).toBeGreaterThan(RUNS.numRuns * MIN_ACCEPTED);
  });
});

describe('fuzz: API URL resolver', () => {
  it('never leaves the allow-listed base (origin and path prefix, no userinfo), never throws untyped', () => {
    let resolved = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          hostileString.map((s) => `/${s}`),
          fc.webUrl(),
          fc.webPath(),
        ),
        fc.option(fc.dictionary(hostileString, hostileString, { maxKeys: 3 }), { nil: undefined }),
        fc.integer({ min: -1, max: 3 }),
        (p, query, api) => {
          try {
            const url = resolveApiUrl(BASES, p, query, api);
            resolved += 1;
            const base = new URL(BASES[api]!);
            expect(isWithinBase(url, base)).toBe(true);
            // An oracle independent of the resolver's own helper: same origin,
            // no userinfo, under the base path, and no dot segment even after
            // the decoding a proxy or server might apply (twice).
            expect(url.origin).toBe(base.origin);
            expect(url.username + url.password).toBe('');
            const prefix = base.pathname.replace(/\/+$/, '');
            expect(url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)).toBe(true);
            expect(hasDotSegment(url.pathname)).toBe(false);
          } catch (err) {
            assertTyped(err);
            expect((err as AuthError).code).toBe('host_not_allowed');
          }
        },
      ),
      RUNS,
    );
    expect(resolved).toBeGreaterThan(RUNS.numRuns * MIN_ACCEPTED);
  });
});

describe('fuzz: API redirect targets (finding 4)', () => {
  it('a redirect is followed only inside a base and never onto a dot segment, whatever the Location', () => {
    const from = new URL('https://api.example.com/v1/go');
    let followed = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          hostileString.map((s) => `/v1/${s}`),
          fc.webUrl(),
          fc.webPath().map((s) => `/v1${s}`),
        ),
        (location) => {
          let next: URL;
          try {
            next = new URL(location, from);
          } catch {
            return;
          }
          if (!isAllowedRedirect(location, next, BASES)) return;
          followed += 1;
          expect(BASES.some((b) => isWithinBase(next, new URL(b)))).toBe(true);
          expect(hasDotSegment(next.pathname)).toBe(false);
        },
      ),
      RUNS,
    );
    expect(followed).toBeGreaterThan(RUNS.numRuns * MIN_ACCEPTED);
  });
});

describe('fuzz: DPoP-Nonce and WWW-Authenticate parsing (RFC 9449 §8)', () => {
  const nqchar = fc.constantFrom(
    ...[0x21, ...Array.from({ length: 0x5b - 0x23 + 1 }, (_, i) => 0x23 + i), ...Array.from({ length: 0x7e - 0x5d + 1 }, (_, i) => 0x5d + i)].map((c) =>
      String.fromCharCode(c),
    ),
  );
  const validNonce = fc.array(nqchar, { minLength: 1, maxLength: 64 }).map((cs) => cs.join(''));
  const NONCE_GRAMMAR = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

  it('DPoP-Nonce: never throws; yields a nonce only when the header is one well-formed NQCHAR run, and yields it unchanged', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          validNonce,
          hostileString,
          validNonce.map((n) => ` ${n}\t`),
          fc.string({ unit: 'binary' }),
        ),
        (header) => {
          const nonce = parseDpopNonce(header);
          if (nonce === null) return;
          accepted += 1;
          expect(nonce).toMatch(NONCE_GRAMMAR);
          expect(nonce).toBe(header.trim());
        },
      ),
      RUNS,
    );
    expect(accepted).toBeGreaterThan(RUNS.numRuns * MIN_ACCEPTED);
    expect(parseDpopNonce(null)).toBeNull();
    expect(parseDpopNonce('a"b')).toBeNull();
  });

  // Challenges built from parts, so the oracle knows whether a DPoP use_dpop_nonce challenge is in there.
  const quoted = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const param = fc
    .tuple(
      fc.constantFrom('error', 'ERROR', 'realm', 'algs', 'error_description', 'scope'),
      fc.oneof(fc.constantFrom('use_dpop_nonce', 'invalid_token', 'ES256 EdDSA'), hostileString),
      fc.boolean(),
    )
    .map(([k, v, q]) => ({ k, v, text: `${k}=${q || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v) ? quoted(v) : v}` }));
  const challenge = fc.tuple(fc.constantFrom('DPoP', 'dpop', 'Bearer', 'Basic', 'Negotiate'), fc.array(param, { maxLength: 4 })).map(([scheme, params]) => {
    const first = new Map<string, string>();
    for (const p of params) if (!first.has(p.k.toLowerCase())) first.set(p.k.toLowerCase(), p.v);
    return {
      asks: scheme.toLowerCase() === 'dpop' && first.get('error') === 'use_dpop_nonce',
      text: params.length ? `${scheme} ${params.map((p) => p.text).join(', ')}` : scheme,
    };
  });

  it('WWW-Authenticate: never throws, and says "use a nonce" exactly when a DPoP challenge carries error=use_dpop_nonce', () => {
    let asked = 0;
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), fc.constantFrom(', ', ',', ' ,  '), (challenges, sep) => {
        const header = challenges.map((c) => c.text).join(sep);
        // Beyond 8 KiB nothing is parsed (a bound, not a grammar rule): no challenge is read then.
        const expected = header.length <= 8 * 1024 && challenges.some((c) => c.asks);
        expect(isUseDpopNonceChallenge(header)).toBe(expected);
        if (expected) asked += 1;
      }),
      RUNS,
    );
    expect(asked).toBeGreaterThan(RUNS.numRuns * MIN_ACCEPTED);
  });

  it('step-up and scope challenges: hostile input never throws; what is read is bounded and within the grammar', () => {
    const token = /^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/;
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          hostileString.map((s) => `Bearer error="insufficient_user_authentication", acr_values="${s}", max_age=${s}`),
          hostileString.map((s) => `DPoP error="insufficient_scope", scope="${s}"`),
        ),
        (header) => {
          const stepUp = insufficientUserAuthentication(header);
          if (stepUp) {
            for (const v of stepUp.acrValues ?? []) expect(v).toMatch(token);
            expect((stepUp.acrValues ?? []).length).toBeLessThanOrEqual(50);
            if (stepUp.maxAge !== undefined) expect(Number.isInteger(stepUp.maxAge) && stepUp.maxAge >= 0 && stepUp.maxAge <= 10 * 365 * 24 * 3600).toBe(true);
          }
          const scopes = insufficientScope(header);
          for (const v of scopes ?? []) expect(v).toMatch(token);
        },
      ),
      RUNS,
    );
  });

  it('WWW-Authenticate: hostile input never throws and returns well-formed challenges', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          fc.string({ unit: 'binary', maxLength: 300 }),
          hostileString.map((s) => `DPoP error="use_dpop_nonce" ${s}`),
        ),
        (header) => {
          const challenges = parseChallenges(header);
          for (const c of challenges) {
            expect(c.scheme).toMatch(/^[!#$%&'*+.^_`|~0-9a-z-]+$/);
            expect(Object.getPrototypeOf(c.params)).toBeNull();
          }
          expect(typeof isUseDpopNonceChallenge(header)).toBe('boolean');
        },
      ),
      RUNS,
    );
    expect(isUseDpopNonceChallenge(`DPoP error="use_dpop_nonce"${' '.repeat(9000)}`)).toBe(false);
    expect(isUseDpopNonceChallenge('Bearer error="use_dpop_nonce"')).toBe(false);
    expect(isUseDpopNonceChallenge('Bearer realm="x", DPoP algs="ES256", error="use_dpop_nonce"')).toBe(true);
  });

  it('resource_metadata (RFC 9728 §5.1): hostile input never throws; what it returns is an absolute http(s) URL of bounded length', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          fc.string({ unit: 'binary', maxLength: 300 }),
          hostileString.map((s) => `Bearer resource_metadata="${s}"`),
          fc.webUrl().map((u) => `Bearer error="invalid_token", resource_metadata="${u}"`),
        ),
        (header) => {
          const found = resourceMetadataChallenge(header);
          if (found !== null) {
            expect(found).toMatch(/^https?:\/\/./i);
            expect(found.length).toBeLessThanOrEqual(2048);
          }
        },
      ),
      RUNS,
    );
  });
});

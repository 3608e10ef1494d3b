/**
 * API resolution (apis.ts), what counts as consent required
 * (consent-errors.ts), and the refresh token's one home
 * (refresh-token-holder.ts). Formerly api-tokens.test.ts; the per-API token
 * cache tests moved to token-cache.test.ts with the cache.
 */
import { describe, expect, it } from 'vitest';
import { callTarget, findApi, providerApis, signInResources } from '../../main/auth/apis';
import { parseAppConfig } from '../../main/auth/config';
import { insufficientScope, missingScopes } from '../../main/auth/consent-errors';
import { AuthError } from '../../main/auth/errors';
import { RefreshTokenHolder, type GrantResult } from '../../main/auth/refresh-token-holder';
import { SIGN_IN } from '../../main/auth/token-cache';

const provider = parseAppConfig({
  scheme: 'com.example.desktop',
  providers: [
    {
      id: 'p',
      displayName: 'P',
      issuer: 'https://idp.example.com',
      clientId: 'c',
      scopes: ['openid', 'offline_access', 'a:read'],
      apiBaseUrls: ['https://legacy.example.com/api'],
      apis: [
        { id: 'a', baseUrl: 'https://a.example.com', resource: 'https://a.example.com', scopes: ['a:read'] },
        { id: 'b', baseUrl: 'https://b.example.com', audience: 'urn:b', scopes: ['b:read'] },
        { id: 'plain', baseUrl: 'https://plain.example.com' },
      ],
    },
  ],
}).providers[0]!;

describe('API entries', () => {
  it('apiBaseUrls keep their indexes; declared APIs follow and are found by id', () => {
    expect(providerApis(provider).map((a) => [a.key, a.ownToken])).toEqual([
      ['#0', false],
      ['a', true],
      ['b', true],
      ['plain', false],
    ]);
    expect(findApi(provider, undefined).baseUrl).toBe('https://legacy.example.com/api');
    expect(findApi(provider, 'b').entry?.audience).toBe('urn:b');
    expect(() => findApi(provider, 'nope')).toThrow(expect.objectContaining({ code: 'host_not_allowed' }));
    expect(() => findApi(provider, 9)).toThrow(expect.objectContaining({ code: 'host_not_allowed' }));
  });

  it('an API with its own token may go only to its own base URL; the others share the sign-in token and its base URLs', () => {
    expect(callTarget(provider, findApi(provider, 'a'))).toEqual({ baseUrls: ['https://a.example.com'], index: 0, tokenKey: 'a' });
    expect(callTarget(provider, findApi(provider, 'plain'))).toEqual({
      baseUrls: ['https://legacy.example.com/api', 'https://plain.example.com'],
      index: 1,
      tokenKey: SIGN_IN,
    });
  });

  it('a sign-in asks for the resources whose scopes it asks for, and nothing else', () => {
    expect(signInResources(provider)).toEqual(['https://a.example.com']);
  });

  it('a token response whose scope lacks what the API needs is missing those scopes; an absent scope means all', () => {
    const b = findApi(provider, 'b').entry!;
    expect(missingScopes(b, 'openid')).toEqual(['b:read']);
    expect(missingScopes(b, 'b:read openid')).toEqual([]);
    expect(missingScopes(b, undefined)).toEqual([]);
  });

  it('reads an RFC 6750 insufficient_scope challenge and nothing else', () => {
    expect(insufficientScope('Bearer realm="x", error="insufficient_scope", scope="a:read b:write"')).toEqual(['a:read', 'b:write']);
    expect(insufficientScope('Bearer error="insufficient_scope"')).toEqual([]);
    expect(insufficientScope('Bearer error="invalid_token"')).toBeNull();
    expect(insufficientScope('Basic realm="x", error="insufficient_scope"')).toBeNull();
    expect(insufficientScope(undefined)).toBeNull();
  });

  it('config refuses a duplicate API id and a resource with a fragment', () => {
    const bad = (apis: unknown[]) => () =>
      parseAppConfig({
        scheme: 'com.example.desktop',
        providers: [{ id: 'p', displayName: 'P', issuer: 'https://i.example', clientId: 'c', scopes: ['openid'], apis }],
      });
    expect(
      bad([
        { id: 'a', baseUrl: 'https://a.example' },
        { id: 'a', baseUrl: 'https://b.example' },
      ]),
    ).toThrow(/duplicate API id/);
    expect(bad([{ id: 'a', baseUrl: 'https://a.example', resource: 'https://a.example/#x' }])).toThrow(/resource must be an absolute URI/);
    expect(bad([{ id: 'a', baseUrl: 'https://a.example' }])).not.toThrow();
  });
});

describe('RefreshTokenHolder', () => {
  it('runs grants one at a time, each with the refresh token the previous one rotated to, persisted before use', async () => {
    const sent: string[] = [];
    const persisted: string[] = [];
    const asked: (string | undefined)[] = [];
    let n = 0;
    const holder = new RefreshTokenHolder('rt0', {
      grant: async (rt, params, api): Promise<GrantResult> => {
        sent.push(rt);
        asked.push(api ?? params?.scope);
        await new Promise((r) => setTimeout(r, 5));
        n += 1;
        return { ok: true, tokens: { accessToken: `at${n}`, tokenType: 'Bearer', refreshToken: `rt${n}` } };
      },
      persist: (rt) => persisted.push(rt),
    });
    const results = await Promise.all([holder.run({ scope: 'a' }, 'a'), holder.run({ scope: 'b' }, 'b'), holder.run()]);
    expect(sent).toEqual(['rt0', 'rt1', 'rt2']);
    expect(persisted).toEqual(['rt1', 'rt2', 'rt3']);
    expect(results.map((r) => r.ok && r.tokens.refreshToken)).toEqual(['rt1', 'rt2', 'rt3']);
    expect(holder.current).toBe('rt3');
    expect(asked).toEqual(['a', 'b', undefined]);
  });

  it('a failed grant resolves with its verdict and does not block the next one', async () => {
    let fail = true;
    const down = new AuthError('network_error');
    const holder = new RefreshTokenHolder('rt', {
      grant: () => {
        if (fail) return Promise.resolve({ ok: false, verdict: { kind: 'transient', error: down } });
        return Promise.resolve({ ok: true, tokens: { accessToken: 'at', tokenType: 'Bearer' } });
      },
      persist: () => {},
    });
    await expect(holder.run()).resolves.toEqual({ ok: false, verdict: { kind: 'transient', error: down } });
    fail = false;
    await expect(holder.run()).resolves.toMatchObject({ ok: true, tokens: { accessToken: 'at', refreshToken: 'rt' } });
  });

  it('without a refresh token a grant is an ended verdict (invalid_grant), never sent', async () => {
    let sent = 0;
    const holder = new RefreshTokenHolder(undefined, {
      grant: () => {
        sent += 1;
        return Promise.resolve({ ok: true, tokens: { accessToken: 'at', tokenType: 'Bearer' } });
      },
      persist: () => {},
    });
    await expect(holder.run()).resolves.toMatchObject({ ok: false, verdict: { kind: 'ended', error: { code: 'invalid_grant' } } });
    expect(sent).toBe(0);
  });

  /** A holder whose grants answer (rotating rt0 → rt1, with at1) only when the test says so. */
  function heldHolder() {
    const answers: (() => void)[] = [];
    const sent: string[] = [];
    const persisted: string[] = [];
    let n = 0;
    const holder = new RefreshTokenHolder('rt0', {
      grant: async (rt): Promise<GrantResult> => {
        sent.push(rt);
        await new Promise<void>((resolve) => answers.push(resolve));
        n += 1;
        return { ok: true, tokens: { accessToken: `at${n}`, tokenType: 'Bearer', refreshToken: `rt${n}` } };
      },
      persist: (rt) => persisted.push(rt),
    });
    return { holder, answers, sent, persisted };
  }
  const outcome = (p: Promise<unknown>) =>
    p.then(
      (value) => ({ value }),
      (err: unknown) => err,
    );
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('end() during a rotating grant resolves after it with the rotated token (and the consumed one); nothing is persisted or handed out', async () => {
    const { holder, answers, sent, persisted } = heldHolder();
    const inFlight = outcome(holder.run());
    const queued = outcome(holder.run({ scope: 'contacts:read' }, 'contacts'));
    await tick();
    let ended: unknown;
    const ending = holder.end(5_000).then((left) => (ended = left));
    await tick();
    expect(ended).toBeUndefined();
    answers[0]!();
    await ending;
    expect(ended).toEqual({ refreshToken: 'rt1', replaced: ['rt0'], accessTokens: ['at1'] });
    expect(await inFlight).toMatchObject({ code: 'not_signed_in' });
    // The grant queued behind it never goes out.
    expect(await queued).toMatchObject({ code: 'not_signed_in' });
    expect(sent).toEqual(['rt0']);
    expect(persisted).toEqual([]);
    expect(await outcome(holder.run())).toMatchObject({ code: 'not_signed_in' });
    holder.replace('rt-consent');
    expect(holder.current).toBe('rt1');
  });

  it('end() with no grant in flight resolves at once with the current token', async () => {
    const { holder } = heldHolder();
    await expect(holder.end(60_000)).resolves.toEqual({ refreshToken: 'rt0', replaced: [], accessTokens: [] });
  });

  it('end() waits no longer than its bound; a grant that answers later hands its tokens to late()', async () => {
    const { holder, answers, persisted } = heldHolder();
    const inFlight = outcome(holder.run());
    await tick();
    const late: unknown[] = [];
    const started = Date.now();
    await expect(holder.end(50, (left) => late.push(left))).resolves.toEqual({ refreshToken: 'rt0', replaced: [], accessTokens: [] });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(late).toEqual([]);
    answers[0]!();
    expect(await inFlight).toMatchObject({ code: 'not_signed_in' });
    expect(late).toEqual([{ refreshToken: 'rt1', replaced: ['rt0'], accessTokens: ['at1'] }]);
    expect(persisted).toEqual([]);
  });
});

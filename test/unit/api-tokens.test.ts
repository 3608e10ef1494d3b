import { describe, expect, it } from 'vitest';
import { ApiTokens, RefreshTokenHolder, findApi, missingScopes, providerApis, signInResources } from '../../main/auth/api-tokens';
import { parseAppConfig } from '../../main/auth/config';
import { AuthError } from '../../main/auth/errors';

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

  it('a sign-in asks for the resources whose scopes it asks for, and nothing else', () => {
    expect(signInResources(provider)).toEqual(['https://a.example.com']);
  });

  it('a token response whose scope lacks what the API needs is missing those scopes; an absent scope means all', () => {
    const b = findApi(provider, 'b').entry!;
    expect(missingScopes(b, 'openid')).toEqual(['b:read']);
    expect(missingScopes(b, 'b:read openid')).toEqual([]);
    expect(missingScopes(b, undefined)).toEqual([]);
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
    let n = 0;
    const holder = new RefreshTokenHolder('rt0', {
      grant: async (rt) => {
        sent.push(rt);
        await new Promise((r) => setTimeout(r, 5));
        n += 1;
        return { accessToken: `at${n}`, tokenType: 'Bearer', refreshToken: `rt${n}` };
      },
      persist: (rt) => persisted.push(rt),
    });
    const results = await Promise.all([holder.run('a', { scope: 'a' }), holder.run('b', { scope: 'b' }), holder.run('')]);
    expect(sent).toEqual(['rt0', 'rt1', 'rt2']);
    expect(persisted).toEqual(['rt1', 'rt2', 'rt3']);
    expect(results.map((r) => r.refreshToken)).toEqual(['rt1', 'rt2', 'rt3']);
    expect(holder.current).toBe('rt3');
    expect(Object.fromEntries(holder.grants)).toEqual({ a: 1, b: 1, '': 1 });
  });

  it('a failed grant does not block the next one', async () => {
    let fail = true;
    const holder = new RefreshTokenHolder('rt', {
      grant: () => {
        if (fail) return Promise.reject(new Error('down'));
        return Promise.resolve({ accessToken: 'at', tokenType: 'Bearer' });
      },
      persist: () => {},
    });
    await expect(holder.run('a')).rejects.toThrow('down');
    fail = false;
    await expect(holder.run('a')).resolves.toMatchObject({ accessToken: 'at', refreshToken: 'rt' });
  });

  /** A holder whose grants answer (rotating rt0 → rt1, with at1) only when the test says so. */
  function heldHolder() {
    const answers: (() => void)[] = [];
    const sent: string[] = [];
    const persisted: string[] = [];
    let n = 0;
    const holder = new RefreshTokenHolder('rt0', {
      grant: async (rt) => {
        sent.push(rt);
        await new Promise<void>((resolve) => answers.push(resolve));
        n += 1;
        return { accessToken: `at${n}`, tokenType: 'Bearer', refreshToken: `rt${n}` };
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
    const inFlight = outcome(holder.run(''));
    const queued = outcome(holder.run('contacts', { scope: 'contacts:read' }));
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
    expect(await outcome(holder.run(''))).toMatchObject({ code: 'not_signed_in' });
    holder.replace('rt-consent');
    expect(holder.current).toBe('rt1');
  });

  it('end() with no grant in flight resolves at once with the current token', async () => {
    const { holder } = heldHolder();
    await expect(holder.end(60_000)).resolves.toEqual({ refreshToken: 'rt0', replaced: [], accessTokens: [] });
  });

  it('end() waits no longer than its bound; a grant that answers later hands its tokens to late()', async () => {
    const { holder, answers, persisted } = heldHolder();
    const inFlight = outcome(holder.run(''));
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

describe('ApiTokens', () => {
  it('200 concurrent calls on one API with an expired token → one acquisition; another API is not held by it', async () => {
    let now = 0;
    const acquired: string[] = [];
    const gates = new Map<string, () => void>();
    const tokens = new ApiTokens({
      clock: () => now,
      refreshSkewMs: 0,
      backoff: { baseMs: 1_000, maxMs: 1_000 },
      acquire: async (api) => {
        const n = acquired.push(api.key);
        if (api.key === 'a') await new Promise<void>((r) => gates.set('a', r));
        return { bearer: { token: `${api.key}-${n}`, type: 'Bearer' }, expiresAt: now + 1000 };
      },
    });
    const a = findApi(provider, 'a');
    const b = findApi(provider, 'b');
    const storm = Promise.all(Array.from({ length: 200 }, () => tokens.token(a)));
    await expect(tokens.token(b)).resolves.toMatchObject({ token: 'b-2' });
    gates.get('a')!();
    expect(new Set((await storm).map((t) => t.token))).toEqual(new Set(['a-1']));
    expect(acquired).toEqual(['a', 'b']);
    // Cached until expiry; a rejected token is replaced; after end() nothing is handed out.
    await expect(tokens.token(a)).resolves.toMatchObject({ token: 'a-1' });
    now = 2000;
    const again = tokens.token(a);
    gates.get('a')!();
    await expect(again).resolves.toMatchObject({ token: 'a-3' });
    expect(tokens.end()).toEqual(expect.arrayContaining(['a-3', 'b-2']));
    await expect(tokens.token(b)).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('a passing failure backs that API off: calls fail fast with the same error until the delay, Retry-After is honoured, a success resets it', async () => {
    let now = 0;
    const acquired: string[] = [];
    let answer: 'down' | 'busy' | 'up' = 'down';
    const down = new AuthError('server_error', 'The identity provider is having trouble.');
    const busy = new AuthError('server_error', 'The identity provider is busy. The app will try again shortly.');
    const tokens = new ApiTokens({
      clock: () => now,
      refreshSkewMs: 0,
      // The first window is between half and the full base step (jitter); the second twice that.
      backoff: { baseMs: 1_000, maxMs: 100_000 },
      acquire: (api) => {
        acquired.push(api.key);
        if (answer === 'down') return Promise.resolve({ transient: down });
        if (answer === 'busy') return Promise.resolve({ transient: busy, retryAfterMs: 60_000 });
        return Promise.resolve({ bearer: { token: `${api.key}-${acquired.length}`, type: 'Bearer' }, expiresAt: now + 100_000 });
      },
    });
    const a = findApi(provider, 'a');
    const b = findApi(provider, 'b');
    for (let i = 0; i < 20; i += 1) await expect(tokens.token(a)).rejects.toBe(down);
    expect(acquired).toEqual(['a']);
    // Another API of the account is not held by it.
    answer = 'up';
    await expect(tokens.token(b)).resolves.toMatchObject({ token: 'b-2' });
    now = 499;
    await expect(tokens.token(a)).rejects.toBe(down);
    expect(acquired).toEqual(['a', 'b']);
    // After the delay, one grant again; the server's Retry-After then keeps it off longer than the backoff would.
    now = 1_000;
    answer = 'busy';
    await expect(tokens.token(a)).rejects.toBe(busy);
    now = 60_999;
    await expect(tokens.token(a)).rejects.toBe(busy);
    expect(acquired).toEqual(['a', 'b', 'a']);
    now = 61_000;
    answer = 'up';
    await expect(tokens.token(a)).resolves.toMatchObject({ token: 'a-4' });
    // A success resets it: the next failure waits the first step again, not the third (2–4 s).
    tokens.expireAll();
    answer = 'down';
    await expect(tokens.token(a)).rejects.toBe(down);
    now += 1_000;
    answer = 'up';
    await expect(tokens.token(a)).resolves.toMatchObject({ token: 'a-6' });
    // A thrown error (a refusal, consent) is not backed off: the next call asks again.
    const refused = new ApiTokens({
      clock: () => now,
      refreshSkewMs: 0,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      acquire: () => {
        acquired.push('refused');
        return Promise.reject(new AuthError('consent_required'));
      },
    });
    await expect(refused.token(a)).rejects.toMatchObject({ code: 'consent_required' });
    await expect(refused.token(a)).rejects.toMatchObject({ code: 'consent_required' });
    expect(acquired.filter((k) => k === 'refused')).toHaveLength(2);
  });

  it('end() clears the backoff: nothing is answered from it afterwards', async () => {
    const tokens = new ApiTokens({
      clock: () => 0,
      refreshSkewMs: 0,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      acquire: () => Promise.resolve({ transient: new AuthError('network_error') }),
    });
    const a = findApi(provider, 'a');
    await expect(tokens.token(a)).rejects.toMatchObject({ code: 'network_error' });
    tokens.end();
    await expect(tokens.token(a)).rejects.toMatchObject({ code: 'not_signed_in' });
  });
});

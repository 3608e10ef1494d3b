/**
 * The one token cache (token-cache.ts): the sign-in token and every API's own
 * token under the same rules — freshness, single flight, backoff,
 * connectivity — keyed by (account, API). Formerly TokenSession and ApiTokens.
 */
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../main/auth/errors';
import type { GrantVerdict } from '../../main/auth/refresh-outcome';
import { SIGN_IN, TokenCache, type Acquired, type TokenSource } from '../../main/auth/token-cache';

type Answer = { token: string; expiresAt?: number } | GrantVerdict | Error;

function setup(opts: { backoff?: { baseMs: number; maxMs: number }; signIn?: boolean } = {}) {
  let now = 1_000_000;
  const ended: AuthError[] = [];
  const signals: boolean[] = [];
  const acquired: string[] = [];
  /** What the next grant of a key answers (default: a fresh token per grant). */
  const answers = new Map<string, () => Answer | Promise<Answer>>();
  const cache = new TokenCache({ clock: () => now, logger: () => {}, refreshSkewMs: 30_000, backoff: opts.backoff ?? { baseMs: 1_000, maxMs: 8_000 } });
  const source: TokenSource = {
    providerId: 'p',
    acquire: async (api): Promise<Acquired> => {
      const n = acquired.push(api);
      await new Promise((r) => setTimeout(r, 1));
      const answer = await (answers.get(api) ?? (() => ({ token: `${api || 'at'}-${n}`, expiresAt: now + 300_000 })))();
      if (answer instanceof Error) throw answer;
      if ('kind' in answer) return { ok: false, verdict: answer };
      return { ok: true, bearer: { token: answer.token, type: 'Bearer' }, ...(answer.expiresAt !== undefined ? { expiresAt: answer.expiresAt } : {}) };
    },
    onEnded: (err) => ended.push(err),
    onConnectivity: (offline) => signals.push(offline),
  };
  cache.open('acc', source, opts.signIn === false ? undefined : { bearer: { token: 'at-0', type: 'Bearer' }, expiresAt: now + 300_000 });
  return {
    cache,
    answers,
    acquired,
    ended,
    signals,
    token: (api = SIGN_IN, rejected?: string) => cache.token('acc', api, rejected),
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
}

const transient = (error: AuthError, retryAfterMs?: number): GrantVerdict => ({
  kind: 'transient',
  error,
  ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
});

describe('TokenCache: the sign-in token', () => {
  it('returns the token in hand while it is fresh', async () => {
    const t = setup();
    await expect(t.token()).resolves.toEqual({ token: 'at-0', type: 'Bearer' });
    expect(t.acquired).toEqual([]);
  });

  it('refreshes inside the skew window before expiry', async () => {
    const t = setup();
    t.advance(300_000 - 29_000);
    await expect(t.token()).resolves.toMatchObject({ token: 'at-1' });
  });

  it('100 concurrent callers with an expired token share one grant', async () => {
    const t = setup();
    t.advance(400_000);
    const results = await Promise.all(Array.from({ length: 100 }, () => t.token()));
    expect(t.acquired).toHaveLength(1);
    expect(new Set(results.map((r) => r.token))).toEqual(new Set(['at-1']));
  });

  it('a 401-rejected token is refreshed once even when many callers report it', async () => {
    const t = setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => t.token(SIGN_IN, 'at-0')));
    expect(t.acquired).toHaveLength(1);
    expect(results.every((r) => r.token === 'at-1')).toBe(true);
    // A stale report about the old token after the refresh does not refresh again.
    await t.token(SIGN_IN, 'at-0');
    expect(t.acquired).toHaveLength(1);
  });

  it('an ended verdict ends the account and reports it once', async () => {
    const t = setup();
    t.answers.set(SIGN_IN, () => ({ kind: 'ended', error: new AuthError('invalid_grant') }));
    t.advance(400_000);
    const all = await Promise.allSettled(Array.from({ length: 10 }, () => t.token()));
    expect(all.every((r) => r.status === 'rejected' && (r.reason as AuthError).code === 'invalid_grant')).toBe(true);
    expect(t.ended).toHaveLength(1);
    await expect(t.token()).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('a server_error keeps the account, shown offline, backed off, online again on success', async () => {
    const t = setup();
    t.answers.set(SIGN_IN, () => transient(new AuthError('server_error')));
    t.advance(400_000);
    await expect(t.token()).rejects.toMatchObject({ code: 'server_error' });
    expect(t.cache.isOffline('acc')).toBe(true);
    t.answers.delete(SIGN_IN);
    // Inside the backoff window the last failure is answered without asking the provider again.
    await expect(t.token()).rejects.toMatchObject({ code: 'server_error' });
    expect(t.acquired).toHaveLength(1);
    t.advance(10 * 60_000);
    await expect(t.token()).resolves.toMatchObject({ token: 'at-2' });
    expect(t.cache.isOffline('acc')).toBe(false);
    expect(t.signals).toEqual([true, false]);
    expect(t.ended).toHaveLength(0);
  });

  it('transient failures back off: one grant per window however many calls, delays grow and are capped', async () => {
    const t = setup({ backoff: { baseMs: 1_000, maxMs: 8_000 } });
    t.answers.set(SIGN_IN, () => transient(new AuthError('network_error')));
    t.advance(400_000);
    for (let round = 0; round < 6; round += 1) {
      const before = t.now();
      let blockedUntil = before;
      for (let i = 0; i < 50; i += 1) await t.token().catch(() => {});
      // Find the end of this window: the first millisecond a call goes out again.
      while (t.acquired.length === round + 1 && blockedUntil - before <= 8_000) {
        blockedUntil += 250;
        t.advance(250);
        await t.token().catch(() => {});
      }
      const delay = blockedUntil - before;
      if (round < 3) expect(delay).toBeGreaterThanOrEqual(500 * 2 ** round);
      expect(delay).toBeLessThanOrEqual(8_250);
    }
    expect(t.acquired.length).toBeLessThanOrEqual(7);
    t.answers.delete(SIGN_IN);
    t.advance(10_000);
    await expect(t.token()).resolves.toMatchObject({ token: expect.stringMatching(/^at-/) as unknown as string });
    expect(t.signals.at(-1)).toBe(false);
    t.cache.dispose();
  });

  it('a grant that lands after end() does not resurrect the account', async () => {
    const t = setup();
    let release!: () => void;
    t.answers.set(
      SIGN_IN,
      () =>
        new Promise<Answer>(
          (resolve) =>
            (release = () => {
              resolve({ token: 'late' });
            }),
        ),
    );
    t.advance(400_000);
    const pending = t.token();
    await new Promise((r) => setTimeout(r, 5));
    expect(t.cache.end('acc')).toEqual({ signIn: 'at-0', apis: [] });
    release();
    await expect(pending).rejects.toMatchObject({ code: 'not_signed_in' });
    await expect(t.token()).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('a rejection from the source (e.g. not_signed_in) is passed on unchanged and not backed off', async () => {
    const t = setup({ signIn: false });
    const refused = new AuthError('invalid_config');
    t.answers.set(SIGN_IN, () => refused);
    await expect(t.token()).rejects.toBe(refused);
    await expect(t.token()).rejects.toBe(refused);
    expect(t.acquired).toHaveLength(2);
  });
});

describe('TokenCache: an API’s own token', () => {
  it('200 concurrent calls on one API → one grant; another API of the account is not held by it', async () => {
    const t = setup();
    let openA!: () => void;
    t.answers.set(
      'a',
      () =>
        new Promise<Answer>(
          (resolve) =>
            (openA = () => {
              resolve({ token: 'a-1', expiresAt: t.now() + 100_000 });
            }),
        ),
    );
    const storm = Promise.all(Array.from({ length: 200 }, () => t.token('a')));
    await expect(t.token('b')).resolves.toMatchObject({ token: 'b-2' });
    await new Promise((r) => setTimeout(r, 5));
    openA();
    expect(new Set((await storm).map((x) => x.token))).toEqual(new Set(['a-1']));
    expect(t.acquired).toEqual(['a', 'b']);
    // Cached until expiry; after end() the cached tokens are handed over for revocation and nothing is handed out.
    await expect(t.token('a')).resolves.toMatchObject({ token: 'a-1' });
    t.answers.delete('a');
    t.advance(200_000);
    await expect(t.token('a')).resolves.toMatchObject({ token: 'a-3' });
    const left = t.cache.end('acc');
    expect(left.signIn).toBe('at-0');
    expect([...left.apis].sort()).toEqual(['a-3', 'b-2']);
    await expect(t.token('b')).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('a passing failure backs that API off (Retry-After honoured), without touching the account’s connectivity; a success resets it', async () => {
    const t = setup({ backoff: { baseMs: 1_000, maxMs: 100_000 } });
    const down = new AuthError('server_error', 'The identity provider is having trouble.');
    const busy = new AuthError('server_error', 'The identity provider is busy. The app will try again shortly.');
    t.answers.set('a', () => transient(down));
    for (let i = 0; i < 20; i += 1) await expect(t.token('a')).rejects.toBe(down);
    expect(t.acquired).toEqual(['a']);
    expect(t.cache.isOffline('acc')).toBe(false);
    expect(t.signals).toEqual([]);
    await expect(t.token('b')).resolves.toMatchObject({ token: 'b-2' });
    t.advance(499);
    await expect(t.token('a')).rejects.toBe(down);
    t.advance(501);
    t.answers.set('a', () => transient(busy, 60_000));
    await expect(t.token('a')).rejects.toBe(busy);
    t.advance(59_999);
    await expect(t.token('a')).rejects.toBe(busy);
    expect(t.acquired).toEqual(['a', 'b', 'a']);
    t.advance(1);
    t.answers.delete('a');
    await expect(t.token('a')).resolves.toMatchObject({ token: 'a-4' });
    // A success resets it: the next failure waits the first step again.
    t.cache.forget('acc', 'a');
    t.answers.set('a', () => transient(down));
    await expect(t.token('a')).rejects.toBe(down);
    t.advance(1_000);
    t.answers.delete('a');
    await expect(t.token('a')).resolves.toMatchObject({ token: 'a-6' });
  });

  it('a consent verdict is not backed off: the next call asks again', async () => {
    const t = setup();
    t.answers.set('a', () => ({ kind: 'consent', error: new AuthError('consent_required', undefined, { api: 'a' }) }));
    await expect(t.token('a')).rejects.toMatchObject({ code: 'consent_required' });
    await expect(t.token('a')).rejects.toMatchObject({ code: 'consent_required' });
    expect(t.acquired).toEqual(['a', 'a']);
  });

  it('an ended verdict on an API’s grant ends the whole account', async () => {
    const t = setup();
    t.answers.set('a', () => ({ kind: 'ended', error: new AuthError('session_ended') }));
    await expect(t.token('a')).rejects.toMatchObject({ code: 'session_ended' });
    expect(t.ended).toHaveLength(1);
    await expect(t.token()).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('end() clears the backoff: nothing is answered from it afterwards', async () => {
    const t = setup({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
    t.answers.set('a', () => transient(new AuthError('network_error')));
    await expect(t.token('a')).rejects.toMatchObject({ code: 'network_error' });
    t.cache.end('acc');
    await expect(t.token('a')).rejects.toMatchObject({ code: 'not_signed_in' });
  });
});

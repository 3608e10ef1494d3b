import { describe, expect, it } from 'vitest';
import { AuthError } from '../../main/auth/errors';
import { TokenSession, type TokenSessionDeps, type TokenSet } from '../../main/auth/token-session';

function setup(overrides: Partial<TokenSessionDeps> = {}, tokens: Partial<TokenSet> = {}) {
  let now = 1_000_000;
  const persisted: string[] = [];
  const rejected: AuthError[] = [];
  let grants = 0;
  const deps: TokenSessionDeps = {
    clock: () => now,
    logger: () => {},
    refreshSkewMs: 30_000,
    refreshGrant: async (rt) => {
      grants += 1;
      await new Promise((r) => setTimeout(r, 5));
      return { accessToken: `at-${grants}`, tokenType: 'Bearer', expiresAt: now + 300_000, refreshToken: `${rt}+` };
    },
    persistRefreshToken: (rt) => persisted.push(rt),
    onRefreshRejected: (err) => rejected.push(err),
    ...overrides,
  };
  const session = new TokenSession(
    'p',
    { sub: 'u' },
    { accessToken: 'at-0', tokenType: 'Bearer', expiresAt: now + 300_000, refreshToken: 'rt', ...tokens },
    deps,
  );
  return { session, persisted, rejected, grants: () => grants, advance: (ms: number) => (now += ms) };
}

describe('TokenSession', () => {
  it('returns the in-memory token while it is fresh', async () => {
    const t = setup();
    await expect(t.session.accessToken()).resolves.toEqual({ token: 'at-0', type: 'Bearer' });
    expect(t.grants()).toBe(0);
  });

  it('refreshes inside the skew window before expiry', async () => {
    const t = setup();
    t.advance(300_000 - 29_000);
    await expect(t.session.accessToken()).resolves.toMatchObject({ token: 'at-1' });
  });

  it('100 concurrent callers with an expired token share one refresh', async () => {
    const t = setup();
    t.advance(400_000);
    const results = await Promise.all(Array.from({ length: 100 }, () => t.session.accessToken()));
    expect(t.grants()).toBe(1);
    expect(new Set(results.map((r) => r.token))).toEqual(new Set(['at-1']));
  });

  it('persists a rotated refresh token before handing out the new access token', async () => {
    const order: string[] = [];
    const t = setup({
      persistRefreshToken: (rt) => order.push(`persist:${rt}`),
      refreshGrant: () => Promise.resolve({ accessToken: 'new', tokenType: 'Bearer', refreshToken: 'rt2' }),
    });
    t.advance(400_000);
    const got = await t.session.accessToken();
    order.push(`use:${got.token}`);
    expect(order).toEqual(['persist:rt2', 'use:new']);
    expect(t.session.refreshToken).toBe('rt2');
  });

  it('a 401-rejected token is refreshed once even when many callers report it', async () => {
    const t = setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => t.session.accessToken('at-0')));
    expect(t.grants()).toBe(1);
    expect(results.every((r) => r.token === 'at-1')).toBe(true);
    // A stale report about the old token after the refresh does not refresh again.
    await t.session.accessToken('at-0');
    expect(t.grants()).toBe(1);
  });

  it('invalid_grant ends the session and reports it once', async () => {
    const t = setup({ refreshGrant: async () => Promise.reject(new AuthError('invalid_grant')) });
    t.advance(400_000);
    const all = await Promise.allSettled(Array.from({ length: 10 }, () => t.session.accessToken()));
    expect(all.every((r) => r.status === 'rejected' && (r.reason as AuthError).code === 'invalid_grant')).toBe(true);
    expect(t.rejected).toHaveLength(1);
    expect(t.session.ended).toBe(true);
    await expect(t.session.accessToken()).rejects.toMatchObject({ code: 'not_signed_in' });
  });

  it('a server_error during refresh keeps the session', async () => {
    let fail = true;
    const t = setup({
      refreshGrant: () => {
        if (fail) return Promise.reject(new AuthError('server_error'));
        return Promise.resolve({ accessToken: 'ok', tokenType: 'Bearer' });
      },
    });
    t.advance(400_000);
    await expect(t.session.accessToken()).rejects.toMatchObject({ code: 'server_error' });
    expect(t.session.ended).toBe(false);
    expect(t.session.offline).toBe(true);
    fail = false;
    // Inside the backoff window the last failure is answered without asking the provider again.
    await expect(t.session.accessToken()).rejects.toMatchObject({ code: 'server_error' });
    t.advance(10 * 60_000);
    await expect(t.session.accessToken()).resolves.toMatchObject({ token: 'ok' });
    expect(t.session.offline).toBe(false);
    expect(t.rejected).toHaveLength(0);
  });

  it('transient failures back off: no tight loop, growing jittered delays, online again on success', async () => {
    let fail = true;
    let grants = 0;
    const signals: [boolean, number | null][] = [];
    const t = setup({
      backoff: { baseMs: 1_000, maxMs: 8_000 },
      onConnectivity: (offline, retryInMs) => signals.push([offline, retryInMs]),
      refreshGrant: () => {
        grants += 1;
        if (fail) return Promise.reject(new AuthError('network_error'));
        return Promise.resolve({ accessToken: 'ok', tokenType: 'Bearer' });
      },
    });
    t.advance(400_000);
    for (let round = 0; round < 6; round += 1) {
      // A caller hammering accessToken() gets one grant per backoff window, not one per call.
      for (let i = 0; i < 50; i += 1) await t.session.accessToken().catch(() => {});
      t.advance(signals.at(-1)![1]!);
    }
    expect(grants).toBe(6);
    const delays = signals.map(([, d]) => d!);
    expect(delays.slice(0, 3).every((d, i) => d >= 500 * 2 ** i && d <= 1_000 * 2 ** i)).toBe(true);
    expect(Math.max(...delays)).toBeLessThanOrEqual(8_000);
    fail = false;
    await expect(t.session.accessToken()).resolves.toMatchObject({ token: 'ok' });
    expect(signals.at(-1)).toEqual([false, null]);
  });

  it('a refresh that lands after sign-out does not resurrect the session', async () => {
    let release!: () => void;
    const t = setup({
      refreshGrant: () =>
        new Promise(
          (resolve) =>
            (release = () => {
              resolve({ accessToken: 'late', tokenType: 'Bearer', refreshToken: 'late-rt' });
            }),
        ),
    });
    t.advance(400_000);
    const pending = t.session.accessToken();
    await new Promise((r) => setTimeout(r, 1));
    t.session.end();
    release();
    await expect(pending).rejects.toMatchObject({ code: 'not_signed_in' });
    expect(t.persisted).toEqual([]);
    expect(t.session.refreshToken).toBeUndefined();
  });

  it('without a refresh token an expired session ends with invalid_grant', async () => {
    const t = setup({}, { refreshToken: undefined });
    t.advance(400_000);
    await expect(t.session.accessToken()).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(t.rejected).toHaveLength(1);
  });
});

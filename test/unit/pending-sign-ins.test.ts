import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError } from '../../main/auth/errors';
import { PendingSignIns } from '../../main/auth/pending-sign-ins';

const base = { providerId: 'p', codeVerifier: 'v' as string, nonce: 'n' as string | undefined, redirectUri: 'com.example.desktop:/callback' };

afterEach(() => vi.useRealTimers());

describe('PendingSignIns', () => {
  it('a state can be taken exactly once', async () => {
    const reg = new PendingSignIns<string>(1000);
    const entry = reg.add({ ...base, state: 's1' });
    const first = reg.take('s1');
    expect(first?.codeVerifier).toBe('v');
    expect(reg.take('s1')).toBeUndefined();
    first!.settle({ value: 'ok' });
    await expect(entry.promise).resolves.toBe('ok');
    expect(reg.size).toBe(0);
  });

  it('each state keeps its own verifier', () => {
    const reg = new PendingSignIns<string>(1000);
    reg.add({ ...base, state: 'a', codeVerifier: 'va' });
    reg.add({ ...base, state: 'b', codeVerifier: 'vb' });
    expect(reg.take('b')?.codeVerifier).toBe('vb');
    expect(reg.take('a')?.codeVerifier).toBe('va');
  });

  it('times out with sign_in_timeout and forgets the state', async () => {
    vi.useFakeTimers();
    const reg = new PendingSignIns<string>(5000);
    const entry = reg.add({ ...base, state: 's' });
    vi.advanceTimersByTime(5001);
    await expect(entry.promise).rejects.toMatchObject({ code: 'sign_in_timeout' });
    expect(reg.take('s')).toBeUndefined();
  });

  it('failAll ends every pending sign-in with the given code', async () => {
    const reg = new PendingSignIns<string>(1000);
    const a = reg.add({ ...base, state: 'a' });
    const b = reg.add({ ...base, state: 'b' });
    expect(reg.failAll(new AuthError('sign_in_cancelled'))).toBe(2);
    await expect(a.promise).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    await expect(b.promise).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    expect(reg.size).toBe(0);
  });

  it('stateless() lists only the waiting sign-ins whose provider does not echo state, and forgets them once taken', () => {
    const reg = new PendingSignIns<string>(1000);
    reg.add({ ...base, state: 'echoes' });
    reg.add({ ...base, state: 'silent', stateEchoed: false, redirectUri: 'http://127.0.0.1:5000/callback' });
    expect(reg.stateless()).toEqual([{ state: 'silent', providerId: base.providerId, redirectUri: 'http://127.0.0.1:5000/callback' }]);
    reg.take('silent');
    expect(reg.stateless()).toEqual([]);
    reg.failAll(new AuthError('sign_in_cancelled'));
  });
});

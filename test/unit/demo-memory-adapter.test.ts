import { describe, expect, it } from 'vitest';
import { createDemoAdapterFactory } from '../../main/demo/memory-adapter';

function setup(maxEntries?: number) {
  let t = 1_000_000;
  const factory = createDemoAdapterFactory({ maxEntries, now: () => t });
  return { factory, advance: (ms: number) => (t += ms) };
}

describe('demo memory adapter', () => {
  it('expires entries on read, without timers', async () => {
    const { factory, advance } = setup();
    const at = factory('AccessToken');
    await at.upsert('a', { jti: 'a' }, 2);
    await at.upsert('forever', { jti: 'forever' });
    expect(await at.find('a')).toMatchObject({ jti: 'a' });
    advance(1_999);
    expect(await at.find('a')).toBeDefined();
    advance(1);
    expect(await at.find('a')).toBeUndefined();
    advance(10 ** 9);
    expect(await at.find('forever')).toBeDefined();
  });

  it('keeps models apart and finds sessions by uid and codes by user code', async () => {
    const { factory } = setup();
    await factory('AccessToken').upsert('same', { kind: 'AccessToken' }, 60);
    await factory('RefreshToken').upsert('same', { kind: 'RefreshToken' }, 60);
    expect(await factory('AccessToken').find('same')).toMatchObject({ kind: 'AccessToken' });
    expect(await factory('RefreshToken').find('same')).toMatchObject({ kind: 'RefreshToken' });

    const sessions = factory('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'x' }, 60);
    expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'x' });
    await sessions.destroy('s1');
    expect(await sessions.findByUid('u1')).toBeUndefined();

    const device = factory('DeviceCode');
    await device.upsert('d1', { userCode: 'ABCD' }, 60);
    expect(await device.findByUserCode('ABCD')).toBeDefined();
  });

  it('consume marks the entry, revokeByGrantId removes every token of the grant only', async () => {
    const { factory } = setup();
    const rt = factory('RefreshToken');
    const at = factory('AccessToken');
    await rt.upsert('r1', { grantId: 'g1' }, 60);
    await at.upsert('a1', { grantId: 'g1' }, 60);
    await at.upsert('a2', { grantId: 'g2' }, 60);
    await rt.consume('r1');
    expect((await rt.find('r1'))?.consumed).toBe(1_000);
    await at.revokeByGrantId('g1');
    expect(await rt.find('r1')).toBeUndefined();
    expect(await at.find('a1')).toBeUndefined();
    expect(await at.find('a2')).toBeDefined();
  });

  it('stays bounded: expired entries go first, then the oldest', async () => {
    const { factory, advance } = setup(3);
    const at = factory('AccessToken');
    await at.upsert('short', {}, 1);
    await at.upsert('old', {}, 60);
    await at.upsert('mid', {}, 60);
    advance(1_500);
    await at.upsert('new1', {}, 60);
    expect(await at.find('old')).toBeDefined();
    await at.upsert('new2', {}, 60);
    expect(await at.find('old')).toBeUndefined();
    expect(await at.find('mid')).toBeDefined();
    expect(await at.find('new1')).toBeDefined();
    expect(await at.find('new2')).toBeDefined();
  });
});

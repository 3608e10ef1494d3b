/**
 * JsonFileStore's rename over the old file: on Windows a rename that another
 * process briefly blocks (a virus scanner, the indexer) is retried, bounded;
 * elsewhere, and for any other error, the first failure stands. The Windows
 * lock itself cannot be produced on Linux, so the rename is a fake that fails
 * the way Windows does.
 */
import { describe, expect, test } from 'vitest';
import { renameOver } from '../../main/auth/json-file-store';

const failing = (code: string, times: number) => {
  const calls: string[] = [];
  const rename = (from: string, to: string) => {
    calls.push(`${from}→${to}`);
    if (calls.length <= times) throw Object.assign(new Error(`${code}: operation not permitted, rename`), { code });
  };
  return { calls, rename };
};

describe('renameOver', () => {
  test.each(['EPERM', 'EACCES', 'EBUSY'])('Windows: %s twice, then the rename succeeds on the third attempt', (code) => {
    const fake = failing(code, 2);
    renameOver('a.tmp', 'a.json', 'win32', fake.rename);
    expect(fake.calls).toEqual(['a.tmp→a.json', 'a.tmp→a.json', 'a.tmp→a.json']);
  });

  test('Windows: a lock that never ends gives up after 11 attempts with the original error', () => {
    const fake = failing('EPERM', Infinity);
    const started = performance.now();
    expect(() => {
      renameOver('a.tmp', 'a.json', 'win32', fake.rename);
    }).toThrow(/EPERM/);
    expect(fake.calls).toHaveLength(11);
    // Bounded: the waits add up to about 1.5 s, never an unbounded hang.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  test.each([
    ['linux', 'EPERM'],
    ['darwin', 'EBUSY'],
    ['win32', 'ENOENT'],
  ] as const)('%s: %s is final at once', (platform, code) => {
    const fake = failing(code, 1);
    expect(() => {
      renameOver('a.tmp', 'a.json', platform, fake.rename);
    }).toThrow(code);
    expect(fake.calls).toHaveLength(1);
  });
});

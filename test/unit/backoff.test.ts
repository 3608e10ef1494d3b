import { describe, expect, it } from 'vitest';
import { backoffDelayMs, MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../main/auth/backoff';

const policy = { baseMs: 1_000, maxMs: 60_000 };

describe('backoffDelayMs', () => {
  it('doubles from the base, with jitter between half and the full step, capped', () => {
    expect(backoffDelayMs(1, policy, undefined, () => 0)).toBe(500);
    expect(backoffDelayMs(1, policy, undefined, () => 1)).toBe(1_000);
    expect(backoffDelayMs(4, policy, undefined, () => 1)).toBe(8_000);
    expect(backoffDelayMs(50, policy, undefined, () => 1)).toBe(60_000);
    expect(backoffDelayMs(1_000_000, policy, undefined, () => 0.5)).toBeLessThanOrEqual(60_000);
  });

  it('never sooner than Retry-After, and a hostile Retry-After is capped at one hour', () => {
    expect(backoffDelayMs(1, policy, 120_000, () => 0)).toBe(120_000);
    expect(backoffDelayMs(1, policy, 10 * 24 * 3600_000, () => 0)).toBe(MAX_RETRY_AFTER_MS);
    expect(backoffDelayMs(1, policy, -5, () => 0)).toBe(500);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:02:00 GMT', 120_000],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
  ])('%j → %d ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([[null], [undefined], ['soon'], ['-1'], ['1.5']])('%j → undefined', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

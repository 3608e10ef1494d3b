/**
 * Finding 5 (SECURITY.md "The system browser opens only for the app, and
 * rarely"): the rate limit every browser opening goes through.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPENING_LIMIT, rateLimitedOpener } from '../../main/auth/opening-limit';

describe('rateLimitedOpener', () => {
  it('opens up to the limit within the window, refuses the rest without opening, and opens again once the window has passed', async () => {
    let now = 1_000_000;
    const opened: string[] = [];
    const open = rateLimitedOpener(
      (url) => {
        opened.push(url);
        return Promise.resolve();
      },
      DEFAULT_OPENING_LIMIT,
      () => now,
    );
    for (let i = 0; i < DEFAULT_OPENING_LIMIT.max; i += 1) await open(`https://idp.example/${i}`);
    for (let i = 0; i < 100; i += 1) {
      await expect(open('https://evil.example/exfiltrate')).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('too many') as unknown,
      });
    }
    expect(opened).toHaveLength(DEFAULT_OPENING_LIMIT.max);
    expect(opened).not.toContain('https://evil.example/exfiltrate');
    now += DEFAULT_OPENING_LIMIT.windowMs;
    await open('https://idp.example/later');
    expect(opened.at(-1)).toBe('https://idp.example/later');
  });

  it('the window slides: an opening frees its place exactly windowMs after it happened', async () => {
    let now = 0;
    const open = rateLimitedOpener(
      async () => {},
      { max: 2, windowMs: 1000 },
      () => now,
    );
    await open('https://a.example/');
    now = 500;
    await open('https://a.example/');
    now = 999;
    await expect(open('https://a.example/')).rejects.toMatchObject({ code: 'invalid_request' });
    now = 1000;
    await open('https://a.example/');
    await expect(open('https://a.example/')).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

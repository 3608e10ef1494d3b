/**
 * The step-up requirement check (RFC 9470 §5) and its words, as pure functions.
 */
import { describe, expect, it, test } from 'vitest';
import {
  authContextOf,
  heldAuthContext,
  stepUpChallenge,
  stepUpParams,
  stepUpRequired,
  unmetRequirement,
  type StepUpRequirement,
} from '../../main/auth/step-up';

const NOW = 1_800_000_000_000;
const now = NOW / 1000;

describe('unmetRequirement', () => {
  test.each<[string, StepUpRequirement, { acr?: string; authTime?: number }, RegExp | null]>([
    ['acr among the values', { acrValues: ['urn:mfa', 'urn:hw'] }, { acr: 'urn:hw', authTime: now - 9999 }, null],
    ['acr not among them', { acrValues: ['urn:mfa'] }, { acr: 'urn:pwd', authTime: now }, /weaker/],
    ['no acr at all', { acrValues: ['urn:mfa'] }, { authTime: now }, /did not say how/],
    ['recent enough', { maxAge: 300 }, { authTime: now - 299 }, null],
    ['too old', { maxAge: 300 }, { authTime: now - 301 - 5 }, /did not ask you to sign in again/],
    ['within the clock tolerance', { maxAge: 300 }, { authTime: now - 303 }, null],
    ['no auth_time', { maxAge: 300 }, { acr: 'x' }, /did not say when/],
    ['both met', { acrValues: ['urn:mfa'], maxAge: 60 }, { acr: 'urn:mfa', authTime: now - 10 }, null],
    ['acr met, too old', { acrValues: ['urn:mfa'], maxAge: 60 }, { acr: 'urn:mfa', authTime: now - 600 }, /sign in again/],
  ])('%s', (_name, req, auth, expected) => {
    const unmet = unmetRequirement(req, auth, NOW, 5);
    if (expected === null) expect(unmet).toBeNull();
    else expect(unmet).toMatch(expected);
  });
});

describe('reading the challenge and the ID token', () => {
  it('a 401 or 403 with the challenge is a step-up; another status or challenge is not', () => {
    const headers = { 'www-authenticate': 'Bearer error="insufficient_user_authentication", acr_values="urn:mfa"' };
    expect(stepUpChallenge({ status: 401, headers })).toEqual({ acrValues: ['urn:mfa'] });
    expect(stepUpChallenge({ status: 403, headers })).toEqual({ acrValues: ['urn:mfa'] });
    expect(stepUpChallenge({ status: 200, headers })).toBeNull();
    expect(stepUpChallenge({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })).toBeNull();
    expect(stepUpChallenge({ status: 401, headers: {} })).toBeNull();
  });

  it('takes acr and auth_time only when well typed', () => {
    expect(authContextOf({ acr: 'urn:mfa', auth_time: 12 })).toEqual({ acr: 'urn:mfa', authTime: 12 });
    expect(authContextOf({ acr: 5, auth_time: '12' })).toEqual({});
    expect(authContextOf(undefined)).toEqual({});
  });

  it('reads a held ID token payload; anything undecodable gives nothing', () => {
    const jwt = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
    expect(heldAuthContext(jwt({ acr: 'urn:pwd', auth_time: 7, sub: 'x' }))).toEqual({ acr: 'urn:pwd', authTime: 7 });
    expect(heldAuthContext('not-a-jwt')).toEqual({});
    expect(heldAuthContext('a.!!!.c')).toEqual({});
    expect(heldAuthContext(jwt('just a string'))).toEqual({});
    expect(heldAuthContext(undefined)).toEqual({});
  });
});

describe('what the request and the error say', () => {
  it('the authorization request states the requirement (RFC 9470 §4)', () => {
    expect(stepUpParams({ acrValues: ['urn:mfa', 'urn:hw'], maxAge: 0 })).toEqual({ acr_values: 'urn:mfa urn:hw', max_age: '0' });
    expect(stepUpParams({ maxAge: 300 })).toEqual({ max_age: '300' });
  });

  it('step_up_required names the API and what it needs', () => {
    const err = stepUpRequired('payments', 'Payments', { acrValues: ['urn:mfa'], maxAge: 600 });
    expect(err).toMatchObject({ code: 'step_up_required', api: 'payments' });
    expect(err.message).toBe(
      'Payments needs a stronger sign-in (urn:mfa) and a sign-in within the last 10 minutes. Confirm it is you in your browser to continue.',
    );
    expect(stepUpRequired(undefined, 'This API', { maxAge: 0 }).message).toMatch(/^This API needs a sign-in just now\./);
    expect(stepUpRequired(undefined, 'This API', { maxAge: 0 }).api).toBeUndefined();
  });
});

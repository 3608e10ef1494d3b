/**
 * The one reader of RFC 6750 / RFC 9470 challenges: tables of real-looking
 * headers and hostile ones, asserting exactly what is read.
 */
import { describe, expect, it, test } from 'vitest';
import { insufficientScope, insufficientUserAuthentication } from '../../main/api/bearer-challenge';

describe('insufficientScope (RFC 6750 §3.1)', () => {
  it('reads the challenge and its scopes, nothing else', () => {
    expect(insufficientScope('Bearer realm="x", error="insufficient_scope", scope="a:read b:write"')).toEqual(['a:read', 'b:write']);
    expect(insufficientScope('Bearer error="insufficient_scope"')).toEqual([]);
    expect(insufficientScope('Bearer error="invalid_token"')).toBeNull();
    expect(insufficientScope('Basic realm="x", error="insufficient_scope"')).toBeNull();
    expect(insufficientScope(undefined)).toBeNull();
  });

  it('finds the Bearer challenge among several, and in a DPoP challenge (RFC 9449 §7.1)', () => {
    expect(insufficientScope('Basic realm="x", Bearer error="insufficient_scope", scope="a"')).toEqual(['a']);
    expect(insufficientScope('DPoP algs="ES256", error="insufficient_scope", scope="a b"')).toEqual(['a', 'b']);
  });

  it('drops scope tokens outside the grammar and bounds the list', () => {
    expect(insufficientScope('Bearer error="insufficient_scope", scope="ok \\"bad ok2"')).toEqual(['ok', 'ok2']);
    const many = Array.from({ length: 80 }, (_, i) => `s${i}`).join(' ');
    expect(insufficientScope(`Bearer error="insufficient_scope", scope="${many}"`)).toHaveLength(50);
  });
});

describe('insufficientUserAuthentication (RFC 9470 §3)', () => {
  test.each<[string, string | undefined, ReturnType<typeof insufficientUserAuthentication>]>([
    [
      'acr_values',
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
      { acrValues: ['myACR'] },
    ],
    ['several acr_values, in order', 'Bearer error="insufficient_user_authentication", acr_values="urn:mfa urn:hw"', { acrValues: ['urn:mfa', 'urn:hw'] }],
    ['max_age', 'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"', { maxAge: 5 }],
    ['max_age as a token', 'Bearer error="insufficient_user_authentication", max_age=300', { maxAge: 300 }],
    ['both', 'Bearer error="insufficient_user_authentication", acr_values="urn:mfa", max_age="60"', { acrValues: ['urn:mfa'], maxAge: 60 }],
    ['in a DPoP challenge', 'DPoP algs="ES256", error="insufficient_user_authentication", acr_values="urn:mfa"', { acrValues: ['urn:mfa'] }],
    ['after another scheme', 'Basic realm="x", Bearer error="insufficient_user_authentication", acr_values="urn:mfa"', { acrValues: ['urn:mfa'] }],
    ['neither parameter: authenticate again', 'Bearer error="insufficient_user_authentication"', { maxAge: 0 }],
    ['a negative max_age is ignored', 'Bearer error="insufficient_user_authentication", max_age="-1", acr_values="a"', { acrValues: ['a'] }],
    ['a fractional max_age is ignored', 'Bearer error="insufficient_user_authentication", max_age="1.5"', { maxAge: 0 }],
    ['an absurd max_age is ignored', 'Bearer error="insufficient_user_authentication", max_age="999999999"', { maxAge: 0 }],
    ['an acr value with a quote is dropped', 'Bearer error="insufficient_user_authentication", acr_values="good b\\"ad"', { acrValues: ['good'] }],
    ['another error', 'Bearer error="invalid_token", acr_values="urn:mfa"', null],
    ['insufficient_scope', 'Bearer error="insufficient_scope", scope="a"', null],
    ['another scheme', 'Basic error="insufficient_user_authentication"', null],
    ['the error only in a description', 'Bearer error="invalid_token", error_description="insufficient_user_authentication"', null],
    ['absent', undefined, null],
    ['garbage', '",,,=="', null],
    ['huge', `Bearer error="insufficient_user_authentication", acr_values="${'a'.repeat(10_000)}"`, null],
  ])('%s', (_name, header, expected) => {
    expect(insufficientUserAuthentication(header)).toEqual(expected);
  });
});

/**
 * What counts as "consent required", in one place: the OAuth errors that mean
 * the grant does not cover what was asked, the scopes a token answer lacks,
 * and a resource server's `insufficient_scope` challenge.
 */
import type { ApiEntry } from './config';
import { AuthError } from './errors';

/** OAuth errors that mean "the grant does not cover what was asked": consent is needed, not a new sign-in. */
export const CONSENT_ERRORS = new Set(['invalid_scope', 'insufficient_scope', 'invalid_target']);

export function consentRequired(api: string, cause?: unknown): AuthError {
  return new AuthError('consent_required', `The API "${api}" needs a permission you have not granted to this app yet. Allow it to continue.`, { cause, api });
}

/** Scopes an API needs that a token response did not grant (an absent `scope` means all that was asked, RFC 6749 §5.1). */
export function missingScopes(entry: ApiEntry, grantedScope: string | undefined): string[] {
  if (entry.scopes === undefined || grantedScope === undefined) return [];
  const granted = new Set(grantedScope.split(' ').filter(Boolean));
  return entry.scopes.filter((s) => !granted.has(s));
}

/**
 * RFC 6750 §3.1: a resource server's `Bearer error="insufficient_scope"`
 * challenge, with the scopes it names (`scope="…"`, possibly none).
 */
export function insufficientScope(wwwAuthenticate: string | undefined): string[] | null {
  if (!wwwAuthenticate || !/^\s*Bearer\b/i.test(wwwAuthenticate) || !/\berror="insufficient_scope"/i.test(wwwAuthenticate)) return null;
  const scope = /\bscope="([\x21\x23-\x5B\x5D-\x7E ]{0,1000})"/i.exec(wwwAuthenticate)?.[1] ?? '';
  return scope.split(' ').filter(Boolean).slice(0, 50);
}

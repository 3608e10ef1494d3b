/**
 * What counts as "consent required", in one place: the OAuth errors that mean
 * the grant does not cover what was asked and the scopes a token answer lacks
 * (a resource server's `insufficient_scope` challenge is read by
 * api/bearer-challenge.ts, with every other Bearer challenge).
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

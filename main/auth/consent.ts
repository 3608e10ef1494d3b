/**
 * Incremental consent (VS Code's `getSessionsFromChallenges`): what a new
 * authorization for the same person asks for when one API needs more than
 * the account's grant covers, what a resource server's challenge may add to
 * it, and how its answer is merged — or refused (`account_mismatch`) when
 * another person came back. What counts as "consent required" is
 * consent-errors.ts's.
 */
import type { Account } from './accounts';
import { findApi, signInResources } from './apis';
import type { Authorized } from './authorization-response';
import type { ProviderConfig } from './config';
import { insufficientScope } from './consent-errors';
import { AuthError } from './errors';
import type { AuthorizationAsk } from './sign-in-flow';
import { UNKNOWN_SUBJECT } from './userinfo';

/** The authorization that asks the account's person for `apiId`'s permission. */
export function consentAsk(provider: ProviderConfig, account: Account, apiId: string): AuthorizationAsk {
  const api = findApi(provider, apiId);
  if (!api.entry || !api.ownToken) throw new AuthError('invalid_request', 'That API uses the sign-in token and needs no separate permission.');
  const entry = api.entry;
  // Without a known subject the core cannot check that the same person comes back (account_mismatch).
  if (account.user.sub === UNKNOWN_SUBJECT) {
    throw new AuthError(
      'invalid_request',
      'This provider does not say who is signed in, so the app cannot ask for more permission for the same person. Sign in again instead.',
    );
  }
  // The one refresh token of the account must cover every API it already
  // uses, so the request names them too; the provider asks the person only
  // for what its grant is missing (the new API's scopes).
  const scopes = new Set([...provider.scopes, ...account.granted, ...(entry.scopes ?? []), ...(account.challengedScopes.get(entry.id) ?? [])]);
  const resources = new Set([...signInResources(provider), ...account.resources, ...(entry.resource !== undefined ? [entry.resource] : [])]);
  const params: Record<string, string> = {};
  const hint = account.user.email ?? account.user.sub;
  if (hint) params.login_hint = hint;
  // With the account's ID token the provider itself sees when another person is signed in
  // there and asks to log in; without one, the login page is asked for so the person chooses.
  if (account.idToken) params.id_token_hint = account.idToken;
  else params.prompt = 'login';
  if (entry.audience !== undefined) params.audience = entry.audience;
  return { params, scopes: [...scopes], resources: [...resources], purpose: { kind: 'consent', accountId: account.id, api: entry.id } };
}

/**
 * The scopes an API's `insufficient_scope` challenge (RFC 6750 §3.1) asks
 * for, or null when the answer is no such challenge. A profile that declares
 * the API's scopes bounds what its challenge may ask for, so the API cannot
 * widen the account's one grant for others; an API declared by its resource
 * alone says what it needs.
 */
export function challengedScopes(declared: readonly string[] | undefined, status: number, wwwAuthenticate: string | undefined): string[] | null {
  const challenged = status === 403 ? insufficientScope(wwwAuthenticate) : null;
  if (!challenged) return null;
  return declared ? challenged.filter((scope) => declared.includes(scope)) : challenged;
}

/**
 * Consent came back: the same person's new refresh token (its grant now
 * covers the API) replaces the account's. Another person → nothing changes:
 * their tokens are dropped unused by the caller (not revoked here: that
 * person may be another account of this app).
 */
export function mergeConsent(provider: ProviderConfig, account: Account | undefined, api: string, got: Authorized): Account {
  if (!account) throw new AuthError('not_signed_in', 'That account was signed out while the permission was being asked for.');
  if (got.user.sub !== account.user.sub) {
    throw new AuthError(
      'account_mismatch',
      'You signed in as a different person than the account this permission was for, so nothing was changed. Try again and sign in as that account.',
    );
  }
  const { tokens } = got;
  if (!tokens.refreshToken) throw new AuthError('invalid_response', 'The identity provider did not return a refresh token with the new permission.');
  const resource = findApi(provider, api).entry?.resource;
  account.adoptConsent({
    api,
    refreshToken: tokens.refreshToken,
    ...(tokens.idToken !== undefined ? { idToken: tokens.idToken } : {}),
    ...(got.dpopKey ? { dpopKey: got.dpopKey } : {}),
    ...(got.granted ? { granted: got.granted } : {}),
    ...(resource !== undefined ? { resource } : {}),
  });
  return account;
}

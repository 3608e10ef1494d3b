/**
 * What a completed authorization changes: a sign-in adds an account (or
 * renews the same person's) and makes it active, persisted as the one to
 * restore first; a consent merges into its account (consent.ts), and tokens
 * refused on the way (another person, an account signed out meanwhile) are
 * revoked, not just dropped.
 */
import { accountIdFor } from './account-id';
import type { Account, AccountRegistry } from './accounts';
import type { Authorized } from './authorization-response';
import type { ProviderConfig } from './config';
import { mergeConsent } from './consent';
import type { DpopKey } from './dpop';
import { isAuthError } from './errors';
import type { ViewFacts } from './session-view';
import type { Purpose } from './sign-in-flow';
import type { SignOutFlow } from './sign-out-flow';
import type { TokenCache } from './token-cache';
import type { TokenSet } from './token-set';
import { logShortSignIn } from './sign-in-lifetime';
import type { Logger, UserInfo } from './types';

export interface CompletionApplyDeps {
  registry: AccountRegistry;
  cache: TokenCache;
  signOuts: SignOutFlow;
  facts: ViewFacts;
  logger: Logger;
  open(provider: ProviderConfig, user: UserInfo, tokens: TokenSet, init: { granted?: string[] | undefined; dpopKey: DpopKey | undefined }): Account;
}

export function applyAuthorized(provider: ProviderConfig, purpose: Purpose, got: Authorized, deps: CompletionApplyDeps): void {
  if (purpose.kind === 'sign_in') {
    signedIn(provider, got, deps);
    return;
  }
  try {
    const account = mergeConsent(provider, deps.registry.get(purpose.accountId), purpose.api, got);
    if (got.tokens.refreshToken) deps.registry.persist(account, { refreshToken: got.tokens.refreshToken });
    // A cached token for this API predates the consent and lacks what it added.
    deps.cache.forget(account.id, purpose.api);
  } catch (err) {
    if (isAuthError(err) && err.code === 'account_mismatch') deps.logger('warn', 'consent.account_mismatch', { providerId: provider.id });
    // Refused before anything was applied: the new tokens are revoked, or they would stay valid unused.
    deps.signOuts.revokeUnused(provider, got.tokens, 'consent.tokens_discarded');
    throw err;
  }
}

/** The same person at the same provider again renews that account (its vault entry is overwritten, not cleared). */
function signedIn(provider: ProviderConfig, got: Authorized, deps: CompletionApplyDeps): void {
  const { registry, facts } = deps;
  const existing = registry.get(accountIdFor(provider.id, got.user.sub));
  if (existing) deps.signOuts.endLocally(existing, { clearVault: false });
  const account = deps.open(provider, got.user, got.tokens, { granted: got.granted, dpopKey: got.dpopKey });
  logShortSignIn({ account, askedScopes: provider.scopes, authorizeParams: provider.authorizeParams, logger: deps.logger });
  registry.activate(account.id);
  facts.endReason = undefined;
  facts.revocation = undefined;
  // Saving also marks this account as the one to restore first. Without a refresh token the access
  // token itself is kept (a long-lived one, e.g. 20 years), encrypted like a refresh token.
  const { refreshToken, accessToken, tokenType: type, expiresAt } = got.tokens;
  const secret = refreshToken ? { refreshToken } : { accessToken: { token: accessToken, type, ...(expiresAt !== undefined ? { expiresAt } : {}) } };
  registry.persist(account, secret, { active: true });
}

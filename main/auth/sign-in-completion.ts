/**
 * What a completed authorization changes: a sign-in adds an account (or
 * renews the same person's) and makes it active, persisted as the one to
 * restore first; a consent merges into its account (consent.ts), and tokens
 * refused on the way (another person, an account signed out meanwhile) are
 * revoked, not just dropped. A step-up (RFC 9470) renews its account like a
 * sign-in, once step-up.ts has checked the person and the level.
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
import { carryOverAfterStepUp, checkStepUp } from './step-up-flow';
import type { Clock, Logger, UserInfo } from './types';

export interface CompletionApplyDeps {
  registry: AccountRegistry;
  cache: TokenCache;
  signOuts: SignOutFlow;
  facts: ViewFacts;
  logger: Logger;
  clock: Clock;
  clockToleranceSeconds: number;
  open(provider: ProviderConfig, user: UserInfo, tokens: TokenSet, init: { granted?: string[] | undefined; dpopKey: DpopKey | undefined }): Account;
}

export function applyAuthorized(provider: ProviderConfig, purpose: Purpose, got: Authorized, deps: CompletionApplyDeps): void {
  if (purpose.kind === 'sign_in') {
    signedIn(provider, got, deps);
    return;
  }
  if (purpose.kind === 'step_up') {
    steppedUp(provider, purpose, got, deps);
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

/**
 * A step-up came back: only the same person meeting the requirement renews the account, which
 * keeps what it had (consents, whether it is active). Otherwise nothing is replaced. Another
 * person's tokens are revoked; the same person's are only dropped: a provider may issue them on
 * the account's own grant (oidc-provider does, for the same browser session), and revoking them
 * would end the sign-in that is kept.
 */
function steppedUp(provider: ProviderConfig, purpose: Extract<Purpose, { kind: 'step_up' }>, got: Authorized, deps: CompletionApplyDeps): void {
  let previous: Account;
  try {
    previous = checkStepUp(deps.registry.get(purpose.accountId), purpose.requirement, got, deps.clock(), deps.clockToleranceSeconds);
  } catch (err) {
    const mismatch = isAuthError(err) && err.code === 'account_mismatch';
    deps.logger('warn', mismatch ? 'step_up.account_mismatch' : 'step_up.not_met', { providerId: provider.id });
    if (mismatch) deps.signOuts.revokeUnused(provider, got.tokens, 'step_up.tokens_discarded');
    throw err;
  }
  signedIn(provider, got, deps, { activate: deps.registry.activeId === previous.id, previous });
}

/** The same person at the same provider again renews that account (its vault entry is overwritten, not cleared). */
function signedIn(provider: ProviderConfig, got: Authorized, deps: CompletionApplyDeps, stepUp?: { activate: boolean; previous: Account }): void {
  const { registry, facts } = deps;
  const existing = registry.get(accountIdFor(provider.id, got.user.sub));
  if (existing) deps.signOuts.endLocally(existing, { clearVault: false });
  const account = deps.open(provider, got.user, got.tokens, { granted: got.granted, dpopKey: got.dpopKey });
  logShortSignIn({ account, askedScopes: provider.scopes, authorizeParams: provider.authorizeParams, logger: deps.logger });
  if (stepUp) carryOverAfterStepUp(stepUp.previous, account, deps.clock(), deps.clockToleranceSeconds);
  const activate = stepUp?.activate ?? true;
  if (activate) registry.activate(account.id);
  facts.endReason = undefined;
  facts.revocation = undefined;
  // Saving also marks this account as the one to restore first. Without a refresh token the access
  // token itself is kept (a long-lived one, e.g. 20 years), encrypted like a refresh token.
  const { refreshToken, accessToken, tokenType: type, expiresAt } = got.tokens;
  const secret = refreshToken ? { refreshToken } : { accessToken: { token: accessToken, type, ...(expiresAt !== undefined ? { expiresAt } : {}) } };
  registry.persist(account, secret, { active: activate });
}

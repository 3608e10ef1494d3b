/**
 * Step-up (RFC 9470) applied to an account: an API's challenge marks it (or is
 * the API's error when the held sign-in already meets it), the authorization
 * asks the same person again with the requirement, and its answer is checked
 * before it renews the account (sign-in-completion.ts). The requirement check
 * itself is step-up.ts's.
 *
 * @see RFC 9470 §4, §5
 */
import type { Account } from './accounts';
import { signInResources } from './apis';
import type { Authorized } from './authorization-response';
import type { ProviderConfig } from './config';
import { sameAccountParams } from './consent';
import { AuthError } from './errors';
import type { AuthorizationAsk } from './sign-in-flow';
import { heldAuthContext, stepUpAlreadyMet, stepUpFailed, stepUpParams, stepUpRequired, unmetRequirement, type StepUpRequirement } from './step-up';
import { UNKNOWN_SUBJECT } from './userinfo';

/**
 * An API's challenge for an account: `step_up_required` (the account is marked,
 * `marked`), or `server_error` when the sign-in the account holds already meets
 * it (another sign-in would only bring the same answer).
 */
export function challengeAccount(
  account: Account,
  api: { key: string; id: string | undefined; name: string },
  requirement: StepUpRequirement,
  nowMs: number,
  toleranceSeconds: number,
): { error: AuthError; marked: boolean } {
  if (unmetRequirement(requirement, heldAuthContext(account.idToken), nowMs, toleranceSeconds) === null)
    return { error: stepUpAlreadyMet(api.name), marked: false };
  account.needsStepUp(api.key, requirement);
  return { error: stepUpRequired(api.id, api.name, requirement), marked: true };
}

/** The authorization that asks the account's person again, with what `apiKey`'s (or the newest) challenge asked (RFC 9470 §4). */
export function stepUpAsk(provider: ProviderConfig, account: Account, apiKey: string | undefined): AuthorizationAsk {
  const api = apiKey ?? [...account.stepUpNeeded.keys()].at(-1);
  const requirement = api === undefined ? undefined : account.stepUpNeeded.get(api);
  if (api === undefined || !requirement) throw new AuthError('invalid_request', 'No API has asked for a stronger sign-in for this account.');
  if (account.user.sub === UNKNOWN_SUBJECT) {
    throw new AuthError(
      'invalid_request',
      'This provider does not say who is signed in, so the app cannot confirm the same person signs in again. Sign in again instead.',
    );
  }
  // The same grant as the account's (every API it uses), asked for again with the requirement.
  return {
    params: { ...sameAccountParams(account), ...stepUpParams(requirement) },
    scopes: [...new Set([...provider.scopes, ...account.granted])],
    resources: [...new Set([...signInResources(provider), ...account.resources])],
    purpose: { kind: 'step_up', accountId: account.id, api, requirement },
  };
}

/**
 * A step-up came back (RFC 9470 §5): the same person, and an ID token whose
 * `acr` / `auth_time` meet the requirement. The ID token was verified by
 * openid-client in the code grant that brought it.
 */
export function checkStepUp(account: Account | undefined, requirement: StepUpRequirement, got: Authorized, nowMs: number, toleranceSeconds: number): Account {
  if (!account) throw new AuthError('not_signed_in', 'That account was signed out while the stronger sign-in was running.');
  if (got.user.sub !== account.user.sub) {
    throw new AuthError(
      'account_mismatch',
      'You signed in as a different person than the account this was for, so nothing was changed. Try again and sign in as that account.',
    );
  }
  const unmet = unmetRequirement(requirement, heldAuthContext(got.tokens.idToken), nowMs, toleranceSeconds);
  if (unmet !== null) throw stepUpFailed(unmet);
  return account;
}

/** What the renewed account keeps from the one it replaces: consents given and asked for, and challenges the new sign-in does not meet. */
export function carryOverAfterStepUp(previous: Account, next: Account, nowMs: number, toleranceSeconds: number): void {
  for (const resource of previous.resources) next.resources.add(resource);
  for (const scope of previous.granted) next.granted.add(scope);
  for (const api of previous.consentNeeded) next.consentNeeded.add(api);
  for (const [api, scopes] of previous.challengedScopes) next.challengedScopes.set(api, scopes);
  const held = heldAuthContext(next.idToken);
  for (const [api, requirement] of previous.stepUpNeeded) {
    if (unmetRequirement(requirement, held, nowMs, toleranceSeconds) !== null) next.stepUpNeeded.set(api, requirement);
  }
}

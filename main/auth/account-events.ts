/**
 * What the core does when an account's state changes under it: the provider
 * refused its grant (that account ends; the others go on), an API waits for
 * consent, an API asks for a stronger sign-in (RFC 9470). Each tells the
 * window only when the account concerned is still the current one.
 */
import type { Account, AccountRegistry } from './accounts';
import type { AuthError } from './errors';
import type { ViewFacts } from './session-view';
import type { SignOutFlow } from './sign-out-flow';
import type { StepUpRequirement } from './step-up';
import { challengeAccount } from './step-up-flow';
import type { Clock, Logger } from './types';

export interface AccountEventDeps {
  registry: AccountRegistry;
  signOuts: SignOutFlow;
  facts: ViewFacts;
  logger: Logger;
  clock: Clock;
  clockToleranceSeconds: number;
  emit(): void;
}

/** The provider refused the account's refresh token: that account is over; the others go on. */
export function accountRejected(account: Account, err: AuthError, deps: AccountEventDeps): void {
  const { registry, signOuts, facts } = deps;
  if (!registry.isCurrent(account)) return;
  const wasActive = registry.activeId === account.id;
  // No other account is made active: that would switch person behind their back.
  signOuts.endLocally(account, { activateNext: false });
  if (wasActive) {
    facts.endReason = { code: err.code, message: err.message };
    facts.revocation = undefined;
  }
  deps.emit();
}

export function consentNeeded(account: Account, api: string, deps: AccountEventDeps): void {
  if (deps.registry.isCurrent(account) && account.needsConsent(api)) deps.emit();
}

/** An API's step-up challenge: the error for the call; the window is told when the account was marked. */
export function stepUpNeeded(
  account: Account,
  api: { key: string; id: string | undefined; name: string },
  requirement: StepUpRequirement,
  deps: AccountEventDeps,
): AuthError {
  const { error, marked } = challengeAccount(account, api, requirement, deps.clock(), deps.clockToleranceSeconds);
  deps.logger('info', marked ? 'api.step_up_required' : 'api.step_up_already_met', { providerId: account.providerId, api: api.key });
  if (marked && deps.registry.isCurrent(account)) deps.emit();
  return error;
}

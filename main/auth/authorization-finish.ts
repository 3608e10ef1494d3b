/**
 * The last step of every authorization (browser sign-in, consent, step-up,
 * device sign-in): the grant's response read (authorization-response.ts),
 * then applied to the accounts (sign-in-completion.ts), and the sign-in that
 * was waiting for it marked done. One home, so a device sign-in ends exactly
 * as a browser sign-in does.
 */
import type * as client from 'openid-client';
import { authorizedFrom, completeAuthorization, type AcceptedCallback, type Authorized, type CompletionDeps } from './authorization-response';
import type { ProviderConfig } from './config';
import type { DpopKey } from './dpop';
import { AuthError } from './errors';
import type { PendingSignIn } from './pending-sign-ins';
import type { ProviderConfigs } from './provider-configs';
import type { Purpose, SignInFlowDeps } from './sign-in-flow';
import { applyAuthorized, type CompletionApplyDeps } from './sign-in-completion';
import type { SessionState } from './types';

export interface FinishDeps extends CompletionApplyDeps, CompletionDeps {
  configs: ProviderConfigs;
  provider(providerId: string): ProviderConfig;
  /** Whether tokens outlive the app (for the log line). */
  persistent(): boolean;
  disposed(): boolean;
  emit(): void;
  session(): SessionState;
}

export interface Finishers {
  /** An accepted callback: the code grant, then a new (or renewed) account, or consent merged into one. */
  complete: (pending: PendingSignIn<SessionState>, accepted: AcceptedCallback, purpose: Purpose) => Promise<SessionState>;
  /** A device sign-in's token response (RFC 8628). */
  completeDevice: SignInFlowDeps['completeDevice'];
}

export function finishers(deps: FinishDeps): Finishers {
  /** What an authorization brought, applied; the sign-in `state` is no longer waiting. */
  const apply = (provider: ProviderConfig, purpose: Purpose, got: Authorized, state: string): SessionState => {
    // The core was disposed while the grant was running: nothing is kept.
    if (deps.disposed()) throw new AuthError('sign_in_cancelled');
    applyAuthorized(provider, purpose, got, deps);
    deps.logger('info', `${purpose.kind}.done`, { providerId: provider.id, persistent: deps.persistent() });
    if (deps.facts.signingIn?.state === state) {
      deps.facts.signingIn = null;
      deps.facts.device = undefined;
    }
    deps.emit();
    return deps.session();
  };
  return {
    async complete(pending, accepted, purpose) {
      const provider = deps.provider(pending.providerId);
      const got = await completeAuthorization(provider, await deps.configs.get(provider), pending, accepted, deps);
      return apply(provider, purpose, got, pending.state);
    },
    async completeDevice(
      provider: ProviderConfig,
      config: client.Configuration,
      response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
      proof: { key: DpopKey; handle: client.DPoPHandle } | undefined,
      state: string,
    ) {
      const got = await authorizedFrom(provider, config, response, proof, new URLSearchParams(), deps);
      return apply(provider, { kind: 'sign_in' }, got, state);
    },
  };
}

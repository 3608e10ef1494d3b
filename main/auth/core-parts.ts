/**
 * The auth core's parts, wired once: each one receives what it needs (the
 * settings, the vault, the other parts it talks to) and reports back through
 * the facade's few hooks (`CoreHooks`). auth-core.ts keeps only the
 * coordination.
 */
import type * as client from 'openid-client';
import { openAccount } from './account-tokens';
import { ApiConnections } from './api-connections';
import { ApiDpopSupport } from './api-dpop-support';
import { AccountRegistry, type Account } from './accounts';
import { accountRejected, consentNeeded, stepUpNeeded, type AccountEventDeps } from './account-events';
import type { ApiCallDeps } from './api-call';
import { finishers } from './authorization-finish';
import { providersWithSecrets, type ProviderConfig } from './config';
import { coreSettings, type AuthCoreOptions, type CoreSettings } from './core-options';
import { DiscoveryStore } from './discovery-store';
import type { DpopKey } from './dpop';
import { AuthError } from './errors';
import { noopLogger, redactingLogger } from './log';
import { ProviderConfigs } from './provider-configs';
import { RevocationRetry } from './revocation-retry';
import { initialFacts, type ViewFacts } from './session-view';
import { SignInFlow } from './sign-in-flow';
import { SignOutFlow } from './sign-out-flow';
import { TokenCache } from './token-cache';
import type { TokenSet } from './token-set';
import type { Clock, FetchLike, Logger, SessionState, UserInfo } from './types';

/** What the parts ask of the facade. */
export interface CoreHooks {
  emit: () => void;
  disposed: () => boolean;
  session: () => SessionState;
}

export interface CoreParts {
  settings: CoreSettings;
  log: Logger;
  clock: Clock;
  fetch: FetchLike;
  /** The configured providers, and the APIs connected by URL (`connections`), by id. */
  providers: Map<string, ProviderConfig>;
  configs: ProviderConfigs;
  /** APIs connected by their URL (RFC 9728 + RFC 7591). */
  connections: ApiConnections;
  facts: ViewFacts;
  registry: AccountRegistry;
  cache: TokenCache;
  revocations: RevocationRetry;
  flow: SignInFlow;
  signOuts: SignOutFlow;
  /** What every API call needs (api-call.ts), built once: the cache, the network, and the account events it may raise. */
  apiCall: ApiCallDeps;
  /** An account's provider; accounts of a provider no longer configured are dropped at restore. */
  provider: (providerId: string) => ProviderConfig;
  /** Creates an account (replacing one with the same id) and opens its tokens in the cache. */
  open: (provider: ProviderConfig, user: UserInfo, tokens: TokenSet, init: { granted?: string[] | undefined; dpopKey: DpopKey | undefined }) => Account;
}

export function coreParts(opts: AuthCoreOptions, hooks: CoreHooks): CoreParts {
  const settings = coreSettings(opts);
  const log = redactingLogger(opts.logger ?? noopLogger);
  const clock = opts.clock ?? Date.now;
  const fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const { openUrl, vault } = opts;
  const { emit } = hooks;
  const providers = new Map(opts.config.providers.map((p) => [p.id, p]));
  const { providerTimeoutSeconds: timeoutSeconds, clockToleranceSeconds, backoff } = settings;
  const configs = new ProviderConfigs({ fetch, clock, timeoutSeconds, clockToleranceSeconds });
  const config = (provider: ProviderConfig): Promise<client.Configuration> => configs.get(provider);
  const connections = new ApiConnections({
    ...{ config: opts.config, store: opts.discovery ?? DiscoveryStore.inMemory(), fetch, clock, logger: log },
    appName: opts.appName ?? 'Desktop app',
    timeoutSeconds,
  });
  // Before restore: accounts of a connected API come back like any other. A configured id always wins.
  for (const p of connections.providers()) if (!providers.has(p.id)) providers.set(p.id, p);
  // Every stored entry is checked against the provider it was written for before its token is used.
  vault.bindToProviders?.((id) => providers.get(id));
  const apiDpop = new ApiDpopSupport({ fetch, clock, logger: log });
  const facts = initialFacts();
  const registry = new AccountRegistry(vault, clock, log);
  const cache = new TokenCache({ clock, logger: log, refreshSkewMs: settings.refreshSkewMs, backoff, forcedRefreshWindowMs: settings.forcedRefreshWindowMs });
  const revocations = new RevocationRetry({
    store: vault,
    provider: (id) => providers.get(id),
    config,
    clock,
    logger: log,
    backoff,
    windowMs: settings.revocationRetryWindowMs,
    maxAttempts: settings.revocationMaxAttempts,
    onSettled: (outcome) => {
      // The window still showing that sign-out learns how it ended.
      if (facts.revocation?.retrying && !registry.active()) {
        facts.revocation = { outcome, retrying: false };
        emit();
      }
    },
  });
  const provider = (providerId: string): ProviderConfig => {
    const found = providers.get(providerId);
    if (!found) throw new AuthError('not_signed_in', 'The identity provider of that account is no longer configured.');
    return found;
  };
  const grantTimeoutMs = timeoutSeconds * 1000;
  const signOuts = new SignOutFlow({ registry, cache, revocations, facts, logger: log, openUrl, grantTimeoutMs, config, emit });
  const open: CoreParts['open'] = (provider, user, tokens, init) =>
    openAccount(provider, user, tokens, init, {
      registry,
      cache,
      clock,
      config,
      onEnded: (account, err) => {
        accountRejected(account, err, events);
      },
      onConnectivity: (account, offline) => {
        if (!registry.isCurrent(account)) return;
        // Back online: failed revocations are worth another try now.
        if (!offline) revocations.schedule(0);
        emit();
      },
      onConsentNeeded: consentWanted,
    });
  const events: AccountEventDeps = { registry, signOuts, facts, logger: log, clock, clockToleranceSeconds, emit };
  const consentWanted = (account: Account, api: string) => {
    consentNeeded(account, api, events);
  };
  const apiCall: ApiCallDeps = {
    ...{ cache, fetch, logger: log, timeoutMs: settings.apiTimeoutMs, needsConsent: consentWanted },
    needsStepUp: (account, api, requirement) => stepUpNeeded(account, api, requirement, events),
  };
  const finish = finishers({
    ...{ registry, cache, signOuts, facts, logger: log, clock, clockToleranceSeconds, open, configs, provider, fetch, timeoutSeconds, emit },
    persistent: () => vault.status().persistent,
    disposed: hooks.disposed,
    session: hooks.session,
  });
  const flow = new SignInFlow({
    ...{ config: opts.config, providers, configs, openUrl, logger: log, signInTimeoutMs: settings.signInTimeoutMs, facts, emit },
    disposed: hooks.disposed,
    // `off` asks no API anything: the profile has decided on Bearer (browser and device sign-ins alike).
    apiDpop: (provider) => (provider.dpop === 'off' ? Promise.resolve([]) : apiDpop.forProvider(provider)),
    accountKey: (id) => registry.get(id)?.dpopKey,
    complete: finish.complete,
    completeDevice: finish.completeDevice,
  });
  for (const providerId of providersWithSecrets(opts.config)) {
    log('warn', 'config.client_secret_in_app', { providerId, why: 'RFC 8252 8.5: a client secret shipped in a desktop app is not confidential' });
  }
  return { settings, log, clock, fetch, providers, configs, connections, facts, registry, cache, revocations, flow, signOuts, apiCall, provider, open };
}

/**
 * The auth core: authorization code flow with PKCE in the system browser,
 * callback handling, accounts with refresh, API requests and sign-out.
 * Electron-free: everything it touches is passed in (see `AuthCoreOptions`).
 *
 * This file only coordinates (as VS Code's `authProvider.ts` does): each
 * public method hands over to the part with that job — sign-in-flow.ts
 * (pending sign-ins, callback routing), authorization-response.ts (the code
 * grant), consent.ts, accounts.ts (the registry and its rules),
 * token-cache.ts (every access token, keyed by account and API),
 * sign-out-flow.ts, restore.ts, session-view.ts; core-parts.ts wires them.
 *
 * @see RFC 8252 (OAuth 2.0 for Native Apps), RFC 7636 (PKCE), RFC 9207 (iss),
 *      RFC 7009 (revocation), RFC 9700 (OAuth 2.0 Security BCP)
 */
import type { Account } from './accounts';
import { callApi } from './api-call';
import { signInResources } from './apis';
import { completeAuthorization, type AcceptedCallback } from './authorization-response';
import type { ProviderConfig } from './config';
import { consentAsk } from './consent';
import type { AuthCoreOptions } from './core-options';
import { coreParts, type CoreParts } from './core-parts';
import { isUnknownClient } from './api-connections';
import { AuthError, toErrorPayload } from './errors';
import type { PendingSignIn } from './pending-sign-ins';
import { restoreAccounts } from './restore';
import { sessionState } from './session-view';
import { applyAuthorized } from './sign-in-completion';
import type { Purpose } from './sign-in-flow';
import type { AccountSummary, ApiConnectionPlan, ApiRequest, ApiResponse, AuthCore, ProviderSummary, SessionState, SignInOptions } from './types';

export type { AccountVault, AuthCoreOptions } from './core-options';

export function createAuthCore(options: AuthCoreOptions): AuthCore {
  return new DesktopAuthCore(options);
}

class DesktopAuthCore implements AuthCore {
  readonly #opts: AuthCoreOptions;
  readonly #p: CoreParts;
  readonly #listeners = new Set<(state: SessionState) => void>();
  #disposed = false;

  constructor(opts: AuthCoreOptions) {
    this.#opts = opts;
    this.#p = coreParts(opts, {
      emit: () => {
        this.#emit();
      },
      disposed: () => this.#disposed,
      complete: (pending, accepted, purpose) => this.#complete(pending, accepted, purpose),
      rejected: (account, err) => {
        this.#rejected(account, err);
      },
      needsConsent: (account, api) => {
        this.#needsConsent(account, api);
      },
    });
  }

  listProviders(): ProviderSummary[] {
    return this.#opts.config.providers.map((p) => ({
      id: p.id,
      displayName: p.displayName,
      ...(p.apis ? { apis: p.apis.map((a) => ({ id: a.id, displayName: a.displayName ?? a.id })) } : {}),
    }));
  }

  listAccounts(): AccountSummary[] {
    const { registry, providers, cache } = this.#p;
    return registry.summaries(
      (id) => providers.get(id)?.displayName ?? id,
      (id) => cache.isOffline(id),
    );
  }

  getSession(): SessionState {
    const active = this.#p.registry.active();
    const view = active && { providerId: active.providerId, user: active.user, offline: this.#p.cache.isOffline(active.id) };
    return sessionState(this.#p.facts, this.#opts.vault.status(), this.listAccounts(), view);
  }

  onSessionChanged(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async restore(): Promise<SessionState> {
    const p = this.#p;
    // Revocations that failed in an earlier run are retried now, in the background,
    // and the signed-out window says so until they are settled.
    if (p.revocations.pending > 0) {
      p.facts.revocation = { outcome: 'failed', retrying: true };
      p.revocations.schedule(0);
    }
    await restoreAccounts({
      ...{ vault: this.#opts.vault, providers: p.providers, registry: p.registry, cache: p.cache, logger: p.log, clock: p.clock },
      refreshSkewMs: p.settings.refreshSkewMs,
      open: (provider, user, tokens, dpopKey) => p.open(provider, user, tokens, { dpopKey }),
      emit: () => {
        this.#emit();
      },
    });
    return this.getSession();
  }

  planApiConnection(apiUrl: string): Promise<ApiConnectionPlan> {
    return this.#p.connections.plan(apiUrl);
  }

  async connectApi(planId: string): Promise<SessionState> {
    const provider = await this.#p.connections.confirm(planId);
    this.#useConnected(provider);
    return this.signIn(provider.id);
  }

  async signIn(providerId?: string, options: SignInOptions = {}): Promise<SessionState> {
    const provider = providerId === undefined ? this.#opts.config.providers[0] : this.#p.providers.get(providerId);
    if (!provider) throw new AuthError('invalid_request', 'There is no such provider configured.');
    if (!this.#p.connections.isDiscovered(provider.id)) return this.#signIn(provider, options);
    try {
      return await this.#signIn(provider, options);
    } catch (err) {
      // The server forgot the app's registration: registered once more and tried once more, never in a loop.
      if (!isUnknownClient(err)) throw err;
      const again = await this.#p.connections.reRegister(provider.id);
      if (!again) throw err;
      this.#useConnected(again);
      return this.#signIn(again, options);
    }
  }

  /** A connected API's profile (new, or with a new client id) replaces the old one and its cached discovery. */
  #useConnected(provider: ProviderConfig): void {
    if (this.#opts.config.providers.some((p) => p.id === provider.id)) throw new AuthError('invalid_config', 'A configured profile uses that id.');
    this.#p.providers.set(provider.id, provider);
    this.#p.configs.forget(provider.id);
  }

  #signIn(provider: ProviderConfig, options: SignInOptions): Promise<SessionState> {
    const params = {
      ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
      ...(options.loginHint !== undefined ? { login_hint: options.loginHint } : {}),
    };
    return this.#p.flow.authorize(provider, { params, scopes: provider.scopes, resources: signInResources(provider), purpose: { kind: 'sign_in' } });
  }

  setActiveAccount(accountId: string): Promise<SessionState> {
    // Runs at once, like the body of an async function; a throw becomes the rejection.
    return new Promise((resolve) => {
      if (!this.#p.registry.get(accountId)) throw new AuthError('not_signed_in', 'That account is not signed in.');
      this.#p.registry.activate(accountId, { record: true });
      this.#p.facts.endReason = undefined;
      this.#emit();
      resolve(this.getSession());
    });
  }

  async requestConsent(apiId: string, options: { accountId?: string } = {}): Promise<SessionState> {
    const account = this.#account(options.accountId);
    const provider = this.#provider(account.providerId);
    return this.#p.flow.authorize(provider, consentAsk(provider, account, apiId));
  }

  cancelSignIn(): void {
    this.#p.flow.cancel();
  }

  handleRedirect(url: string): boolean {
    return this.#p.flow.accept(url);
  }

  async request(req: ApiRequest): Promise<ApiResponse> {
    const account = this.#account(req.accountId);
    const provider = this.#p.providers.get(account.providerId);
    if (!provider) throw new AuthError('not_signed_in');
    const { cache, fetch, log: logger, settings } = this.#p;
    const needsConsent = (a: Account, api: string) => {
      this.#needsConsent(a, api);
    };
    return callApi(account, provider, req, { cache, fetch, logger, timeoutMs: settings.apiTimeoutMs, needsConsent });
  }

  async signOut(accountId?: string): Promise<SessionState> {
    const { flow, facts, registry, signOuts, providers } = this.#p;
    flow.failAll(new AuthError('sign_in_cancelled'));
    facts.endReason = undefined;
    const account = accountId === undefined ? registry.active() : registry.get(accountId);
    if (account) {
      facts.revocation = undefined;
      await signOuts.signOut(account, providers.get(account.providerId));
    } else this.#emit();
    return this.getSession();
  }

  async signOutAll(): Promise<SessionState> {
    // Nobody is made active on the way: the window must not flash each person as signed in.
    this.#p.registry.activate(null, { record: true });
    await Promise.all(this.#p.registry.all().map((a) => this.signOut(a.id)));
    this.#emit();
    return this.getSession();
  }

  dispose(): Promise<void> {
    // Runs at once, like the body of an async function; a throw becomes the rejection.
    return new Promise((resolve) => {
      this.#disposed = true;
      this.#p.facts.signingIn = null;
      this.#p.flow.failAll(new AuthError('sign_in_cancelled'));
      this.#listeners.clear();
      this.#p.cache.dispose();
      this.#p.revocations.dispose();
      resolve();
    });
  }

  /** An accepted callback: the code grant, then a new (or renewed) account, or consent merged into one. */
  async #complete(pending: PendingSignIn<SessionState>, accepted: AcceptedCallback, purpose: Purpose): Promise<SessionState> {
    const p = this.#p;
    const provider = this.#provider(pending.providerId);
    const { providerTimeoutSeconds: timeoutSeconds, clockToleranceSeconds } = p.settings;
    const deps = { fetch: p.fetch, logger: p.log, clock: p.clock, timeoutSeconds, clockToleranceSeconds };
    const got = await completeAuthorization(provider, await p.configs.get(provider), pending, accepted, deps);
    // The core was disposed while the code was being exchanged: nothing is kept.
    if (this.#disposed) throw new AuthError('sign_in_cancelled');
    applyAuthorized(provider, purpose, got, { registry: p.registry, cache: p.cache, signOuts: p.signOuts, facts: p.facts, logger: p.log, open: p.open });
    const event = purpose.kind === 'consent' ? 'consent.done' : 'sign_in.done';
    p.log('info', event, { providerId: provider.id, persistent: this.#opts.vault.status().persistent });
    if (p.facts.signingIn?.state === pending.state) p.facts.signingIn = null;
    this.#emit();
    return this.getSession();
  }

  #needsConsent(account: Account, api: string): void {
    if (this.#p.registry.isCurrent(account) && account.needsConsent(api)) this.#emit();
  }

  /** The provider refused the account's refresh token: that account is over; the others go on. */
  #rejected(account: Account, err: AuthError): void {
    const { registry, signOuts, facts } = this.#p;
    if (!registry.isCurrent(account)) return;
    const wasActive = registry.activeId === account.id;
    // No other account is made active: that would switch person behind their back.
    signOuts.endLocally(account, { activateNext: false });
    if (wasActive) {
      facts.endReason = { code: err.code, message: err.message };
      facts.revocation = undefined;
    }
    this.#emit();
  }

  /** An account's provider; accounts of a provider no longer configured are dropped at restore. */
  #provider(providerId: string): ProviderConfig {
    const provider = this.#p.providers.get(providerId);
    if (!provider) throw new AuthError('not_signed_in', 'The identity provider of that account is no longer configured.');
    return provider;
  }

  /** The account a call names, or the active one. */
  #account(accountId: string | undefined): Account {
    const account = accountId === undefined ? this.#p.registry.active() : this.#p.registry.get(accountId);
    if (!account) throw new AuthError('not_signed_in', accountId === undefined ? undefined : 'That account is not signed in.');
    return account;
  }

  #emit(): void {
    const state = this.getSession();
    for (const listener of this.#listeners) {
      try {
        listener(state);
      } catch (err) {
        this.#p.log('error', 'listener.failed', { errorCode: toErrorPayload(err).code });
      }
    }
  }
}

/**
 * The auth core: authorization code flow with PKCE in the system browser,
 * callback handling, accounts with refresh, API requests and sign-out.
 * Electron-free: everything it touches is passed in (see `AuthCoreOptions`).
 *
 * This file only coordinates (as VS Code's `authProvider.ts` does): each
 * public method hands over to the part with that job — sign-in-flow.ts
 * (pending sign-ins, callback routing), authorization-finish.ts (the code
 * grant and what it changes), consent.ts, account-events.ts (a refused grant,
 * consent or step-up asked by an API), accounts.ts (the registry and its rules),
 * token-cache.ts (every access token, keyed by account and API),
 * sign-out-flow.ts, restore.ts, session-view.ts; core-parts.ts wires them.
 *
 * @see RFC 8252 (OAuth 2.0 for Native Apps), RFC 7636 (PKCE), RFC 9207 (iss),
 *      RFC 7009 (revocation), RFC 9700 (OAuth 2.0 Security BCP)
 */
import type { Account } from './accounts';
import { callApi } from './api-call';
import { isUnknownClient } from './api-connections';
import { signInResources } from './apis';
import type { ProviderConfig } from './config';
import { consentAsk } from './consent';
import type { AuthCoreOptions } from './core-options';
import { coreParts, type CoreParts } from './core-parts';
import { AuthError, toErrorPayload } from './errors';
import { restoreAccounts } from './restore';
import { sessionState } from './session-view';
import { stepUpAsk } from './step-up-flow';
import type { AccountSummary, ApiConnectionPlan, ApiRequest, ApiResponse, AuthCore, ProviderSummary, SessionState, SignInOptions } from './types';

/** @public What a host passes to `createAuthCore`, and the vault interface it may implement itself. */
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
      session: () => this.getSession(),
    });
  }

  listProviders(): ProviderSummary[] {
    return this.#opts.config.providers.map((p) => ({
      id: p.id,
      displayName: p.displayName,
      ...(p.deviceCode ? { deviceCode: p.deviceCode } : {}),
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

  async #signIn(provider: ProviderConfig, options: SignInOptions): Promise<SessionState> {
    const params = {
      ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
      ...(options.loginHint !== undefined ? { login_hint: options.loginHint } : {}),
    };
    const resources = signInResources(provider);
    const { flow } = this.#p;
    if (options.onAnotherDevice === true || provider.deviceCode === 'only') {
      if (!provider.deviceCode) throw new AuthError('invalid_request', `Signing in on another device is not enabled for ${provider.displayName}.`);
      return flow.onAnotherDevice(provider, resources);
    }
    try {
      return await flow.authorize(provider, { params, scopes: provider.scopes, resources, purpose: { kind: 'sign_in' } });
    } catch (err) {
      // No usable browser here (a kiosk, a remote session): the profile allows the other device instead.
      if (provider.deviceCode !== 'fallback' || !flow.browserFailed(err)) throw err;
      this.#p.log('info', 'sign_in.browser_unavailable_device_fallback', { providerId: provider.id });
      return flow.onAnotherDevice(provider, resources);
    }
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
    const provider = this.#p.provider(account.providerId);
    return this.#p.flow.authorize(provider, consentAsk(provider, account, apiId));
  }

  async requestStepUp(apiKey?: string, options: { accountId?: string } = {}): Promise<SessionState> {
    const account = this.#account(options.accountId);
    const provider = this.#p.provider(account.providerId);
    return this.#p.flow.authorize(provider, stepUpAsk(provider, account, apiKey));
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
    return callApi(account, provider, req, this.#p.apiCall);
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

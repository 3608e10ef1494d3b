/**
 * Sign-ins waiting for the browser (VS Code's `flows.ts`): starting one
 * (a newer one supersedes it), the one-time loopback listener, cancel, and
 * routing each callback the OS delivers to the sign-in it belongs to —
 * including callbacks without `state` from providers declared not to echo
 * it, and an expired pushed request. What a callback then yields is
 * authorization-response.ts's; what it changes is the core's (`complete`).
 *
 * @see RFC 8252 §7 (redirects), RFC 9126 (PAR), RFC 9207 (iss)
 */
import * as client from 'openid-client';
import type { AcceptedCallback } from './authorization-response';
import { runDeviceFlow } from './device-flow';
import { PUSHED_REQUEST_EXPIRED } from './authorization-response';
import { authorizationParams, authorizationUrl } from './authorization-request';
import { parseCallbackUrl, redirectTarget } from './callback-url';
import { redirectUriFor, type AppConfig, type ProviderConfig } from './config';
import { DpopKey } from './dpop';
import type { ApiDpopStance } from './api-dpop-support';
import { AuthError, isAuthError } from './errors';
import { openLoopbackRedirect, type LoopbackRedirect } from './loopback-redirect';
import { NO_PKCE, PendingSignIns, type PendingSignIn } from './pending-sign-ins';
import { toAuthError } from './protocol-errors';
import { protocolFeatures } from './protocol-features';
import type { ProviderConfigs } from './provider-configs';
import type { ViewFacts } from './session-view';
import type { StepUpRequirement } from './step-up';
import type { Logger, SessionState, UrlOpener } from './types';

/** Why an authorization runs: a sign-in (add or renew an account), consent for one API of one account, or a step-up (RFC 9470) of one account. */
export type Purpose =
  | { kind: 'sign_in' }
  | { kind: 'consent'; accountId: string; api: string }
  | { kind: 'step_up'; accountId: string; api: string; requirement: StepUpRequirement };

/** What an authorization asks for beyond the profile's own parameters. */
export interface AuthorizationAsk {
  params: Record<string, string>;
  scopes: readonly string[];
  resources: readonly string[];
  purpose: Purpose;
}

export interface SignInFlowDeps {
  config: AppConfig;
  providers: ReadonlyMap<string, ProviderConfig>;
  configs: ProviderConfigs;
  openUrl: UrlOpener;
  logger: Logger;
  signInTimeoutMs: number;
  facts: ViewFacts;
  emit(): void;
  disposed(): boolean;
  /** What each API of the provider takes (DPoP or Bearer, api-dpop-support.ts): with the provider's metadata it decides DPoP. */
  apiDpop(provider: ProviderConfig): Promise<ApiDpopStance[]>;
  /** The DPoP key of an account (consent keeps it). */
  accountKey(accountId: string): DpopKey | undefined;
  /** Completes an accepted callback: exchanges the code and applies the result. */
  complete(pending: PendingSignIn<SessionState>, accepted: AcceptedCallback, purpose: Purpose): Promise<SessionState>;
  /** Completes a device sign-in's token response like a browser sign-in's; `state` is its marker's. */
  completeDevice(
    provider: ProviderConfig,
    config: client.Configuration,
    response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
    proof: { key: DpopKey; handle: client.DPoPHandle } | undefined,
    state: string,
  ): Promise<SessionState>;
}

export class SignInFlow {
  readonly #pending: PendingSignIns<SessionState>;
  /** What each authorization waiting for the browser is for, by `state`. */
  readonly #purposes = new Map<string, Purpose>();
  /** Profile-named callback parameters (code, identity): like `code`, each may appear only once. */
  readonly #callbackParams: string[];
  /** Issuers of the providers that send `iss` (for an expired pushed request, which has no `state`). */
  readonly #issuers = new Map<string, string>();
  /** The sign-in on another device that is polling (RFC 8628): aborting it stops the polling. */
  #device: AbortController | null = null;
  /** Failures of `openUrl`: a profile with `deviceCode: 'fallback'` then signs in on another device. */
  readonly #browserFailures = new WeakSet<object>();

  constructor(private readonly deps: SignInFlowDeps) {
    this.#pending = new PendingSignIns(deps.signInTimeoutMs);
    this.#callbackParams = [
      ...new Set(
        deps.config.providers.flatMap((p) =>
          [p.callback?.codeParam, ...Object.values(p.callback?.identity ?? {})].filter((n): n is string => typeof n === 'string'),
        ),
      ),
    ];
  }

  /** The authorization code flow for a sign-in or a consent; resolves once the callback is handled. */
  async authorize(provider: ProviderConfig, ask: AuthorizationAsk): Promise<SessionState> {
    const { deps } = this;
    // A new sign-in supersedes any older one: its state is forgotten, so its callback is refused.
    this.failAll(new AuthError('sign_in_cancelled', 'The sign-in was replaced by a newer one.'));
    const marker: NonNullable<ViewFacts['signingIn']> = { state: '', providerId: provider.id };
    deps.facts.signingIn = marker;
    deps.facts.endReason = undefined;
    deps.facts.revocation = undefined;
    deps.emit();
    let loopback: LoopbackRedirect | undefined;
    try {
      // What each API takes decides DPoP with the provider's metadata (protocol-features.ts); fetched alongside discovery.
      const [config, apiDpop] = await Promise.all([deps.configs.get(provider), deps.apiDpop(provider)]);
      const metadata = config.serverMetadata();
      const features = protocolFeatures(provider, metadata, apiDpop);
      // Only a provider that sends `iss` (RFC 9207) can end a pushed sign-in without `state`.
      if (metadata.authorization_response_iss_parameter_supported) this.#issuers.set(provider.id, metadata.issuer);
      // A new key on every fresh sign-in: nothing bound to an earlier session carries over. Consent keeps
      // the account's key: its new refresh token replaces one bound to that key, and the tokens the
      // account already holds stay provable.
      const accountKey = ask.purpose.kind === 'consent' ? deps.accountKey(ask.purpose.accountId) : undefined;
      const dpopKey = accountKey ?? (features.dpop ? await DpopKey.generate(features.dpop) : undefined);
      const codeVerifier = provider.pkce !== false ? client.randomPKCECodeVerifier() : NO_PKCE;
      const state = client.randomState();
      const nonce = provider.scopes.includes('openid') ? client.randomNonce() : undefined;
      if (provider.redirect === 'loopback') {
        // The listener knows its sign-in: what arrives there is bound to it even without `state`.
        loopback = await openLoopbackRedirect({ onCallback: (u) => this.accept(u, state), logger: deps.logger });
      }
      const redirectUri = loopback ? loopback.redirectUri : redirectUriFor(deps.config, provider);
      const codeChallenge = codeVerifier !== NO_PKCE ? await client.calculatePKCECodeChallenge(codeVerifier) : undefined;
      const request = authorizationParams({ provider, redirectUri, state, nonce, codeChallenge, ...ask });
      const url = await authorizationUrl(config, request, { par: features.par, dpopKey });
      // Superseded, cancelled or disposed while discovery, the key or the listener was being prepared.
      if (deps.facts.signingIn !== marker || deps.disposed()) throw new AuthError('sign_in_cancelled');
      marker.state = state;
      this.#purposes.set(state, ask.purpose);
      const entry = this.#pending.add({
        state,
        providerId: provider.id,
        codeVerifier,
        nonce,
        redirectUri,
        stateEchoed: provider.callback?.stateEchoed !== false,
        dpopKey,
        pushed: features.par,
        scopes: ask.scopes,
      });
      deps.logger('info', 'sign_in.started', {
        providerId: provider.id,
        redirect: loopback ? 'loopback' : 'scheme',
        sender: dpopKey ? 'dpop' : 'bearer',
        pushed: features.par,
      });
      // Real time, as the pending sign-in's timer runs: the window shows the time left and offers the link.
      const startedAt = Date.now();
      marker.browser = { url: url.href, startedAt, expiresAt: startedAt + deps.signInTimeoutMs };
      deps.emit();
      try {
        await deps.openUrl(url.href);
      } catch (err) {
        // The opener's own refusal (a vetted URL, the opening rate limit) says why; anything else is ours.
        // Only a browser that could not be opened at all leads to the device sign-in fallback.
        const failed = isAuthError(err) ? err : new AuthError('internal_error', 'The system browser could not be opened.', { cause: err });
        if (!isAuthError(err)) this.#browserFailures.add(failed);
        this.#pending.fail(state, failed);
      }
      return await entry.promise;
    } catch (err) {
      const authErr = toAuthError(err, 'Sign-in');
      deps.logger('info', 'sign_in.failed', { providerId: provider.id, errorCode: authErr.code });
      throw authErr;
    } finally {
      this.#purposes.delete(marker.state);
      await loopback?.close();
      if (deps.facts.signingIn === marker) {
        deps.facts.signingIn = null;
        deps.emit();
      }
    }
  }

  /** True when `err` ended a sign-in because the system browser could not be opened. */
  browserFailed(err: unknown): boolean {
    return typeof err === 'object' && err !== null && this.#browserFailures.has(err);
  }

  /**
   * Sign-in on another device (RFC 8628, device-flow.ts): the window shows the code while this
   * polls; it ends as a browser sign-in does (`completeDevice`: the same vault entry, account,
   * DPoP key and refresh rules). Cancel, sign-out, a newer sign-in and dispose stop it
   * (`failAll`), and nothing polls afterwards.
   */
  async onAnotherDevice(provider: ProviderConfig, resources: readonly string[]): Promise<SessionState> {
    const { deps } = this;
    this.failAll(new AuthError('sign_in_cancelled', 'The sign-in was replaced by a newer one.'));
    const abort = new AbortController();
    const marker = { state: `device:${client.randomState()}`, providerId: provider.id };
    this.#device = abort;
    deps.facts.signingIn = marker;
    deps.facts.device = undefined;
    deps.facts.endReason = undefined;
    deps.facts.revocation = undefined;
    deps.emit();
    try {
      // The same DPoP decision as a browser sign-in: the provider's offer and what every API takes.
      const [config, apiDpop] = await Promise.all([deps.configs.get(provider), deps.apiDpop(provider)]);
      const features = protocolFeatures(provider, config.serverMetadata(), apiDpop);
      const key = features.dpop ? await DpopKey.generate(features.dpop) : undefined;
      const handle = key?.handle(config);
      const params = new URLSearchParams(provider.scopes.length > 0 ? { scope: provider.scopes.join(' ') } : {});
      for (const resource of resources) params.append('resource', resource);
      deps.logger('info', 'sign_in.device_started', { providerId: provider.id, sender: key ? 'dpop' : 'bearer' });
      const response = await runDeviceFlow({
        config,
        params,
        signal: abort.signal,
        // The window counts the code's life down against its own clock, which is the real one.
        clock: Date.now,
        ...(handle ? { dpop: handle } : {}),
        onPrompt: (prompt) => {
          if (this.#device !== abort) return;
          deps.facts.device = prompt;
          deps.emit();
        },
      });
      if (abort.signal.aborted || deps.disposed()) throw new AuthError('sign_in_cancelled');
      return await deps.completeDevice(provider, config, response, key && handle ? { key, handle } : undefined, marker.state);
    } catch (err) {
      const authErr = toAuthError(err, 'Sign-in');
      deps.logger('info', 'sign_in.failed', { providerId: provider.id, errorCode: authErr.code, via: 'device' });
      throw authErr;
    } finally {
      abort.abort();
      if (this.#device === abort) this.#device = null;
      if (deps.facts.signingIn === marker) {
        deps.facts.signingIn = null;
        deps.facts.device = undefined;
        deps.emit();
      }
    }
  }

  /** Ends the sign-in waiting for the browser or another device, if any (`sign_in_cancelled`). */
  cancel(): void {
    const n = this.failAll(new AuthError('sign_in_cancelled'));
    if (this.deps.facts.signingIn && n === 0) {
      // Cancelled while discovery was still running: no pending entry yet.
      this.deps.facts.signingIn = null;
      this.deps.emit();
    }
  }

  /** Ends every waiting sign-in (browser or another device) with the same error (sign-out, dispose, a newer sign-in); how many there were. */
  failAll(error: AuthError): number {
    const device = this.#device;
    this.#device = null;
    device?.abort(error);
    return this.#pending.failAll(error) + (device ? 1 : 0);
  }

  /**
   * Routes one callback URL. `listenerState`: the URL arrived at the one-time
   * loopback listener opened for that sign-in. Only there, or at a private-use
   * redirect whose sign-in sends PKCE, may a callback without `state` complete
   * a sign-in whose provider is declared not to echo it. True when the URL was
   * a callback for a pending sign-in.
   */
  accept(url: string, listenerState?: string): boolean {
    const { deps } = this;
    const redirectUris = [
      ...deps.config.providers.filter((p) => p.redirect !== 'loopback').map((p) => redirectUriFor(deps.config, p)),
      ...this.#pending.redirectUris(),
    ];
    const stateless = this.#pending
      .stateless()
      .filter((e) => (listenerState !== undefined ? e.state === listenerState : deps.providers.get(e.providerId)?.redirect !== 'loopback'));
    const parsed = parseCallbackUrl(url, redirectUris, { statelessRedirectUris: stateless.map((e) => e.redirectUri), singleValued: this.#callbackParams });
    if (parsed.kind === 'ignored') {
      if (parsed.reason === 'no_state' && this.#expiredPushedRequest(url)) return true;
      deps.logger('debug', 'callback.ignored', { reason: parsed.reason });
      return false;
    }
    let state: string | undefined;
    if (parsed.kind === 'stateless') {
      // A shared (private-use) redirect has at most one such sign-in: a newer one replaces it.
      const hits = stateless.filter((e) => redirectTarget(new URL(e.redirectUri)) === parsed.target);
      state = hits.length === 1 ? hits[0]?.state : undefined;
    } else {
      state = parsed.state;
    }
    const taken = state === undefined ? undefined : this.#pending.take(state);
    if (!taken) {
      deps.logger('warn', 'callback.unknown_state', {});
      return false;
    }
    const purpose = this.#purposes.get(taken.state) ?? { kind: 'sign_in' };
    void deps.complete(taken, { params: parsed.params, stateless: parsed.kind === 'stateless' }, purpose).then(
      (value) => {
        taken.settle({ value });
      },
      (err: unknown) => {
        taken.settle({ error: toAuthError(err, 'Sign-in') });
      },
    );
    return true;
  }

  /**
   * RFC 9126: a pushed request lives briefly (60 s at oidc-provider). Opened
   * later, the provider can only answer `error=invalid_request_uri` without
   * `state` (the state was inside the expired request). Such an answer ends the
   * waiting pushed sign-ins of that provider with a clear message instead of
   * leaving the person waiting for the timeout. It must carry the provider's
   * exact `iss` (RFC 9207) and match a pushed sign-in; it carries no code, so
   * the most a forged one can do is what "Cancel" does (see SECURITY.md).
   */
  #expiredPushedRequest(raw: string): boolean {
    let params: URLSearchParams;
    try {
      params = new URL(raw).searchParams;
    } catch {
      return false;
    }
    if (params.get('error') !== 'invalid_request_uri' || params.getAll('iss').length !== 1) return false;
    const iss = params.get('iss');
    const states = this.#pending.statesWhere((p) => p.pushed === true && this.#issuers.get(p.providerId) === iss);
    for (const state of states) this.#pending.fail(state, new AuthError('sign_in_timeout', PUSHED_REQUEST_EXPIRED));
    if (states.length > 0) this.deps.logger('info', 'sign_in.pushed_request_expired', { count: states.length });
    return states.length > 0;
  }
}

/**
 * The IPC contract, written once: channel names and the type of every request
 * and answer. Type-only (plus the channel table) so the preload and the
 * renderer can import it without pulling in validators. The runtime validators
 * for the same payloads live in `contract.ts` (main process only).
 */
import type { ErrorPayload } from '../auth/errors';
import type { AccountSummary, ApiConnectionPlan, ApiRequest, ApiResponse, DeviceSignInPrompt, ProviderSummary, SessionState } from '../auth/types';
import type { Language } from '../i18n/strings';

export type { AccountSummary, ApiConnectionPlan, ApiRequest, ApiResponse, DeviceSignInPrompt, ErrorPayload, ProviderSummary, SessionState };

/** Request payload and answer type of every invokable channel. */
export interface IpcContract {
  getSession: { request: undefined; response: SessionState };
  /** The names and language the window shows (product name from the build, language from the OS locale). */
  getAppInfo: { request: undefined; response: AppInfo };
  listProviders: { request: undefined; response: ProviderSummary[] };
  signIn: { request: SignInInput | undefined; response: SessionState };
  cancelSignIn: { request: undefined; response: null };
  signOut: { request: SignOutInput | undefined; response: SessionState };
  signOutAll: { request: undefined; response: SessionState };
  listAccounts: { request: undefined; response: AccountSummary[] };
  setActiveAccount: { request: AccountInput; response: SessionState };
  addAccount: { request: AddAccountInput; response: SessionState };
  requestConsent: { request: RequestConsentInput; response: SessionState };
  requestStepUp: { request: RequestStepUpInput | undefined; response: SessionState };
  request: { request: ApiRequest; response: ApiResponse };
  /** Connect to an API by URL, step 1: what would happen (the server to sign in to), nothing opened. */
  planApiConnection: { request: PlanApiConnectionInput; response: ApiConnectionPlan };
  /** Step 2, after the person confirmed the plan: registration if needed, then the sign-in. */
  connectApi: { request: ConnectApiInput; response: SessionState };
}

/** What main pushes to the renderer (not invokable), by message. */
export interface IpcPushContract {
  sessionChanged: SessionState;
}

export type InvokeChannel = keyof IpcContract;
export type ChannelRequest<C extends InvokeChannel> = IpcContract[C]['request'];
export type ChannelResponse<C extends InvokeChannel> = IpcContract[C]['response'];

/**
 * The wire name of every message. `satisfies` makes a message missing here,
 * or one here that is in neither contract, a compile error.
 */
export const IPC_CHANNELS = {
  getSession: 'auth:get-session',
  getAppInfo: 'app:get-info',
  listProviders: 'auth:list-providers',
  signIn: 'auth:sign-in',
  cancelSignIn: 'auth:cancel-sign-in',
  signOut: 'auth:sign-out',
  signOutAll: 'auth:sign-out-all',
  listAccounts: 'auth:list-accounts',
  setActiveAccount: 'auth:set-active-account',
  addAccount: 'auth:add-account',
  requestConsent: 'auth:request-consent',
  requestStepUp: 'auth:request-step-up',
  request: 'api:request',
  planApiConnection: 'api:plan-connection',
  connectApi: 'api:connect',
  /** main → renderer push; not invokable. */
  sessionChanged: 'auth:session-changed',
} as const satisfies Record<InvokeChannel | keyof IpcPushContract, `${string}:${string}`>;

/** What the window needs to name itself; nothing secret, nothing the person typed. */
export interface AppInfo {
  /** The product name from the build's configuration (`productName`): the window's heading and title. */
  productName: string;
  /** The app's version (`app.getVersion()`). */
  version: string;
  /** The language of the window's words, from the OS locale. */
  language: Language;
}

export type IpcResult<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

export interface SignInInput {
  providerId?: string;
  /** "Sign in on another device" (RFC 8628): the window then shows a code to enter elsewhere. */
  onAnotherDevice?: boolean;
}

/** Adds a person: a sign-in that asks the provider to show its login page (`prompt=login`). */
export interface AddAccountInput {
  providerId: string;
}

export interface AccountInput {
  accountId: string;
}

export interface SignOutInput {
  /** The account to end; the active one when absent. */
  accountId?: string;
}

export interface PlanApiConnectionInput {
  /** The API's URL as the person typed it (https, or http on loopback). */
  apiUrl: string;
}

export interface ConnectApiInput {
  /** `ApiConnectionPlan.id` of the plan the person confirmed. */
  planId: string;
}

export interface RequestConsentInput {
  /** A declared API id (`apis[].id`) whose call answered `consent_required`. */
  api: string;
  accountId?: string;
}

export interface RequestStepUpInput {
  /** The API whose call answered `step_up_required` (its `api`, or an entry of `stepUpNeeded`); the newest challenge when absent. */
  api?: string;
  accountId?: string;
}

/** A message without input takes no argument; one whose input may be absent takes an optional one. */
type InvokeArgs<R> = [R] extends [undefined] ? [] : undefined extends R ? [input?: Exclude<R, undefined>] : [input: R];

/** The renderer's function for one invokable message. */
export type Invoker<C extends InvokeChannel> = (...args: InvokeArgs<ChannelRequest<C>>) => Promise<IpcResult<ChannelResponse<C>>>;

/** The renderer's subscription for one pushed message; returns the unsubscribe function. */
export type PushSubscriber<P extends keyof IpcPushContract> = (listener: (value: IpcPushContract[P]) => void) => () => void;

/**
 * What the preload exposes as `window.auth`: one named function per message,
 * derived from the contracts, so a message the preload does not expose does
 * not compile (and neither does one that validators or handlers miss: see
 * `contract.ts` and `handlers.ts`).
 * @public (the renderer's `window.auth` type, renderer/global.d.ts)
 */
export type AuthBridge = { readonly [C in InvokeChannel]: Invoker<C> } & {
  readonly [P in keyof IpcPushContract as `on${Capitalize<P>}`]: PushSubscriber<P>;
};

/**
 * The IPC contract, written once: channel names and the type of every request
 * and answer. Type-only (plus the channel table) so the preload and the
 * renderer can import it without pulling in validators. The runtime validators
 * for the same payloads live in `contract.ts` (main process only).
 */
import type { ErrorPayload } from '../auth/errors';
import type { AccountSummary, ApiRequest, ApiResponse, ProviderSummary, SessionState } from '../auth/types';

export type { AccountSummary, ApiRequest, ApiResponse, ErrorPayload, ProviderSummary, SessionState };

export const IPC_CHANNELS = {
  getSession: 'auth:get-session',
  listProviders: 'auth:list-providers',
  signIn: 'auth:sign-in',
  cancelSignIn: 'auth:cancel-sign-in',
  signOut: 'auth:sign-out',
  signOutAll: 'auth:sign-out-all',
  listAccounts: 'auth:list-accounts',
  setActiveAccount: 'auth:set-active-account',
  addAccount: 'auth:add-account',
  requestConsent: 'auth:request-consent',
  request: 'api:request',
  /** main → renderer push; not invokable. */
  sessionChanged: 'auth:session-changed',
} as const;

export type IpcResult<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

export interface SignInInput {
  providerId?: string;
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

export interface RequestConsentInput {
  /** A declared API id (`apis[].id`) whose call answered `consent_required`. */
  api: string;
  accountId?: string;
}

/** Request payload and answer type of every invokable channel. */
export interface IpcContract {
  getSession: { request: void; response: SessionState };
  listProviders: { request: void; response: ProviderSummary[] };
  signIn: { request: SignInInput | undefined; response: SessionState };
  cancelSignIn: { request: void; response: null };
  signOut: { request: SignOutInput | undefined; response: SessionState };
  signOutAll: { request: void; response: SessionState };
  listAccounts: { request: void; response: AccountSummary[] };
  setActiveAccount: { request: AccountInput; response: SessionState };
  addAccount: { request: AddAccountInput; response: SessionState };
  requestConsent: { request: RequestConsentInput; response: SessionState };
  request: { request: ApiRequest; response: ApiResponse };
}

/** What the preload exposes as `window.auth`: one named function per message. */
export interface AuthBridge {
  getSession(): Promise<IpcResult<SessionState>>;
  listProviders(): Promise<IpcResult<ProviderSummary[]>>;
  signIn(input?: SignInInput): Promise<IpcResult<SessionState>>;
  cancelSignIn(): Promise<IpcResult<null>>;
  signOut(input?: SignOutInput): Promise<IpcResult<SessionState>>;
  signOutAll(): Promise<IpcResult<SessionState>>;
  listAccounts(): Promise<IpcResult<AccountSummary[]>>;
  setActiveAccount(input: AccountInput): Promise<IpcResult<SessionState>>;
  addAccount(input: AddAccountInput): Promise<IpcResult<SessionState>>;
  requestConsent(input: RequestConsentInput): Promise<IpcResult<SessionState>>;
  request(req: ApiRequest): Promise<IpcResult<ApiResponse>>;
  onSessionChanged(listener: (state: SessionState) => void): () => void;
}

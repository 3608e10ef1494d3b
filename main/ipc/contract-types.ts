/**
 * The IPC contract, written once: channel names and the type of every request
 * and answer. Type-only (plus the channel table) so the preload and the
 * renderer can import it without pulling in validators. The runtime validators
 * for the same payloads live in `contract.ts` (main process only).
 */
import type { ErrorPayload } from '../auth/errors';
import type { ApiRequest, ApiResponse, ProviderSummary, SessionState } from '../auth/types';

export type { ApiRequest, ApiResponse, ErrorPayload, ProviderSummary, SessionState };

export const IPC_CHANNELS = {
  getSession: 'auth:get-session',
  listProviders: 'auth:list-providers',
  signIn: 'auth:sign-in',
  cancelSignIn: 'auth:cancel-sign-in',
  signOut: 'auth:sign-out',
  request: 'api:request',
  /** main → renderer push; not invokable. */
  sessionChanged: 'auth:session-changed',
} as const;

export type IpcResult<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

export interface SignInInput {
  providerId?: string;
}

/** Request payload and answer type of every invokable channel. */
export interface IpcContract {
  getSession: { request: void; response: SessionState };
  listProviders: { request: void; response: ProviderSummary[] };
  signIn: { request: SignInInput | undefined; response: SessionState };
  cancelSignIn: { request: void; response: null };
  signOut: { request: void; response: SessionState };
  request: { request: ApiRequest; response: ApiResponse };
}

/** What the preload exposes as `window.auth`: one named function per message. */
export interface AuthBridge {
  getSession(): Promise<IpcResult<SessionState>>;
  listProviders(): Promise<IpcResult<ProviderSummary[]>>;
  signIn(input?: SignInInput): Promise<IpcResult<SessionState>>;
  cancelSignIn(): Promise<IpcResult<null>>;
  signOut(): Promise<IpcResult<SessionState>>;
  request(req: ApiRequest): Promise<IpcResult<ApiResponse>>;
  onSessionChanged(listener: (state: SessionState) => void): () => void;
}

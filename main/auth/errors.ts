/**
 * The one error vocabulary shared by the auth core, the IPC layer and the UI.
 *
 * Codes are stable strings: tests assert them, the renderer switches on them.
 * Messages say what happened and what the person can do; they never contain a
 * token, an authorization code, a PKCE verifier or a client secret.
 */
export const AUTH_ERROR_CODES = [
  'state_mismatch',
  'iss_mismatch',
  'sign_in_timeout',
  'sign_in_cancelled',
  'sign_in_in_progress',
  'access_denied',
  'invalid_grant',
  'network_error',
  'server_error',
  'invalid_response',
  'host_not_allowed',
  'storage_insecure',
  'storage_error',
  'not_signed_in',
  'invalid_config',
  'invalid_request',
  'internal_error',
  'consent_required',
  'account_mismatch',
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

const DEFAULT_MESSAGES: Record<AuthErrorCode, string> = {
  state_mismatch: 'The sign-in response did not match a sign-in started by this app. Please try again.',
  iss_mismatch: 'The sign-in response came from an unexpected identity provider. Please try again.',
  sign_in_timeout: 'The sign-in took too long and was stopped. Please try again.',
  sign_in_cancelled: 'The sign-in was cancelled.',
  sign_in_in_progress: 'A sign-in is already waiting for the browser. Finish it there or cancel it first.',
  access_denied: 'Access was denied at the identity provider.',
  invalid_grant: 'The sign-in is no longer valid. Please sign in again.',
  network_error: 'The identity provider or API could not be reached. Check your connection and try again.',
  server_error: 'The server reported an error. Please try again later.',
  invalid_response: 'The server sent a response this app could not understand.',
  host_not_allowed: 'That address is not one this app is allowed to call with your sign-in.',
  storage_insecure: 'This system offers no secure storage; your sign-in is kept in memory only.',
  storage_error: 'The saved sign-in could not be read or written.',
  not_signed_in: 'You are not signed in.',
  invalid_config: 'The provider configuration is not valid.',
  invalid_request: 'The request was not valid.',
  internal_error: 'Something went wrong inside the app.',
  consent_required: 'This needs a permission you have not granted to this app yet.',
  account_mismatch: 'You signed in as a different person than the account this was for, so nothing was changed.',
};

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  /** The API concerned (`consent_required`): its configured id. */
  readonly api?: string;

  constructor(code: AuthErrorCode, message?: string, options?: { cause?: unknown; api?: string }) {
    super(message ?? DEFAULT_MESSAGES[code], options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
    if (options?.api !== undefined) this.api = options.api;
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}

export function isAuthErrorCode(value: unknown): value is AuthErrorCode {
  return typeof value === 'string' && (AUTH_ERROR_CODES as readonly string[]).includes(value);
}

export interface ErrorPayload {
  code: AuthErrorCode;
  message: string;
  /** With `consent_required`: the API whose permission is missing (see `requestConsent`). */
  api?: string;
}

/**
 * Converts anything thrown into the payload that may cross IPC. Unknown errors
 * become `internal_error` with the generic message: their text may quote a
 * request body or a URL with secrets in it, so it is never forwarded.
 */
export function toErrorPayload(err: unknown): ErrorPayload {
  if (isAuthError(err)) return { code: err.code, message: err.message, ...(err.api !== undefined ? { api: err.api } : {}) };
  return { code: 'internal_error', message: DEFAULT_MESSAGES.internal_error };
}

export function defaultMessage(code: AuthErrorCode): string {
  return DEFAULT_MESSAGES[code];
}

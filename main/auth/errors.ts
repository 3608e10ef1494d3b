/**
 * The one error vocabulary shared by the auth core, the IPC layer and the UI.
 *
 * Codes are stable strings: tests assert them, the renderer switches on them.
 * Messages say what happened and what the person can do; they never contain a
 * token, an authorization code, a PKCE verifier or a client secret.
 */
export const AUTH_ERROR_CODES = [
  'iss_mismatch',
  'sign_in_timeout',
  'sign_in_cancelled',
  'access_denied',
  'invalid_grant',
  'network_error',
  'server_error',
  'invalid_response',
  'host_not_allowed',
  'storage_error',
  'not_signed_in',
  'invalid_config',
  'invalid_request',
  'internal_error',
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

const DEFAULT_MESSAGES: Record<AuthErrorCode, string> = {
  iss_mismatch: 'The sign-in response came from an unexpected identity provider. Please try again.',
  sign_in_timeout: 'The sign-in took too long and was stopped. Please try again.',
  sign_in_cancelled: 'The sign-in was cancelled.',
  access_denied: 'Access was denied at the identity provider.',
  invalid_grant: 'The sign-in is no longer valid. Please sign in again.',
  network_error: 'The identity provider or API could not be reached. Check your connection and try again.',
  server_error: 'The server reported an error. Please try again later.',
  invalid_response: 'The server sent a response this app could not understand.',
  host_not_allowed: 'That address is not one this app is allowed to call with your sign-in.',
  storage_error: 'The saved sign-in could not be read or written.',
  not_signed_in: 'You are not signed in.',
  invalid_config: 'The provider configuration is not valid.',
  invalid_request: 'The request was not valid.',
  internal_error: 'Something went wrong inside the app.',
};

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;

  constructor(code: AuthErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? DEFAULT_MESSAGES[code], options);
    this.code = code;
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}

export interface ErrorPayload {
  code: AuthErrorCode;
  message: string;
}

/**
 * Converts anything thrown into the payload that may cross IPC. Unknown errors
 * become `internal_error` with the generic message: their text may quote a
 * request body or a URL with secrets in it, so it is never forwarded.
 */
export function toErrorPayload(err: unknown): ErrorPayload {
  if (isAuthError(err)) return { code: err.code, message: err.message };
  return { code: 'internal_error', message: DEFAULT_MESSAGES.internal_error };
}

import { format } from '../i18n/strings';

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
  'consent_required',
  'account_mismatch',
  'session_ended',
  'tls_untrusted',
  'proxy_auth_required',
  'clock_skew',
  'step_up_required',
  'step_up_failed',
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/**
 * The words for each code live in the strings table (main/i18n/strings.ts, `error.<code>`); the app's own
 * messages are English. Looked up when an error is made, not tabled at start-up.
 */
function defaultMessage(code: AuthErrorCode): string {
  return format('en', `error.${code}`);
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  /** The API concerned (`consent_required`, `step_up_required`): its configured id. */
  readonly api?: string;

  constructor(code: AuthErrorCode, message?: string, options?: { cause?: unknown; api?: string }) {
    super(message ?? defaultMessage(code), options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
    if (options?.api !== undefined) this.api = options.api;
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}

export interface ErrorPayload {
  code: AuthErrorCode;
  message: string;
  /** With `consent_required` / `step_up_required`: the API concerned (see `requestConsent`, `requestStepUp`). */
  api?: string;
}

/**
 * Converts anything thrown into the payload that may cross IPC. Unknown errors
 * become `internal_error` with the generic message: their text may quote a
 * request body or a URL with secrets in it, so it is never forwarded.
 */
export function toErrorPayload(err: unknown): ErrorPayload {
  if (isAuthError(err)) return { code: err.code, message: err.message, ...(err.api !== undefined ? { api: err.api } : {}) };
  return { code: 'internal_error', message: defaultMessage('internal_error') };
}

/** Node's / OpenSSL's codes for "the certificate chain does not end at a CA this process trusts". */
const UNTRUSTED_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/**
 * Recognises the two failures of a corporate network that deserve their own
 * words rather than "could not be reached": a certificate from an authority
 * this computer does not trust (a TLS-inspecting firewall, a private CA), and
 * a proxy that wants a password. Walks the `cause` chain: undici reports
 * `TypeError: fetch failed` with the real error as its cause; Electron's
 * `net.fetch` reports Chromium's `net::ERR_…` names. Returns null for anything else.
 */
export function transportFailure(err: unknown): AuthError | null {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    const message = current instanceof Error ? current.message : '';
    if ((typeof code === 'string' && UNTRUSTED_CERT_CODES.has(code)) || message.includes('net::ERR_CERT_AUTHORITY_INVALID')) {
      return new AuthError('tls_untrusted', undefined, { cause: err });
    }
    // undici's ProxyAgent: "Proxy response (407) !== 200 when HTTP Tunneling"; Chromium: ERR_PROXY_AUTH_*.
    if (/\(407\)|net::ERR_PROXY_AUTH/.test(message)) return new AuthError('proxy_auth_required', undefined, { cause: err });
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

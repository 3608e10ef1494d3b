/**
 * Short headings in plain words for each error code. The message from the
 * main process (already free of secrets) is shown under the heading and says
 * what the person can do.
 */
import type { ErrorPayload } from '../main/ipc/contract-types';

const HEADINGS: Record<ErrorPayload['code'], string> = {
  iss_mismatch: 'That sign-in response came from the wrong provider',
  sign_in_timeout: 'Sign-in timed out',
  sign_in_cancelled: 'Sign-in cancelled',
  access_denied: 'Access denied',
  invalid_grant: 'Please sign in again',
  network_error: 'Could not reach the server',
  server_error: 'The server had a problem',
  invalid_response: 'The server sent something unexpected',
  host_not_allowed: 'That address is not allowed',
  storage_error: 'Your saved sign-in could not be used',
  not_signed_in: 'You are not signed in',
  invalid_config: 'The app is not configured correctly',
  invalid_request: 'The app sent a request that was not valid',
  internal_error: 'Something went wrong',
  consent_required: 'Permission needed',
  account_mismatch: 'That was a different account',
  session_ended: 'Signed out by the provider',
  tls_untrusted: 'The connection is not trusted',
  proxy_auth_required: 'The proxy needs a password',
  clock_skew: "Check the computer's clock",
  step_up_required: 'Confirm it is you',
  step_up_failed: 'The stronger sign-in did not succeed',
};

export function errorHeading(code: string): string {
  return (HEADINGS as Record<string, string | undefined>)[code] ?? HEADINGS.internal_error;
}

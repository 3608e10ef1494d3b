/**
 * Sign-in on another device: the OAuth 2.0 Device Authorization Grant
 * (RFC 8628), for a computer whose browser cannot be used (a kiosk, a locked
 * VDI session, a remote desktop whose browser opens elsewhere).
 *
 * One run: ask the provider for a device code (openid-client
 * `initiateDeviceAuthorization`), check what it answered before anything is
 * shown, hand the person-facing part to `onPrompt`, then poll the token
 * endpoint (openid-client `pollDeviceAuthorizationGrant`, which waits the
 * server's `interval`, adds 5 s on `slow_down` and keeps waiting on
 * `authorization_pending`, RFC 8628 §3.5) until the person finishes, refuses,
 * the code expires, or the caller aborts. Nothing polls after it settles: the
 * one AbortSignal covers the waits and the requests.
 *
 * The device code itself never leaves this module's caller (the core); the
 * window gets only the user code and the verification URI.
 *
 * @see RFC 8628 §3.1–3.5, §5.4 (remote phishing), §6.1 (user code entropy)
 */
import * as client from 'openid-client';
import { isHttpsOrLoopbackUrl } from './config';
import { AuthError } from './errors';
import { toAuthError } from './protocol-errors';
import type { Clock, DeviceSignInPrompt } from './types';

/** RFC 8628 §3.2: the default when the provider names no interval; bounds keep a bad value from a tight loop or a stuck window. */
const DEFAULT_INTERVAL_S = 5;
const MIN_INTERVAL_S = 1;
const MAX_INTERVAL_S = 60;
/** A device code that lives longer than this is treated as living this long: the window does not wait for ever. */
const MAX_LIFETIME_S = 30 * 60;
/** What a person can read and type: visible ASCII and spaces, bounded. */
const USER_CODE_RE = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;
const MAX_URI_CHARS = 2048;

export interface DeviceFlowOptions {
  config: client.Configuration;
  /** `scope`, `resource`… for the device authorization request. */
  params: URLSearchParams;
  /** DPoP proofs for the token requests (RFC 9449 §5): the tokens are bound to the key. */
  dpop?: client.DPoPHandle;
  /** Aborting it ends the run with `sign_in_cancelled`, at once, with nothing left polling. */
  signal: AbortSignal;
  clock: Clock;
  /** Called once, with what the window shows, before the first poll. */
  onPrompt(prompt: DeviceSignInPrompt): void;
}

/**
 * Checks a device authorization response: what the window shows and what the
 * person's other device will open comes from the network, so the URIs must be
 * https (or http on loopback, a local provider) and the user code readable.
 * A `verification_uri_complete` on another origin than `verification_uri` is
 * dropped: the QR code would send the person somewhere the text does not name.
 */
export function devicePromptFrom(
  response: client.DeviceAuthorizationResponse,
  now: number,
): { prompt: DeviceSignInPrompt; intervalS: number; lifetimeS: number } {
  const { user_code: userCode, verification_uri: uri, verification_uri_complete: complete, expires_in: expiresIn, interval } = response;
  if (typeof userCode !== 'string' || !USER_CODE_RE.test(userCode)) {
    throw new AuthError('invalid_response', 'The identity provider sent a device sign-in code this app cannot show.');
  }
  const verificationUri = safeUri(uri);
  if (verificationUri === null) throw new AuthError('invalid_response', 'The identity provider sent a device sign-in address that is not https.');
  const completeUri = safeUri(complete);
  const sameOrigin = completeUri !== null && new URL(completeUri).origin === new URL(verificationUri).origin;
  const lifetimeS = Math.min(typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 0, MAX_LIFETIME_S);
  if (lifetimeS <= 0) throw new AuthError('invalid_response', 'The identity provider sent a device sign-in code that has already expired.');
  const intervalS = Math.min(
    Math.max(typeof interval === 'number' && Number.isFinite(interval) ? interval : DEFAULT_INTERVAL_S, MIN_INTERVAL_S),
    MAX_INTERVAL_S,
  );
  return {
    prompt: { userCode, verificationUri, ...(sameOrigin ? { verificationUriComplete: completeUri } : {}), expiresAt: now + lifetimeS * 1000 },
    intervalS,
    lifetimeS,
  };
}

function safeUri(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_URI_CHARS) return null;
  try {
    const url = new URL(value);
    return isHttpsOrLoopbackUrl(url) && url.username === '' && url.password === '' ? url.href : null;
  } catch {
    return null;
  }
}

/** Runs one device sign-in to its token response (see the module comment). */
export async function runDeviceFlow(opts: DeviceFlowOptions): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
  const { config, signal } = opts;
  if (!config.serverMetadata().device_authorization_endpoint) {
    throw new AuthError('invalid_config', 'This identity provider does not offer sign-in on another device (it publishes no device authorization endpoint).');
  }
  let response: client.DeviceAuthorizationResponse;
  try {
    response = await client.initiateDeviceAuthorization(config, opts.params);
  } catch (err) {
    throw toAuthError(err, 'Device sign-in');
  }
  if (signal.aborted) throw new AuthError('sign_in_cancelled');
  const { prompt, intervalS, lifetimeS } = devicePromptFrom(response, opts.clock());
  opts.onPrompt(prompt);
  const expiry = AbortSignal.timeout(lifetimeS * 1000);
  try {
    // The bounded interval replaces the provider's own (the poller reads `interval` from the response).
    return await client.pollDeviceAuthorizationGrant(config, { ...response, interval: intervalS }, undefined, {
      signal: AbortSignal.any([signal, expiry]),
      ...(opts.dpop ? { DPoP: opts.dpop } : {}),
    });
  } catch (err) {
    throw pollFailure(err, signal, expiry);
  }
}

const EXPIRED = 'The code expired before the sign-in was finished on the other device. Start again for a new code.';

/** RFC 8628 §3.5: what ends the polling, in the app's words. */
function pollFailure(err: unknown, cancel: AbortSignal, expiry: AbortSignal): AuthError {
  if (cancel.aborted) return new AuthError('sign_in_cancelled');
  if (expiry.aborted) return new AuthError('sign_in_timeout', EXPIRED);
  if (err instanceof client.ResponseBodyError) {
    if (err.error === 'expired_token') return new AuthError('sign_in_timeout', EXPIRED, { cause: err });
    if (err.error === 'access_denied') return new AuthError('access_denied', 'The sign-in was refused on the other device.', { cause: err });
  }
  return toAuthError(err, 'Device sign-in');
}

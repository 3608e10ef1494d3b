/**
 * How long a sign-in lasts when the provider gave no refresh token. Then the
 * access token is all there is: the sign-in ends when it expires, whether the
 * app runs or not, and the person has to sign in again. Unless the person is
 * told, that looks like the app forgetting them for no reason after a restart.
 *
 * Many providers issue a refresh token only for the `offline_access` scope,
 * and some drop that scope unless the request also says `prompt=consent`
 * (OpenID Connect Core §11; LemonLDAP::NG, oidc-provider): the log names that
 * as the likely cause, with the profile field that fixes it.
 */
import type { Logger } from './types';

/**
 * An access token that lives at least this long is a session of its own (e.g.
 * inTandem's 20-year tokens, kept encrypted like a refresh token): no notice.
 */
export const LONG_LIVED_ACCESS_TOKEN_MS = 24 * 60 * 60 * 1000;

/**
 * When a sign-in with these tokens ends (epoch ms): the access token's expiry
 * when there is no refresh token and that expiry is near; undefined when the
 * sign-in can go on (a refresh token, a long-lived or unlimited access token).
 */
export function signInEndsAt(tokens: { refreshToken?: string | undefined; expiresAt?: number | undefined }, now: number): number | undefined {
  if (tokens.refreshToken || tokens.expiresAt === undefined) return undefined;
  return tokens.expiresAt - now < LONG_LIVED_ACCESS_TOKEN_MS ? tokens.expiresAt : undefined;
}

/**
 * `offline_access_dropped`: asked for, but without `prompt=consent`, which such a provider requires.
 * (Short names: the log's redaction takes any 32-character word for a secret.)
 */
export type NoRefreshTokenCause = 'offline_access_not_asked' | 'offline_access_dropped' | 'provider_policy';

/** The likely reason a provider gave no refresh token, and the profile change that would get one. */
export function noRefreshTokenCause(
  askedScopes: readonly string[],
  authorizeParams: Readonly<Record<string, string>> | undefined,
): { cause: NoRefreshTokenCause; fix: string } {
  if (!askedScopes.includes('offline_access')) {
    return { cause: 'offline_access_not_asked', fix: 'add "offline_access" to the profile\'s "scopes"' };
  }
  const prompts = (authorizeParams?.prompt ?? '').split(' ');
  if (!prompts.includes('consent')) {
    return {
      cause: 'offline_access_dropped',
      fix: 'set "authorizeParams": { "prompt": "consent" } in the provider profile (OpenID Connect Core §11)',
    };
  }
  return { cause: 'provider_policy', fix: 'allow the refresh_token grant for this client at the provider (the profile already asks as it should)' };
}

/** `{ signInEndsAt }` for an Account literal, or nothing. */
export function optionalEnd(endsAt: number | undefined): { signInEndsAt?: number } {
  return endsAt === undefined ? {} : { signInEndsAt: endsAt };
}

/**
 * At the end of a sign-in whose account will not outlast its access token
 * (`signInEndsAt`): logs why, and the fix (no token in the fields).
 */
export function logShortSignIn(opts: {
  account: { providerId: string; signInEndsAt?: number | undefined };
  askedScopes: readonly string[];
  authorizeParams: Readonly<Record<string, string>> | undefined;
  logger: Logger;
}): void {
  const endsAt = opts.account.signInEndsAt;
  if (endsAt === undefined) return;
  const { cause, fix } = noRefreshTokenCause(opts.askedScopes, opts.authorizeParams);
  opts.logger('warn', 'sign_in.no_refresh_token', { providerId: opts.account.providerId, endsAt: new Date(endsAt).toISOString(), likelyCause: cause, fix });
}

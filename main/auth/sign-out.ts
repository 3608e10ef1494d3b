/**
 * What happens at the provider when the person signs out: RFC 7009 revocation
 * of the refresh and access tokens where the provider offers it, then the
 * end-session page in the browser when the profile asks for it. Local state is
 * already gone by the time this runs; nothing here throws.
 *
 * @see RFC 7009 (token revocation), OpenID Connect RP-Initiated Logout 1.0
 */
import * as client from 'openid-client';
import type { ProviderConfig } from './config';
import { toErrorPayload } from './errors';
import { toAuthError } from './protocol-errors';
import type { TokenSet } from './token-set';
import type { Logger, UrlOpener } from './types';

/**
 * How revocation went: `revoked` (every token the session held), `not_offered`
 * (the provider has no revocation endpoint), `failed` (the provider refused or
 * could not be reached: a token may stay valid until it expires).
 */
export type RevocationOutcome = 'revoked' | 'not_offered' | 'failed';

export interface SignOutDeps {
  /** The provider's configuration (discovery may fail: then revocation fails). */
  config(): Promise<client.Configuration>;
  openUrl: UrlOpener;
  logger: Logger;
}

/**
 * What sign-out revokes: the session's tokens, the access tokens it obtained
 * for single APIs, and refresh tokens a grant in flight rotated away from
 * (`replacedRefreshTokens`: consumed, but a provider may honour an old one for
 * a grace period after rotation).
 */
export type TokensToRevoke = Pick<TokenSet, 'refreshToken' | 'accessToken'> & {
  apiAccessTokens?: readonly string[];
  replacedRefreshTokens?: readonly string[];
};

export async function revokeAndEndSession(
  provider: ProviderConfig,
  tokens: TokensToRevoke & Pick<TokenSet, 'idToken'>,
  deps: SignOutDeps,
): Promise<RevocationOutcome> {
  let config: client.Configuration;
  try {
    config = await deps.config();
  } catch {
    deps.logger('warn', 'sign_out.revoke_skipped', { providerId: provider.id, why: 'provider unreachable' });
    return 'failed';
  }
  const outcome = await revokeTokens(provider, config, tokens, deps.logger);
  const metadata = config.serverMetadata();
  if (provider.endSessionInBrowser && metadata.end_session_endpoint) {
    try {
      const url = client.buildEndSessionUrl(config, {
        ...(tokens.idToken ? { id_token_hint: tokens.idToken } : {}),
        ...(provider.postLogoutRedirectUri ? { post_logout_redirect_uri: provider.postLogoutRedirectUri } : {}),
      });
      await deps.openUrl(url.href);
    } catch (err) {
      deps.logger('warn', 'sign_out.end_session_failed', { providerId: provider.id, errorCode: toErrorPayload(err).code });
    }
  }
  return outcome;
}

/**
 * RFC 7009 revocation of the refresh and access tokens, alone: what sign-out
 * does first, and what a kept failed revocation retries later. Never throws.
 */
export async function revokeTokens(provider: ProviderConfig, config: client.Configuration, tokens: TokensToRevoke, logger: Logger): Promise<RevocationOutcome> {
  const metadata = config.serverMetadata();
  if (!metadata.revocation_endpoint) return 'not_offered';
  let outcome: RevocationOutcome = 'revoked';
  const toRevoke: [string | undefined, string][] = [
    [tokens.refreshToken, 'refresh_token'],
    ...(tokens.replacedRefreshTokens ?? []).map((token): [string, string] => [token, 'refresh_token']),
    [tokens.accessToken, 'access_token'],
    ...(tokens.apiAccessTokens ?? []).map((token): [string, string] => [token, 'access_token']),
  ];
  for (const [token, hint] of toRevoke) {
    if (!token) continue;
    try {
      await client.tokenRevocation(config, token, { token_type_hint: hint });
      logger('info', 'sign_out.revoked', { providerId: provider.id, hint });
    } catch (err) {
      outcome = 'failed';
      logger('warn', 'sign_out.revoke_failed', { providerId: provider.id, hint, errorCode: toAuthError(err, 'Revocation').code });
    }
  }
  return outcome;
}

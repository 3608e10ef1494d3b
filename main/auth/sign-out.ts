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
import type { TokenSet } from './token-session';
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

export async function revokeAndEndSession(provider: ProviderConfig, tokens: TokenSet, deps: SignOutDeps): Promise<RevocationOutcome> {
  let config: client.Configuration;
  try {
    config = await deps.config();
  } catch {
    deps.logger('warn', 'sign_out.revoke_skipped', { providerId: provider.id, why: 'provider unreachable' });
    return 'failed';
  }
  const metadata = config.serverMetadata();
  let outcome: RevocationOutcome = metadata.revocation_endpoint ? 'revoked' : 'not_offered';
  if (metadata.revocation_endpoint) {
    const toRevoke: Array<[string | undefined, string]> = [
      [tokens.refreshToken, 'refresh_token'],
      [tokens.accessToken, 'access_token'],
    ];
    for (const [token, hint] of toRevoke) {
      if (!token) continue;
      try {
        await client.tokenRevocation(config, token, { token_type_hint: hint });
        deps.logger('info', 'sign_out.revoked', { providerId: provider.id, hint });
      } catch (err) {
        outcome = 'failed';
        deps.logger('warn', 'sign_out.revoke_failed', { providerId: provider.id, hint, errorCode: toAuthError(err, 'Revocation').code });
      }
    }
  }
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

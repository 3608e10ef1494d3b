/**
 * A token endpoint's answer as the core keeps it (code grant and refresh
 * grant alike): processed in one place, so "no access token" is refused in
 * one place.
 */
import type * as client from 'openid-client';
import { AuthError } from './errors';
import type { Clock } from './types';

export interface TokenSet {
  accessToken?: string;
  tokenType: string;
  /** Epoch ms; undefined when the provider gave no lifetime. */
  expiresAt?: number;
  refreshToken?: string;
  idToken?: string;
}

/** A refresh grant's answer: the token set and the scope the provider says it granted. */
export type GrantedTokens = TokenSet & { accessToken: string; scope?: string };

export function tokenSetFrom(response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, clock: Clock): TokenSet & { accessToken: string } {
  if (typeof response.access_token !== 'string' || response.access_token.length === 0) {
    throw new AuthError('invalid_response', 'The identity provider did not return an access token.');
  }
  const expiresIn = response.expiresIn();
  return {
    accessToken: response.access_token,
    tokenType: typeof response.token_type === 'string' && response.token_type ? response.token_type : 'Bearer',
    ...(expiresIn !== undefined ? { expiresAt: clock() + expiresIn * 1000 } : {}),
    ...(typeof response.refresh_token === 'string' ? { refreshToken: response.refresh_token } : {}),
    ...(typeof response.id_token === 'string' ? { idToken: response.id_token } : {}),
  };
}

/**
 * Opens an account: its refresh-token holder (the grant function at its
 * boundary), and the token source through which the token cache gets the
 * account's sign-in token and each API's own token.
 */
import type * as client from 'openid-client';
import { Account, type AccountRegistry } from './accounts';
import { apiGrantParams, findApi } from './apis';
import type { ProviderConfig } from './config';
import { consentRequired, missingScopes } from './consent-errors';
import type { DpopKey } from './dpop';
import { AuthError } from './errors';
import { refreshGrant } from './refresh-grant';
import { RefreshTokenHolder } from './refresh-token-holder';
import { optionalEnd, signInEndsAt } from './sign-in-lifetime';
import { SIGN_IN, type Acquired, type TokenCache } from './token-cache';
import type { TokenSet } from './token-set';
import type { Clock, UserInfo } from './types';

export interface AccountTokensDeps {
  registry: AccountRegistry;
  cache: TokenCache;
  clock: Clock;
  config(provider: ProviderConfig): Promise<client.Configuration>;
  /** The provider refused the account's grant. */
  onEnded(account: Account, error: AuthError): void;
  onConnectivity(account: Account, offline: boolean): void;
  /** An API's call needs consent the account's grant lacks. */
  onConsentNeeded(account: Account, api: string): void;
}

/** Creates an account (replacing one with the same id) with its refresh token, and opens its keys in the token cache. */
export function openAccount(
  provider: ProviderConfig,
  user: UserInfo,
  tokens: TokenSet,
  init: { granted?: string[] | undefined; dpopKey?: DpopKey | undefined },
  deps: AccountTokensDeps,
): Account {
  const grant = refreshGrant({ config: () => deps.config(provider), dpopKey: () => account.dpopKey, clock: deps.clock });
  const holder = new RefreshTokenHolder(tokens.refreshToken, {
    grant: async (refreshToken, params, api) => {
      const result = await grant(refreshToken, params, api);
      if (result.ok && result.tokens.idToken) account.idToken = result.tokens.idToken;
      return result;
    },
    // The holder calls this before the rotated token is used.
    persist: (refreshToken) => {
      deps.registry.persist(account, { refreshToken });
    },
  });
  const account: Account = new Account(provider.id, user, holder, {
    granted: init.granted ?? provider.scopes,
    ...(tokens.idToken !== undefined ? { idToken: tokens.idToken } : {}),
    ...(init.dpopKey ? { dpopKey: init.dpopKey } : {}),
    ...optionalEnd(signInEndsAt(tokens, deps.clock())),
  });

  const apiToken = async (key: string): Promise<Acquired> => {
    const entry = findApi(provider, key).entry;
    // The cache asks only for an API with its own token, which is always a declared entry.
    if (!entry) throw new AuthError('invalid_request', 'That API uses the sign-in token and has no token of its own.');
    if (holder.current === undefined) {
      // A provider that gives no refresh token (a long-lived access token only) cannot mint a token per API;
      // that is the configuration asking for something the provider does not offer, not a refusal.
      throw new AuthError(
        'invalid_config',
        `This provider gives no refresh token, so the app cannot get a separate token for "${entry.id}". Remove that API's own scopes, resource and audience from the profile to call it with the sign-in token.`,
      );
    }
    const result = await holder.run(apiGrantParams(entry), entry.id);
    if (!result.ok) {
      if (result.verdict.kind === 'consent') deps.onConsentNeeded(account, entry.id);
      return result;
    }
    if (missingScopes(entry, result.tokens.scope).length > 0) {
      deps.onConsentNeeded(account, entry.id);
      return { ok: false, verdict: { kind: 'consent', error: consentRequired(entry.id) } };
    }
    return acquired(result.tokens);
  };

  deps.registry.add(account);
  const signIn = tokens.accessToken
    ? { bearer: { token: tokens.accessToken, type: tokens.tokenType }, ...(tokens.expiresAt !== undefined ? { expiresAt: tokens.expiresAt } : {}) }
    : undefined;
  deps.cache.open(
    account.id,
    {
      providerId: provider.id,
      acquire: async (api) => {
        if (api !== SIGN_IN) return apiToken(api);
        const result = await holder.run();
        return result.ok ? acquired(result.tokens) : result;
      },
      onEnded: (error) => {
        deps.onEnded(account, error);
      },
      onConnectivity: (offline) => {
        deps.onConnectivity(account, offline);
      },
    },
    signIn,
  );
  return account;
}

function acquired(tokens: TokenSet & { accessToken: string }): Acquired {
  return {
    ok: true,
    bearer: { token: tokens.accessToken, type: tokens.tokenType },
    ...(tokens.expiresAt !== undefined ? { expiresAt: tokens.expiresAt } : {}),
  };
}

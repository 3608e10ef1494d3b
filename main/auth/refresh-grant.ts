/**
 * The refresh grant and its boundary: the one place where what the token
 * endpoint (or discovery, or the network) did becomes a verdict
 * (refresh-outcome.ts). Above it, the token cache receives tokens or a
 * verdict, never a raw error to classify again.
 *
 * @see RFC 6749 §6 (refreshing an access token), RFC 9449 §5 (DPoP-bound refresh tokens)
 */
import * as client from 'openid-client';
import { AuthError } from './errors';
import type { DpopKey } from './dpop';
import { toAuthError } from './protocol-errors';
import { classifyRefreshFailure, grantVerdict } from './refresh-outcome';
import type { GrantResult } from './refresh-token-holder';
import { tokenSetFrom } from './token-set';
import type { Clock } from './types';

export interface RefreshGrantDeps {
  config(): Promise<client.Configuration>;
  /** The account's DPoP key, read at each grant (consent may give the account one). */
  dpopKey(): DpopKey | undefined;
  clock: Clock;
}

/** A grant function for a `RefreshTokenHolder`; `api` names the API whose own token `params` ask for. */
export function refreshGrant(deps: RefreshGrantDeps): (refreshToken: string, params: Record<string, string> | undefined, api?: string) => Promise<GrantResult> {
  return async (refreshToken, params, api) => {
    let config: client.Configuration;
    try {
      config = await deps.config();
    } catch (err) {
      // Discovery is not the token endpoint: whatever it answered (a captive portal's 403, an
      // outage) says nothing about the refresh token, so the cause is cut and it counts as transient.
      const mapped = toAuthError(err, 'Refresh');
      return { ok: false, verdict: classifyRefreshFailure(new AuthError(mapped.code, mapped.message), deps.clock()) };
    }
    let response: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
    try {
      // A DPoP-bound refresh token (RFC 9449 §5) needs the account's proof, for an API's down-scoped token too.
      const key = deps.dpopKey();
      response = await client.refreshTokenGrant(config, refreshToken, params, key ? { DPoP: key.handle(config) } : undefined);
    } catch (err) {
      return { ok: false, verdict: grantVerdict(err, deps.clock(), api) };
    }
    try {
      const tokens = tokenSetFrom(response, deps.clock);
      return { ok: true, tokens: { ...tokens, ...(typeof response.scope === 'string' ? { scope: response.scope } : {}) } };
    } catch (err) {
      // A 2xx answer without an access token (a captive portal, a broken proxy): passing trouble.
      return { ok: false, verdict: classifyRefreshFailure(err, deps.clock()) };
    }
  };
}

/**
 * One API call on the renderer's behalf with an account's token for that API
 * (api-client.ts does the HTTP): which base URLs and which token key the API
 * gets (apis.ts), and a resource server's `insufficient_scope` challenge
 * turned into `consent_required` instead of an answer (RFC 6750 §3.1).
 */
import { apiRequest } from '../api/api-client';
import type { Account } from './accounts';
import { callTarget, findApi } from './apis';
import type { ProviderConfig } from './config';
import { challengedScopes } from './consent';
import { consentRequired } from './consent-errors';
import type { AuthError } from './errors';
import { stepUpChallenge, type StepUpRequirement } from './step-up';
import type { TokenCache } from './token-cache';
import type { ApiRequest, ApiResponse, FetchLike, Logger } from './types';

export interface ApiCallDeps {
  cache: TokenCache;
  fetch: FetchLike;
  logger: Logger;
  timeoutMs: number;
  /** Marks the API as waiting for consent (and tells the window). */
  needsConsent(account: Account, api: string): void;
  /** An API's step-up challenge (RFC 9470): the error to throw (the account marked, the window told). */
  needsStepUp(account: Account, api: { key: string; id: string | undefined; name: string }, requirement: StepUpRequirement): AuthError;
}

/** Compiled once per pattern (config.ts checked it compiles), not on every call. */
const compiledPatterns = new Map<string, RegExp>();
function expiredTokenRegExp(pattern: string): RegExp {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) compiledPatterns.set(pattern, (compiled = new RegExp(pattern, 'i')));
  return compiled;
}

export async function callApi(account: Account, provider: ProviderConfig, req: ApiRequest, deps: ApiCallDeps): Promise<ApiResponse> {
  const api = findApi(provider, req.api);
  const target = callTarget(provider, api);
  const response = await apiRequest(
    {
      baseUrls: target.baseUrls,
      fetch: deps.fetch,
      logger: deps.logger,
      timeoutMs: deps.timeoutMs,
      ...(provider.expiredTokenPattern ? { expiredTokenPattern: expiredTokenRegExp(provider.expiredTokenPattern) } : {}),
      accessToken: (rejected) =>
        rejected === undefined ? deps.cache.token(account.id, target.tokenKey) : deps.cache.retry(account.id, target.tokenKey, rejected),
      // Used only for a token whose type is DPoP (the sign-in token or an API's own, both from the account's grant).
      ...(account.dpopKey ? { dpop: account.dpopKey.resourceProofs } : {}),
    },
    // `accountId` is already resolved (`account`); apiRequest does not read it.
    { ...req, api: target.index },
  );
  // RFC 9470: the person must sign in more strongly; nothing opens the browser here (requestStepUp does, on a click).
  const stepUp = stepUpChallenge(response);
  if (stepUp) throw deps.needsStepUp(account, { key: api.key, id: api.entry?.id, name: api.entry?.displayName ?? api.entry?.id ?? 'This API' }, stepUp);
  const entry = api.ownToken ? api.entry : undefined;
  const wanted = entry ? challengedScopes(entry.scopes, response.status, response.headers['www-authenticate']) : null;
  if (!entry || !wanted) return response;
  if (wanted.length > 0) account.challengedScopes.set(entry.id, wanted);
  deps.needsConsent(account, entry.id);
  throw consentRequired(entry.id);
}

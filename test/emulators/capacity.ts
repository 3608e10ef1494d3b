/**
 * Capacity Dev Platform (`examples/profiles/capacity.json`; the document lines are traced in examples/README.md), literally:
 * - "Link url: The authorization url along with query parameters": the authorize
 *   URL carries a fixed query parameter (`access_type=offline`, an example).
 * - "Extraction path auth code": the callback's code parameter is configurable
 *   here (`codeParam`, default `code`); the callback echoes "the State itself".
 * - "Request body": `{"grant_type": "authorization_code", "redirect_uri": …,
 *   "code": "{{auth_code}}", "client_id": {{client_id}}, "client_secret": {{client_secret}}}`:
 *   a JSON body with exactly those keys; the unquoted `{{client_id}}` is a JSON
 *   number here (the app's numeric id), so a quoted one is refused.
 * - "Refresh token url" separate, "Refresh token body"
 *   `{"refresh_token": {{refresh_token}}, "grant_type": "refresh_token"}`.
 * - The response, flat, with the document's capitalisation: "Access_token …
 *   Refresh_token … Token_type … Scope … Expire_in". Refresh tokens rotate.
 */
import { EmulatorState, html, json, requireKeys, sameRedirect, serve, type Emulator, loginFlow } from './toolkit';

/** The client id is a number, as the unquoted `{{client_id}}` of the document's body template implies. */
export const CAPACITY_CLIENT = { id: 4711, secret: 'capacity-test-secret' };

export async function startCapacity(opts: { redirectUri: string; omitAccessToken?: boolean; codeParam?: string }): Promise<Emulator & { state: EmulatorState }> {
  const state = new EmulatorState();
  const tokens = () => ({
    ...(opts.omitAccessToken ? {} : { Access_token: state.issueAccessToken() }),
    Refresh_token: state.issueRefreshToken(),
    Token_type: 'Bearer',
    Scope: 'read',
    Expire_in: 3600,
  });
  const server = await serve((req) => {
    const path = req.url.pathname;
    const login = loginFlow(state, req, {
      authorizePath: '/oauth/authorize',
      ...(opts.codeParam ? { codeParam: opts.codeParam } : {}),
      // The link URL's fixed parameters.
      accept: (q) =>
        q.client_id !== String(CAPACITY_CLIENT.id) || q.response_type !== 'code' || q.access_type !== 'offline' || !sameRedirect(opts.redirectUri, q.redirect_uri ?? '')
          ? html(400, '<p>Invalid link URL.</p>')
          : null,
    });
    if (login) return login;
    if (req.method === 'POST' && path === '/oauth/token') {
      if (req.bodyKind !== 'json') return json(400, { error: 'invalid_request', error_description: 'JSON body required' });
      const b = req.body;
      if (typeof b.client_id !== 'number') return json(400, { error: 'invalid_request', error_description: 'client_id must be a number' });
      const problem = requireKeys({ ...b, client_id: String(b.client_id) }, ['grant_type', 'redirect_uri', 'code', 'client_id', 'client_secret']);
      if (problem) return json(400, { error: 'invalid_request', error_description: problem });
      if (b.client_id !== CAPACITY_CLIENT.id || b.client_secret !== CAPACITY_CLIENT.secret) return json(401, { error: 'invalid_client' });
      const rec = state.consumeCode(b.code);
      if (b.grant_type !== 'authorization_code' || !rec || rec.redirectUri !== b.redirect_uri) return json(400, { error: 'invalid_grant' });
      state.counters.tokenExchanges += 1;
      return json(200, tokens());
    }
    if (req.method === 'POST' && path === '/oauth/refresh') {
      if (req.bodyKind !== 'json') return json(400, { error: 'invalid_request' });
      const problem = requireKeys(req.body, ['refresh_token', 'grant_type']);
      if (problem || req.body.grant_type !== 'refresh_token') return json(400, { error: 'invalid_request', error_description: problem ?? 'grant_type' });
      if (!state.checkRefreshToken(req.body.refresh_token, true)) return json(400, { error: 'invalid_grant' });
      state.counters.refreshes += 1;
      return json(200, tokens());
    }
    if (path === '/v1/me') {
      state.counters.apiCalls += 1;
      return state.checkBearer(req) === 'ok' ? json(200, { app: 'capacity', ok: true }) : json(401, { error: 'invalid_token' });
    }
    return state.notFound();
  });
  return { ...server, counters: state.counters, state };
}

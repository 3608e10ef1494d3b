/**
 * Capacity Dev Platform (`examples/profiles/capacity.json`): a configured link URL (the authorize URL
 * with fixed query parameters), a token request whose JSON body follows the
 * document's template exactly, a SEPARATE refresh URL taking
 * `{"refresh_token", "grant_type"}`, and tokens nested in the response so the
 * client needs extraction paths: `{ data: { tokens: { access, refresh }, expires_in } }`.
 */
import { EmulatorState, html, json, requireKeys, sameRedirect, serve, type Emulator, loginFlow } from './toolkit';

export const CAPACITY_CLIENT = { id: 'capacity-app', secret: 'capacity-test-secret' };

export async function startCapacity(opts: { redirectUri: string; omitAccessToken?: boolean }): Promise<Emulator & { state: EmulatorState }> {
  const state = new EmulatorState();
  const tokens = () => ({
    data: { tokens: { ...(opts.omitAccessToken ? {} : { access: state.issueAccessToken() }), refresh: state.issueRefreshToken() }, expires_in: 3600, token_type: 'Bearer' },
  });
  const server = await serve((req) => {
    const path = req.url.pathname;
    const login = loginFlow(state, req, {
      authorizePath: '/oauth/authorize',
      // The link URL's fixed parameters.
      accept: (q) =>
        q.client_id !== CAPACITY_CLIENT.id || q.response_type !== 'code' || q.access_type !== 'offline' || !sameRedirect(opts.redirectUri, q.redirect_uri ?? '')
          ? html(400, '<p>Invalid link URL.</p>')
          : null,
    });
    if (login) return login;
    if (req.method === 'POST' && path === '/oauth/token') {
      if (req.bodyKind !== 'json') return json(400, { error: 'invalid_request', error_description: 'JSON body required' });
      const problem = requireKeys(req.body, ['grant_type', 'redirect_uri', 'code', 'client_id', 'client_secret']);
      if (problem) return json(400, { error: 'invalid_request', error_description: problem });
      if (req.body.client_id !== CAPACITY_CLIENT.id || req.body.client_secret !== CAPACITY_CLIENT.secret) return json(401, { error: 'invalid_client' });
      const rec = state.consumeCode(req.body.code);
      if (req.body.grant_type !== 'authorization_code' || !rec || rec.redirectUri !== req.body.redirect_uri) return json(400, { error: 'invalid_grant' });
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

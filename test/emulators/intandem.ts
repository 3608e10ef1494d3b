/**
 * inTandem (`examples/profiles/intandem.json`): JSON token request; the code lives only 30 seconds
 * (configurable so a test can prove an expired code fails); the response is
 * `{access_token, token_type: 'bearer', expires_in: 631152000, created_at}` —
 * twenty years from `created_at`, and no refresh token (the document shows
 * none); "the business' user info" at `GET /oauth/userinfo` (the document
 * does not show its answer: `{data:{user:{id,display_name,email}}}` here).
 */
import { EMULATOR_USER, EmulatorState, html, json, requireKeys, sameRedirect, serve, type Emulator, loginFlow } from './toolkit';

export const INTANDEM_CLIENT = { id: 'intandem-app', secret: 'intandem-test-secret' };

export async function startInTandem(opts: { redirectUri: string; codeTtlMs?: number }): Promise<Emulator & { state: EmulatorState }> {
  const state = new EmulatorState(opts.codeTtlMs ?? 30_000, 631_152_000_000);
  const server = await serve((req) => {
    const path = req.url.pathname;
    const login = loginFlow(state, req, {
      authorizePath: '/app/oauth/authorize',
      accept: (q) => (q.client_id !== INTANDEM_CLIENT.id || !sameRedirect(opts.redirectUri, q.redirect_uri ?? '') ? html(400, '<p>Unknown app.</p>') : null),
    });
    if (login) return login;
    if (req.method === 'POST' && path === '/oauth/token') {
      if (req.bodyKind !== 'json') return json(400, { error: 'invalid_request' });
      const problem = requireKeys(req.body, ['grant_type', 'code', 'client_id', 'client_secret', 'redirect_uri']);
      if (problem) return json(400, { error: 'invalid_request', error_description: problem });
      if (req.body.client_id !== INTANDEM_CLIENT.id || req.body.client_secret !== INTANDEM_CLIENT.secret) return json(401, { error: 'invalid_client' });
      const rec = state.consumeCode(req.body.code);
      if (req.body.grant_type !== 'authorization_code' || !rec) return json(400, { error: 'invalid_grant', error_description: 'code invalid or expired' });
      state.counters.tokenExchanges += 1;
      return json(200, { access_token: state.issueAccessToken(), token_type: 'bearer', expires_in: 631152000, created_at: Math.floor(Date.now() / 1000) });
    }
    if (req.method === 'GET' && path === '/oauth/userinfo') {
      state.counters.apiCalls += 1;
      if (state.checkBearer(req) !== 'ok') return json(401, { error: 'invalid_token' });
      return json(200, { data: { user: { id: EMULATOR_USER.sub, display_name: EMULATOR_USER.name, email: EMULATOR_USER.email } } });
    }
    return state.notFound();
  });
  return { ...server, counters: state.counters, state };
}

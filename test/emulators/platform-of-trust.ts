/**
 * Platform of Trust (`examples/profiles/platform-of-trust.json`): the login portal wants `grant_type=authorization`,
 * `response_type=code`, `client_id`, `redirect_uri` and `cancel_url`; the
 * callback carries `code`, `state`, `subject` and `client_id`; the token
 * request is form-encoded with `client_secret` AND the `state`; the response
 * echoes `state`. Declining ("cancel_url - Fallback URL in case user decline
 * authorization") sends the browser to `cancel_url` unchanged: the portal adds
 * nothing to it. Refresh (the document is silent): a standard form-encoded
 * refresh_token grant with the client credentials; the refresh token is not
 * rotated (the answer carries none, so the client keeps the one it has).
 */
import { EMULATOR_USER, EmulatorState, html, json, requireKeys, sameRedirect, serve, type Emulator, loginFlow } from './toolkit';

export const POT_CLIENT = { id: 'cc4a3f95-ad8b-4048-842e-71d6ea810bc9', secret: 'pot-test-secret' };

function isUrl(v: string | undefined): boolean {
  if (!v) return false;
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}

export async function startPlatformOfTrust(opts: { redirectUri: string }): Promise<Emulator & { state: EmulatorState }> {
  const state = new EmulatorState();
  const server = await serve((req) => {
    const path = req.url.pathname;
    const login = loginFlow(state, req, {
      authorizePath: '/authorize',
      accept: (q) =>
        q.grant_type === 'authorization' && q.response_type === 'code' && q.client_id === POT_CLIENT.id && isUrl(q.cancel_url) && sameRedirect(opts.redirectUri, q.redirect_uri ?? '')
          ? null
          : html(400, '<p>Invalid login request: grant_type=authorization, response_type=code, client_id, redirect_uri and cancel_url are required.</p>'),
      // Declining sends the browser to cancel_url as given: the document adds nothing to it.
      declineUrl: (q) => q.cancel_url!,
      // "subject - is ID of the created user", "client_id - your OAuth application ID".
      callbackParams: (q) => ({ subject: EMULATOR_USER.sub, client_id: q.client_id }),
    });
    if (login) return login;
    if (req.method === 'POST' && path === '/api/oauth/token') {
      if (req.bodyKind !== 'form') return json(400, { error: 'invalid_request', error_description: 'form encoding required' });
      const b = req.body;
      if (b.client_id !== POT_CLIENT.id || b.client_secret !== POT_CLIENT.secret) return json(401, { error: 'invalid_client' });
      if (b.grant_type === 'authorization_code') {
        // PKCE is not part of this provider; a code_verifier the client adds is ignored.
        const problem = requireKeys(b, ['grant_type', 'code', 'client_id', 'client_secret', 'redirect_uri', 'state'], ['grant_type', 'code', 'client_id', 'client_secret', 'redirect_uri', 'state', 'code_verifier']);
        if (problem) return json(400, { error: 'invalid_request', error_description: problem });
        const rec = state.consumeCode(b.code);
        if (!rec || rec.redirectUri !== b.redirect_uri || rec.state !== b.state) return json(400, { error: 'invalid_grant' });
        state.counters.tokenExchanges += 1;
        return json(200, { access_token: state.issueAccessToken(), expires_in: 86400, token_type: 'Bearer', state: b.state, refresh_token: state.issueRefreshToken() });
      }
      if (b.grant_type === 'refresh_token') {
        if (!state.checkRefreshToken(b.refresh_token, false)) return json(400, { error: 'invalid_grant' });
        state.counters.refreshes += 1;
        return json(200, { access_token: state.issueAccessToken(), expires_in: 86400, token_type: 'Bearer' });
      }
      return json(400, { error: 'unsupported_grant_type' });
    }
    if (path === '/api/v1/me') {
      state.counters.apiCalls += 1;
      if (state.checkBearer(req) !== 'ok') return json(401, { error: 'invalid_token' });
      return json(200, { id: EMULATOR_USER.sub, name: EMULATOR_USER.name });
    }
    return state.notFound();
  });
  return { ...server, counters: state.counters, state };
}

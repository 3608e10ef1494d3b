/**
 * The Identity Hub (`examples/profiles/identity-hub.json`): tenant-templated paths
 * `/{tenant}/oauth2/v1/auth/` and `/{tenant}/oauth2/v1/token/` (an unknown
 * tenant is a 404), PKCE S256 enforced, JSON responses, and refresh tokens
 * rotated on every refresh (the old one is then refused). The registered
 * redirect is a loopback URI: any port on 127.0.0.1 (RFC 8252 §7.3). The
 * desktop app is registered as a public client: the "App's credentials" the
 * document asks for are its client_id, and PKCE binds the code.
 */
import { createHash } from 'node:crypto';
import { EmulatorState, html, json, redirect, requireKeys, sameRedirect, serve, withParams, type Emulator, loginFlow } from './toolkit';

const HUB_CLIENT_ID = 'desktop-app';

export async function startIdentityHub(opts: { tenant: string; redirectUri: string; /** Test-only: a hub that did not echo state (PKCE then binds). */ echoState?: boolean }): Promise<Emulator & { state: EmulatorState }> {
  const state = new EmulatorState();
  const server = await serve((req) => {
    const m = /^\/([^/]+)\/oauth2\/v1\/(auth|token)\/$/.exec(req.url.pathname);
    if (m && m[1] !== opts.tenant) return state.refuse(html(404, '<p>Unknown tenant.</p>'));
    const login = loginFlow(state, req, {
      authorizePath: `/${opts.tenant}/oauth2/v1/auth/`,
      ...(opts.echoState === false ? { echoState: false } : {}),
      accept: (q) => {
        if (q.client_id !== HUB_CLIENT_ID || q.response_type !== 'code' || !sameRedirect(opts.redirectUri, q.redirect_uri ?? '')) return html(400, '<p>Invalid request.</p>');
        if (q.code_challenge_method !== 'S256' || !q.code_challenge) return redirect(withParams(q.redirect_uri!, { error: 'invalid_request', error_description: 'PKCE S256 required', state: q.state }));
        return null;
      },
    });
    if (login) return login;
    if (m && m[2] === 'token' && req.method === 'POST') {
      if (req.bodyKind !== 'form') return json(400, { error: 'invalid_request' });
      const b = req.body;
      if (b.client_id !== HUB_CLIENT_ID) return json(401, { error: 'invalid_client' });
      if (b.grant_type === 'authorization_code') {
        const problem = requireKeys(b, ['grant_type', 'code', 'client_id', 'redirect_uri', 'code_verifier']);
        if (problem) return json(400, { error: 'invalid_request', error_description: problem });
        const rec = state.consumeCode(b.code);
        const challenge = createHash('sha256').update(String(b.code_verifier)).digest('base64url');
        if (!rec || rec.redirectUri !== b.redirect_uri || rec.codeChallenge !== challenge) return json(400, { error: 'invalid_grant' });
        state.counters.tokenExchanges += 1;
        return json(200, { access_token: state.issueAccessToken(), token_type: 'Bearer', expires_in: 3600, refresh_token: state.issueRefreshToken() });
      }
      if (b.grant_type === 'refresh_token') {
        if (!state.checkRefreshToken(b.refresh_token, true)) return json(400, { error: 'invalid_grant' });
        state.counters.refreshes += 1;
        return json(200, { access_token: state.issueAccessToken(), token_type: 'Bearer', expires_in: 3600, refresh_token: state.issueRefreshToken() });
      }
      return json(400, { error: 'unsupported_grant_type' });
    }
    if (req.url.pathname === `/${opts.tenant}/api/v1/me`) {
      state.counters.apiCalls += 1;
      return state.checkBearer(req) === 'ok' ? json(200, { tenant: opts.tenant, user: 'Seed User' }) : json(401, { error: 'invalid_token' });
    }
    return state.notFound();
  });
  return { ...server, counters: state.counters, state };
}

/**
 * Proto (`examples/profiles/proto.json`; document lines in examples/README.md): "the callback URI is structured as follows:
 * callback-URI?code=[authorization-code]" — no `state` in the callback (nor in
 * a decline), and no PKCE; "The server will then return an Access_Token,
 * Refresh_Token and an expires_in value" — those keys, as written. The callback
 * URI is registered as a loopback URI (any port, RFC 8252 §7.3). The token request is a JSON body
 * (`content-type: application/json` required) with `client_secret`; an
 * expired token is NOT answered with 401 but with "a Session expired or
 * Invalid response error": here 403 `{"error":"Session expired"}` by default
 * (`expiredAnswer` picks the other form, 400 `{"error":"Invalid"}`, which is
 * also the answer for a token it never issued). The client must recognise
 * either and refresh. Refresh: a JSON refresh_token grant with the consumer
 * credentials (the document names no body); the refresh token is reused.
 */
import { EmulatorState, html, json, requireKeys, sameRedirect, serve, type Emulator, loginFlow } from './toolkit';

export const PROTO_CLIENT = { id: 'proto-consumer', secret: 'proto-test-secret' };

export type ProtoExpiredAnswer = 'Session expired' | 'Invalid';

const ERROR_STATUS: Record<ProtoExpiredAnswer, number> = { 'Session expired': 403, Invalid: 400 };

export async function startProto(opts: {
  redirectUri: string;
  expiredAnswer?: ProtoExpiredAnswer;
  /** The document names no status for "Session expired or Invalid": another one than the default, to prove any works. */
  expiredStatus?: number;
  /** Access token lifetime (default an hour); 0: every token is expired as soon as it is issued. */
  accessTtlMs?: number;
}): Promise<Emulator & { state: EmulatorState }> {
  const expired = opts.expiredAnswer ?? 'Session expired';
  const state = new EmulatorState(undefined, opts.accessTtlMs);
  const server = await serve((req) => {
    const path = req.url.pathname;
    const login = loginFlow(state, req, {
      authorizePath: '/oauth/authorize',
      echoState: false,
      accept: (q) => (q.client_id !== PROTO_CLIENT.id || !sameRedirect(opts.redirectUri, q.redirect_uri ?? '') ? html(400, '<p>Unknown consumer or callback URI.</p>') : null),
    });
    if (login) return login;
    if (req.method === 'POST' && path === '/oauth/token') {
      if (req.bodyKind !== 'json') return json(400, { error: 'invalid_request', error_description: 'content-type must be application/json' });
      const b = req.body;
      if (b.client_id !== PROTO_CLIENT.id || b.client_secret !== PROTO_CLIENT.secret) return json(401, { error: 'invalid_client' });
      if (b.grant_type === 'authorization_code') {
        const problem = requireKeys(b, ['grant_type', 'code', 'redirect_uri', 'client_id', 'client_secret']);
        if (problem) return json(400, { error: 'invalid_request', error_description: problem });
        const rec = state.consumeCode(b.code);
        if (!rec || rec.redirectUri !== b.redirect_uri) return json(400, { error: 'invalid_grant' });
        state.counters.tokenExchanges += 1;
      } else if (b.grant_type === 'refresh_token') {
        const problem = requireKeys(b, ['grant_type', 'refresh_token', 'client_id', 'client_secret']);
        if (problem) return json(400, { error: 'invalid_request', error_description: problem });
        if (!state.checkRefreshToken(b.refresh_token, false)) return json(400, { error: 'invalid_grant' });
        state.counters.refreshes += 1;
      } else {
        return json(400, { error: 'unsupported_grant_type' });
      }
      return json(200, { Access_Token: state.issueAccessToken(), Refresh_Token: b.grant_type === 'refresh_token' ? b.refresh_token : state.issueRefreshToken(), expires_in: 3600 });
    }
    if (path === '/api/me') {
      state.counters.apiCalls += 1;
      const check = state.checkBearer(req);
      if (check === 'expired') return json(opts.expiredStatus ?? ERROR_STATUS[expired], { error: expired });
      if (check === 'unknown') return json(ERROR_STATUS.Invalid, { error: 'Invalid' });
      return json(200, { site: 'proto', member: 'Seed User' });
    }
    return state.notFound();
  });
  return { ...server, counters: state.counters, state };
}

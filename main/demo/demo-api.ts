/**
 * The demo API: a resource server that accepts a bearer token only after
 * asking the provider about it (RFC 7662 introspection), so expired and
 * revoked tokens are refused exactly as a production API would refuse them.
 * A DPoP-bound token (introspection returns `cnf.jkt`) is accepted only with
 * a valid proof from its key (RFC 9449 §7.1): a stolen token alone is useless.
 * `/admin` (of the sign-in token's API and of each resource API) demands the
 * stronger sign-in and answers a weaker token with RFC 9470's step-up
 * challenge; `/admin-broken` demands it even from a token that has it (a
 * misconfigured API, for the test that the app does not loop).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DPOP_ALGS, type DemoDpopVerifier } from './dpop-verifier';
import { DEMO_ACR, demoPerson } from './interactions';

export interface DemoApiOptions {
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  /** Only tokens issued to this client are accepted. */
  audienceClientId: string;
  /**
   * APIs under `/api/<id>/` that accept only a token whose audience is their
   * resource and whose scope has theirs; `/api/me` and `/api/hello` take the
   * sign-in token (no resource audience).
   */
  apis?: { id: string; resource: string; scopes: string[] }[];
  /** For introspection; default the global fetch (a provider with a private CA needs one that trusts it). */
  fetch?: typeof fetch;
  /** The API's own origin as clients address it (the `htu` of their proofs). */
  origin: string;
  dpop: DemoDpopVerifier;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function unauthorized(res: ServerResponse, description: string): void {
  json(
    res,
    401,
    { error: 'invalid_token', error_description: description },
    {
      'www-authenticate': `Bearer realm="demo-api", error="invalid_token", error_description="${description}"`,
    },
  );
}

interface Introspection {
  active: boolean;
  sub?: string;
  scope?: string;
  client_id?: string;
  token_type?: string;
  aud?: string | string[];
  cnf?: { jkt?: unknown };
  /** The sign-in level and time the token comes from (demo-provider's `extraTokenClaims`). */
  acr?: string;
  auth_time?: number;
}

/** RFC 9470 §3: the challenge in the scheme the token was presented with (RFC 9449 §7.1 for DPoP). */
function stepUpChallenge(res: ServerResponse, scheme: string): void {
  const challenge = `${scheme === 'dpop' ? 'DPoP' : 'Bearer'} realm="demo-api", error="insufficient_user_authentication", error_description="A stronger sign-in is required", acr_values="${DEMO_ACR.mfa}"`;
  json(res, 401, { error: 'insufficient_user_authentication' }, { 'www-authenticate': challenge });
}

/** `/admin`: the stronger sign-in or the challenge; `/admin-broken`: always the challenge. True when answered. */
function demandedStepUp(res: ServerResponse, subPath: string, info: Introspection, scheme: string): boolean {
  if (subPath === '/admin-broken' || (subPath === '/admin' && info.acr !== DEMO_ACR.mfa)) {
    stepUpChallenge(res, scheme);
    return true;
  }
  return false;
}

function dpopUnauthorized(res: ServerResponse, error: string, description: string, nonce: string | undefined): void {
  json(
    res,
    401,
    { error, error_description: description },
    {
      'www-authenticate': `DPoP algs="${DPOP_ALGS.join(' ')}", error="${error}", error_description="${description}"`,
      ...(nonce ? { 'dpop-nonce': nonce } : {}),
    },
  );
}

async function introspect(token: string, opts: DemoApiOptions): Promise<Introspection> {
  const res = await (opts.fetch ?? fetch)(opts.introspectionUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    signal: AbortSignal.timeout(5000),
  });
  if (res.status === 400) {
    // oidc-provider refuses to introspect JWT-shaped tokens (e.g. an ID token sent as a
    // bearer token) with unsupported_token_type: such a token is not one of our access tokens.
    const body = (await res.json().catch(() => ({}))) as { error?: unknown };
    if (body.error === 'unsupported_token_type') return { active: false };
  }
  if (!res.ok) throw new Error(`introspection answered ${res.status}`);
  const body = (await res.json()) as unknown;
  if (typeof body !== 'object' || body === null || typeof (body as { active?: unknown }).active !== 'boolean') {
    throw new Error('introspection answered without "active"');
  }
  return body as Introspection;
}

export async function handleDemoApi(req: IncomingMessage, res: ServerResponse, opts: DemoApiOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const match = /^(Bearer|DPoP) ([\x21-\x7e]+)$/i.exec(req.headers.authorization ?? '');
  // Both groups always match when the expression does; checked so the types say so too.
  const scheme = match?.[1]?.toLowerCase();
  const token = match?.[2];
  if (scheme === undefined || token === undefined) {
    unauthorized(res, 'missing bearer token');
    return;
  }
  let info: Introspection;
  try {
    info = await introspect(token, opts);
  } catch {
    json(res, 503, { error: 'temporarily_unavailable' });
    return;
  }
  if (!info.active || info.client_id !== opts.audienceClientId) {
    unauthorized(res, 'token is not active');
    return;
  }
  const jkt = typeof info.cnf?.jkt === 'string' ? info.cnf.jkt : undefined;
  const nonce = opts.dpop.requireNonce ? opts.dpop.currentNonce() : undefined;
  if (jkt !== undefined) {
    // Sender-constrained: the scheme must be DPoP and the proof must come from the bound key.
    if (scheme !== 'dpop') {
      dpopUnauthorized(res, 'invalid_token', 'DPoP-bound token presented as a bearer token', nonce);
      return;
    }
    const proof = req.headers.dpop;
    const check = await opts.dpop.verify({
      proof: typeof proof === 'string' ? proof : undefined,
      method: req.method ?? 'GET',
      htu: `${opts.origin}${path}`,
      accessToken: token,
      jkt,
    });
    if (!check.ok) {
      dpopUnauthorized(res, check.error, check.description, nonce);
      return;
    }
  } else if (scheme !== 'bearer' || (info.token_type && info.token_type !== 'Bearer')) {
    unauthorized(res, 'token is not active');
    return;
  }
  if (nonce) res.setHeader('dpop-nonce', nonce);
  const scopes = (info.scope ?? '').split(' ');
  const audiences = info.aud === undefined ? [] : Array.isArray(info.aud) ? info.aud : [info.aud];
  const resourceApi = (opts.apis ?? []).find((a) => path === `/api/${a.id}` || path?.startsWith(`/api/${a.id}/`));
  const boundTo = (opts.apis ?? []).find((a) => audiences.includes(a.resource));
  if (resourceApi) {
    // A token for another API (or the sign-in token) is refused: audience first, then scope (RFC 6750 §3.1).
    if (!audiences.includes(resourceApi.resource)) {
      unauthorized(res, 'token audience is not this API');
      return;
    }
    const missing = resourceApi.scopes.filter((s) => !scopes.includes(s));
    if (missing.length > 0) {
      json(
        res,
        403,
        { error: 'insufficient_scope' },
        {
          'www-authenticate': `Bearer realm="demo-api", error="insufficient_scope", scope="${resourceApi.scopes.join(' ')}"`,
        },
      );
      return;
    }
    const person = demoPerson(info.sub);
    if (demandedStepUp(res, path?.slice(`/api/${resourceApi.id}`.length) ?? '', info, scheme)) return;
    if (req.method === 'GET' && (path === `/api/${resourceApi.id}/me` || path === `/api/${resourceApi.id}/admin`)) {
      json(res, 200, { api: resourceApi.id, sub: info.sub, name: person?.name, aud: info.aud, scope: info.scope, acr: info.acr });
      return;
    }
    json(res, 404, { error: 'not_found' });
    return;
  }
  // The sign-in endpoints take only a token bound to no demo API.
  if (boundTo) {
    unauthorized(res, 'token audience is another API');
    return;
  }
  const name = demoPerson(info.sub)?.name ?? 'Demo User';
  if (demandedStepUp(res, path?.slice('/api'.length) ?? '', info, scheme)) return;
  switch (`${req.method} ${path}`) {
    case 'GET /api/admin': {
      json(res, 200, { sub: info.sub, name, acr: info.acr, authTime: info.auth_time, message: 'Signed in strongly enough for the admin page.' });
      return;
    }
    case 'GET /api/me': {
      json(res, 200, {
        sub: info.sub,
        name,
        email: scopes.includes('email') ? demoPerson(info.sub)?.email : undefined,
        scope: info.scope,
        // What the person sees in the demo window: whether the token was sender-constrained.
        tokenBinding: jkt !== undefined ? 'DPoP (RFC 9449): bound to a key only the app holds' : 'Bearer',
        servedAt: new Date().toISOString(),
      });
      return;
    }
    case 'GET /api/hello': {
      json(res, 200, { message: `Hello, ${name}!` });
      return;
    }
    default: {
      json(res, 404, { error: 'not_found' });
      return;
    }
  }
}

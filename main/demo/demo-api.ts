/**
 * The demo API: a resource server that accepts a bearer token only after
 * asking the provider about it (RFC 7662 introspection), so expired and
 * revoked tokens are refused exactly as a production API would refuse them.
 * A DPoP-bound token (introspection returns `cnf.jkt`) is accepted only with
 * a valid proof from its key (RFC 9449 §7.1): a stolen token alone is useless.
 *
 * It describes itself as RFC 9728 asks: Protected Resource Metadata for each
 * of its resources (`/api`, `/api/<id>`) at
 * `/.well-known/oauth-protected-resource/api[/<id>]`, and a 401 that names
 * it (`resource_metadata`), so a client given only its URL finds the
 * authorization server, its scopes, and that it takes DPoP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DPOP_ALGS, type DemoDpopVerifier } from './dpop-verifier';
import { demoPerson } from './interactions';

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
  /**
   * How the API behaves towards DPoP: `accepts` (default: takes DPoP-bound and
   * Bearer tokens and says so in its metadata), `requires` (refuses Bearer;
   * metadata says `dpop_bound_access_tokens_required`), `bearer-only` (an
   * RFC 6750 server: knows no DPoP, refuses the `DPoP` scheme, and publishes
   * no metadata at all, as most APIs today).
   */
  dpopStance?: 'accepts' | 'requires' | 'bearer-only';
}

/** The resource identifiers the demo API serves (RFC 9728 §1.2): `/api` and each `/api/<id>`. */
/** The resource API a path is under: each lives at its resource URL's path (`/api/contacts`, `/tools`). */
function resourceApiAt(path: string | undefined, opts: DemoApiOptions): NonNullable<DemoApiOptions['apis']>[number] | undefined {
  if (path === undefined) return undefined;
  return (opts.apis ?? []).find((a) => {
    const mount = new URL(a.resource).pathname;
    return path === mount || path.startsWith(`${mount}/`);
  });
}

function demoResourceFor(path: string, opts: DemoApiOptions): { resource: string; scopes: string[]; name: string } | null {
  const api = resourceApiAt(path, opts);
  if (api) return { resource: api.resource, scopes: api.scopes, name: `Demo ${api.id} API` };
  return path === '/api' || path.startsWith('/api/') ? { resource: `${opts.origin}/api`, scopes: ['openid', 'profile', 'email'], name: 'Demo API' } : null;
}

const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

/** True for a request the demo API's metadata handler answers. */
export function isDemoResourceMetadataPath(path: string): boolean {
  return path === METADATA_PREFIX || path.startsWith(`${METADATA_PREFIX}/`);
}

/** RFC 9728 §3: `GET /.well-known/oauth-protected-resource/api[/<id>]`. */
export function handleDemoResourceMetadata(req: IncomingMessage, res: ServerResponse, opts: DemoApiOptions & { issuer: string }): void {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const target = demoResourceFor(path.slice(METADATA_PREFIX.length), opts);
  const stance = opts.dpopStance ?? 'accepts';
  if (req.method !== 'GET' || !target || stance === 'bearer-only') {
    json(res, 404, { error: 'not_found' });
    return;
  }
  json(res, 200, {
    resource: target.resource,
    authorization_servers: [opts.issuer],
    scopes_supported: target.scopes,
    bearer_methods_supported: ['header'],
    resource_name: target.name,
    dpop_signing_alg_values_supported: DPOP_ALGS,
    ...(stance === 'requires' ? { dpop_bound_access_tokens_required: true } : {}),
  });
}

/** The `resource_metadata` parameter of this API's challenges (RFC 9728 §5.1), or '' for a Bearer-only API. */
function metadataParam(path: string, opts: DemoApiOptions): string {
  const target = demoResourceFor(path, opts);
  if (!target || opts.dpopStance === 'bearer-only') return '';
  const resourcePath = new URL(target.resource).pathname;
  return `, resource_metadata="${opts.origin}${METADATA_PREFIX}${resourcePath}"`;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function unauthorized(res: ServerResponse, description: string, metadata = ''): void {
  json(
    res,
    401,
    { error: 'invalid_token', error_description: description },
    {
      'www-authenticate': `Bearer realm="demo-api", error="invalid_token", error_description="${description}"${metadata}`,
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
  if (scheme === undefined || token === undefined || (scheme === 'dpop' && opts.dpopStance === 'bearer-only')) {
    // An RFC 6750 server does not know the DPoP scheme: to it, there is no bearer token here.
    unauthorized(res, 'missing bearer token', path === undefined ? '' : metadataParam(path, opts));
    return;
  }
  let info: Introspection;
  try {
    info = await introspect(token, opts);
  } catch {
    json(res, 503, { error: 'temporarily_unavailable' });
    return;
  }
  // A token whose audience is one of the resource APIs is for that API whichever client holds it (RFC 8707:
  // the audience is what a resource server checks), so an app that registered itself (RFC 7591) is served
  // there too; the sign-in endpoints take only the demo client's tokens.
  const audience = info.aud === undefined ? [] : Array.isArray(info.aud) ? info.aud : [info.aud];
  const forResource = audience.includes(resourceApiAt(path, opts)?.resource ?? '');
  if (!info.active || (info.client_id !== opts.audienceClientId && !forResource)) {
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
  } else if (opts.dpopStance === 'requires') {
    dpopUnauthorized(res, 'invalid_token', 'this API accepts only DPoP-bound tokens', nonce);
    return;
  }
  if (nonce) res.setHeader('dpop-nonce', nonce);
  const scopes = (info.scope ?? '').split(' ');
  const audiences = info.aud === undefined ? [] : Array.isArray(info.aud) ? info.aud : [info.aud];
  const resourceApi = resourceApiAt(path, opts);
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
    if (req.method === 'GET' && path === `${new URL(resourceApi.resource).pathname}/me`) {
      json(res, 200, { api: resourceApi.id, sub: info.sub, name: person?.name, aud: info.aud, scope: info.scope });
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
  switch (`${req.method} ${path}`) {
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

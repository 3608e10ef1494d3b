/**
 * Provider quirks applied at the HTTP seam (openid-client's `customFetch`),
 * so the protocol logic — state, PKCE, nonce, iss, ID token checks — stays
 * openid-client's and stays on for every provider:
 *
 * - token requests as a JSON body, from a body template, with extra headers;
 * - refresh requests sent to a separate URL, from their own template;
 * - token responses mapped from configured JSON paths into the standard shape
 *   (`token_type` defaulting to Bearer, `created_at`-relative expiry).
 */
import { AuthError } from './errors';
import { readJsonPath } from './json-path';
import type { ProviderConfig } from './config';
import type { Clock, FetchLike } from './types';

type TemplateValue = string | number | boolean | null;

/**
 * Fills `{{name}}` placeholders from the standard request's parameters. A
 * whole-value `{{name|number}}` or `{{name|boolean}}` becomes a JSON number or
 * boolean (a document's unquoted `"client_id": {{client_id}}`); a value that
 * is not one is a configuration error, never sent as something else.
 */
export function fillBodyTemplate(template: Record<string, TemplateValue>, params: URLSearchParams): Record<string, TemplateValue> {
  const out: Record<string, TemplateValue> = {};
  for (const [key, value] of Object.entries(template)) {
    if (typeof value !== 'string') {
      out[key] = value;
      continue;
    }
    const whole = /^\{\{([A-Za-z0-9_]+)(?:\|(number|boolean))?\}\}$/.exec(value);
    // Group 1 is not optional: it is there exactly when the whole value matched.
    const name = whole?.[1];
    if (name !== undefined) {
      const type = whole?.[2];
      const param = params.get(name);
      if (param !== null) out[key] = type === undefined ? param : typed(param, type, name);
      continue;
    }
    out[key] = value.replace(/\{\{([A-Za-z0-9_]+)\}\}/g, (_m, name: string) => params.get(name) ?? '');
  }
  return out;
}

function typed(raw: string, type: string, name: string): number | boolean {
  if (type === 'number') {
    const n = Number(raw);
    if (raw.trim() !== '' && Number.isFinite(n)) return n;
  } else if (raw === 'true' || raw === 'false') {
    return raw === 'true';
  }
  throw new AuthError('invalid_config', `The token request template wants ${name} as a ${type}, but its value is not one. Check the profile's body template.`);
}

/**
 * Rewrites a successful token response into RFC 6749 §5.1 shape. Throws
 * `invalid_response` when the configured path holds no access token.
 */
export function normalizeTokenResponse(body: unknown, provider: ProviderConfig, nowSeconds: number): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AuthError('invalid_response', 'The token response is not a JSON object.');
  }
  const map = provider.tokenResponse ?? {};
  const ignoreCase = map.ignoreCase === true;
  const pick = (path: string | undefined, fallback: string) => readJsonPath(body, path ?? fallback, { ignoreCase });
  const accessToken = pick(map.accessToken, 'access_token');
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw new AuthError('invalid_response', `The token response has no access token at "${map.accessToken ?? 'access_token'}".`);
  }
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>), access_token: accessToken };
  const tokenType = pick(map.tokenType, 'token_type');
  out.token_type = typeof tokenType === 'string' && tokenType ? tokenType : 'Bearer';
  const refreshToken = pick(map.refreshToken, 'refresh_token');
  if (typeof refreshToken === 'string' && refreshToken) out.refresh_token = refreshToken;
  else delete out.refresh_token;
  const idToken = pick(map.idToken, 'id_token');
  if (typeof idToken === 'string' && idToken) out.id_token = idToken;
  const expiresIn = Number(pick(map.expiresIn, 'expires_in'));
  const createdAtRaw = pick(map.createdAt, 'created_at');
  const createdAt = createdAtRaw === undefined ? NaN : Number(createdAtRaw);
  if (Number.isFinite(expiresIn)) {
    // `created_at + expires_in` is an absolute expiry; convert to "seconds from now".
    out.expires_in =
      Number.isFinite(createdAt) && createdAt > 0 ? Math.max(0, Math.floor(createdAt + expiresIn - nowSeconds)) : Math.max(0, Math.floor(expiresIn));
  } else {
    delete out.expires_in;
  }
  return out;
}

interface FetchInit {
  method?: string;
  headers?: Record<string, string> | Headers;
  body?: unknown;
  redirect?: RequestRedirect;
  signal?: AbortSignal | null;
}

/**
 * Wraps `base` so requests to the token endpoint follow the provider profile.
 * Everything else passes through untouched.
 */
export function quirksFetch(provider: ProviderConfig, tokenEndpoint: string, refreshEndpoint: string | undefined, base: FetchLike, clock: Clock): FetchLike {
  const req = provider.tokenRequest ?? {};
  const needsRequestRewrite =
    req.encoding === 'json' || Boolean(req.bodyTemplate) || Boolean(req.refreshBodyTemplate) || Boolean(req.headers) || Boolean(refreshEndpoint);
  const wrapped = async (input: string | URL | Request, init?: FetchInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url !== tokenEndpoint || (init?.method ?? 'GET').toUpperCase() !== 'POST') return base(input, init as RequestInit);

    let target = url;
    let nextInit: FetchInit = init ?? {};
    if (needsRequestRewrite) {
      const params = new URLSearchParams(typeof init?.body === 'string' || init?.body instanceof URLSearchParams ? init.body : '');
      const isRefresh = params.get('grant_type') === 'refresh_token';
      if (isRefresh && refreshEndpoint) target = refreshEndpoint;
      const template = isRefresh ? req.refreshBodyTemplate : req.bodyTemplate;
      const fields: Record<string, TemplateValue> = template ? fillBodyTemplate(template, params) : Object.fromEntries(params);
      const headers = new Headers(init?.headers);
      for (const [k, v] of Object.entries(req.headers ?? {})) headers.set(k, v);
      let body: string;
      if (req.encoding === 'json') {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(fields);
      } else {
        headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
        body = new URLSearchParams(
          Object.entries(fields)
            .filter(([, v]) => v !== null)
            .map(([k, v]) => [k, String(v)]),
        ).toString();
      }
      nextInit = { ...init, headers: Object.fromEntries(headers), body };
    }
    const response = await base(target, nextInit as RequestInit);
    if (!response.ok || !/json/i.test(response.headers.get('content-type') ?? '')) return response;
    const parsed: unknown = await response.json().catch(() => {
      throw new AuthError('invalid_response', 'The token response is not valid JSON.');
    });
    const normalized = normalizeTokenResponse(parsed, provider, Math.floor(clock() / 1000));
    return new Response(JSON.stringify(normalized), {
      status: response.status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  };
  return wrapped as FetchLike;
}

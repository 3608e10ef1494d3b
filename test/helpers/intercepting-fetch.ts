/**
 * An intercepting `fetch` for fast unit tests of the auth core (oauth4webapi's
 * style: the library under test does its real HTTP work, the test answers
 * each request): a small OAuth 2.0 provider (token endpoint with PKCE
 * S256 and refresh-token rotation, userinfo, revocation) and one resource
 * server, all in memory. What it checks is the protocol, not a copy of the
 * core's logic: a wrong verifier, a reused code or a rotated-away refresh
 * token are refused the way a provider refuses them (RFC 6749 §5.2, RFC 9700 §4.14.2).
 *
 * The real counterpart (oidc-provider on loopback) is what test/integration
 * uses; this is for the state machine, in milliseconds.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FetchLike } from '../../main/auth/types';

export const IDP = 'https://idp.test';
export const API = 'https://api.test/v1';
export const FILES = 'https://files.test';

interface Grant {
  sub: string;
  scopes: Set<string>;
}

interface Code extends Grant {
  challenge: string;
  redirectUri: string;
}

export interface FakeProvider {
  fetch: FetchLike;
  /** The browser's part: signs `sub` in on the authorization URL the core opened and returns the callback URL. */
  authorize(url: string, sub: string, extra?: Record<string, string>): string;
  /** Requests seen, by kind. */
  /** `api`: calls to the APIs; `resourceMetadata`: the RFC 9728 documents the core asks for to decide DPoP per API (issue 19). */
  seen: { codeGrants: number; refreshGrants: { scope?: string }[]; revoked: string[]; api: string[]; resourceMetadata: string[] };
  /** The refresh token currently valid for each grant (rotation). */
  liveRefreshTokens(): string[];
  /** Makes the next `n` refresh grants fail with this HTTP status and OAuth error. */
  failRefresh(status: number, error: string, n?: number): void;
  /** The resource server answers every call with 401 from now on (or again normally). */
  apiRefusesAll(on: boolean): void;
}

const random = () => randomBytes(12).toString('base64url');

export function fakeProvider(clock: () => number, opts: { accessTokenSeconds?: number } = {}): FakeProvider {
  const codes = new Map<string, Code>();
  const refreshTokens = new Map<string, Grant>();
  const accessTokens = new Map<string, Grant & { exp: number }>();
  const seen: FakeProvider['seen'] = { codeGrants: 0, refreshGrants: [], revoked: [], api: [], resourceMetadata: [] };
  let failures: { status: number; error: string; n: number } | undefined;
  let refuseAll = false;
  const ttl = opts.accessTokenSeconds ?? 3600;

  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const oauthError = (status: number, error: string) => json(status, { error });
  const issue = (grant: Grant, scopeAsked?: Set<string>) => {
    const scopes = scopeAsked ?? grant.scopes;
    const accessToken = `at-${random()}`;
    const refreshToken = `rt-${random()}`;
    accessTokens.set(accessToken, { sub: grant.sub, scopes, exp: clock() + ttl * 1000 });
    refreshTokens.set(refreshToken, grant);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, refresh_token: refreshToken, scope: [...scopes].join(' ') };
  };
  const bearer = (headers: Headers) => {
    const token = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
    const at = token === undefined ? undefined : accessTokens.get(token);
    return at && at.exp > clock() ? at : undefined;
  };

  const token = (form: URLSearchParams): Response => {
    if (form.get('grant_type') === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      // Single-use code, bound to its PKCE challenge and redirect URI (RFC 7636 §4.6, RFC 6749 §4.1.3).
      if (code === undefined) return oauthError(400, 'invalid_grant');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (challenge !== code.challenge || form.get('redirect_uri') !== code.redirectUri) return oauthError(400, 'invalid_grant');
      seen.codeGrants += 1;
      return json(200, issue({ sub: code.sub, scopes: code.scopes }));
    }
    if (form.get('grant_type') === 'refresh_token') {
      const scope = form.get('scope') ?? undefined;
      seen.refreshGrants.push(scope !== undefined ? { scope } : {});
      if (failures && failures.n > 0) {
        failures.n -= 1;
        return oauthError(failures.status, failures.error);
      }
      const rt = form.get('refresh_token') ?? '';
      const grant = refreshTokens.get(rt);
      if (!grant) return oauthError(400, 'invalid_grant');
      // Rotation: the refresh token is single-use.
      refreshTokens.delete(rt);
      const asked = scope === undefined ? undefined : new Set(scope.split(' '));
      if (asked && [...asked].some((s) => !grant.scopes.has(s))) {
        refreshTokens.set(rt, grant);
        return oauthError(400, 'invalid_scope');
      }
      return json(200, issue(grant, asked));
    }
    return oauthError(400, 'unsupported_grant_type');
  };

  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = await request.text();
    if (url.href === `${IDP}/token`) return token(new URLSearchParams(body));
    if (url.href === `${IDP}/revoke`) {
      const form = new URLSearchParams(body);
      const t = form.get('token') ?? '';
      seen.revoked.push(t);
      refreshTokens.delete(t);
      accessTokens.delete(t);
      return new Response(null, { status: 200 });
    }
    if (url.href === `${IDP}/userinfo`) {
      const at = bearer(request.headers);
      if (!at) return json(401, { error: 'invalid_token' });
      return json(200, { sub: at.sub, name: `Person ${at.sub}`, email: `${at.sub}@example.test` });
    }
    if (url.pathname.startsWith('/.well-known/oauth-protected-resource')) {
      seen.resourceMetadata.push(url.href);
      return new Response('not found', { status: 404 });
    }
    if (url.href.startsWith(API) || url.href.startsWith(FILES)) {
      seen.api.push(url.href);
      const at = bearer(request.headers);
      if (refuseAll || !at) return json(401, { error: 'invalid_token' });
      return json(200, { sub: at.sub, path: url.pathname, scopes: [...at.scopes] });
    }
    return new Response('not found', { status: 404 });
  };

  return {
    fetch,
    seen,
    authorize(raw, sub, extra = {}) {
      const url = new URL(raw);
      const p = url.searchParams;
      if (p.get('code_challenge_method') !== 'S256') throw new Error('the authorization request sent no S256 challenge');
      const code = `code-${random()}`;
      const redirectUri = p.get('redirect_uri') ?? '';
      codes.set(code, { sub, scopes: new Set((p.get('scope') ?? '').split(' ').filter(Boolean)), challenge: p.get('code_challenge') ?? '', redirectUri });
      const callback = new URL(redirectUri);
      callback.search = new URLSearchParams({ code, state: p.get('state') ?? '', ...extra }).toString();
      return callback.href;
    },
    liveRefreshTokens: () => [...refreshTokens.keys()],
    failRefresh(status, error, n = 1) {
      failures = { status, error, n };
    },
    apiRefusesAll(on) {
      refuseAll = on;
    },
  };
}

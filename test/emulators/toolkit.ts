/**
 * Shared parts of the seed-provider emulators: a loopback HTTP server, a
 * login page with the same markup as the demo provider (so the test system
 * browser can log in), single-use authorization codes with a lifetime, bearer
 * tokens with expiry, and request-body parsing. Each emulator (one file per
 * provider profile in examples/profiles/) adds its own strict rules on top.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const EMULATOR_USER = { username: 'demo', password: 'demo', sub: 'user-42', name: 'Seed User', email: 'seed@example.test' };

export interface Counters {
  authorize: number;
  tokenExchanges: number;
  refreshes: number;
  apiCalls: number;
  /** Authorize requests refused for not following the document (400 page, 404 tenant…). */
  rejected: number;
  /** Requests to a path the document does not have (discovery, revocation…): a strict client makes none. */
  unmatched: number;
  /** Times the person pressed Decline. */
  declined: number;
}

export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  state: string | null;
  codeChallenge: string | null;
  issuedAt: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

export const redirect = (location: string): Reply => ({ status: 302, headers: { location }, body: '' });

export const html = (status: number, text: string): Reply => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" },
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Emulator</title></head><body>${text}</body></html>`,
});

export const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The login page: same field names and button as the demo provider's, and a
 * Decline link (`#decline`): the person refuses to authorize the app.
 */
export function loginPage(pendingId: string, action: string, extra = ''): Reply {
  return html(
    200,
    `<h1>Sign in</h1><p>Use ${EMULATOR_USER.username} / ${EMULATOR_USER.password}</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="pending" value="${escapeHtml(pendingId)}">
<input name="username"><input name="password" type="password"><button type="submit">Sign in</button></form>
<p><a id="decline" href="/decline?pending=${encodeURIComponent(pendingId)}">Decline</a></p>${extra}`,
  );
}

export interface Request {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  rawBody: string;
  /** Form or JSON body as a flat record (non-string JSON values kept as they are). */
  body: Record<string, unknown>;
  bodyKind: 'form' | 'json' | 'none' | 'invalid';
}

export interface Emulator {
  baseUrl: string;
  counters: Counters;
  close(): Promise<void>;
}

export class EmulatorState {
  readonly counters: Counters = { authorize: 0, tokenExchanges: 0, refreshes: 0, apiCalls: 0, rejected: 0, unmatched: 0, declined: 0 };
  /** The refresh token issued last: what a client's vault must hold after a rotation. */
  lastRefreshToken: string | null = null;
  readonly #codes = new Map<string, CodeRecord>();
  readonly #pending = new Map<string, Record<string, string>>();
  readonly #access = new Map<string, number>();
  readonly #refresh = new Set<string>();

  constructor(readonly codeTtlMs = 60_000, readonly accessTtlMs = 3_600_000) {}

  holdAuthorizeRequest(params: Record<string, string>): string {
    const id = randomBytes(8).toString('hex');
    this.#pending.set(id, params);
    return id;
  }

  takeAuthorizeRequest(id: string): Record<string, string> | undefined {
    const p = this.#pending.get(id);
    this.#pending.delete(id);
    return p;
  }

  issueCode(record: Omit<CodeRecord, 'issuedAt'>): string {
    const code = randomBytes(16).toString('base64url');
    this.#codes.set(code, { ...record, issuedAt: Date.now() });
    return code;
  }

  /** Single use; undefined when unknown, used or past its lifetime. */
  consumeCode(code: unknown): CodeRecord | undefined {
    if (typeof code !== 'string') return undefined;
    const rec = this.#codes.get(code);
    this.#codes.delete(code);
    if (!rec || Date.now() - rec.issuedAt > this.codeTtlMs) return undefined;
    return rec;
  }

  issueAccessToken(): string {
    const token = randomBytes(24).toString('hex');
    this.#access.set(token, Date.now() + this.accessTtlMs);
    return token;
  }

  issueRefreshToken(): string {
    const token = randomBytes(24).toString('base64url');
    this.#refresh.add(token);
    this.lastRefreshToken = token;
    return token;
  }

  /** Single use (rotation) when `rotate`, else reusable. */
  checkRefreshToken(token: unknown, rotate: boolean): boolean {
    if (typeof token !== 'string' || !this.#refresh.has(token)) return false;
    if (rotate) this.#refresh.delete(token);
    return true;
  }

  /** 'ok' | 'expired' | 'unknown' for the bearer token of a request. */
  checkBearer(req: Request): 'ok' | 'expired' | 'unknown' {
    const m = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return 'unknown';
    const exp = this.#access.get(m[1]!);
    if (exp === undefined) return 'unknown';
    return exp > Date.now() ? 'ok' : 'expired';
  }

  /** What a provider-side expiry looks like: every access token issued so far is now past its lifetime. */
  expireAllAccessTokens(): void {
    for (const k of this.#access.keys()) this.#access.set(k, 0);
  }

  /** A refusal of something the document does not allow, counted. */
  refuse(reply: Reply): Reply {
    this.counters.rejected += 1;
    return reply;
  }

  /** The answer for a path the provider does not have, counted. */
  notFound(): Reply {
    this.counters.unmatched += 1;
    return json(404, { error: 'not_found' });
  }
}

async function readRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  let body: Record<string, unknown> = {};
  let bodyKind: Request['bodyKind'] = rawBody ? 'invalid' : 'none';
  if (rawBody && /application\/json/i.test(type)) {
    try {
      const parsed: unknown = JSON.parse(rawBody);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        body = parsed as Record<string, unknown>;
        bodyKind = 'json';
      }
    } catch {
      bodyKind = 'invalid';
    }
  } else if (rawBody && /application\/x-www-form-urlencoded/i.test(type)) {
    body = Object.fromEntries(new URLSearchParams(rawBody));
    bodyKind = 'form';
  }
  return { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://127.0.0.1'), headers: req.headers, rawBody, body, bodyKind };
}

/** Starts a loopback server whose routes are one async function. */
export async function serve(handler: (req: Request, baseUrl: string) => Promise<Reply> | Reply): Promise<{ baseUrl: string; close(): Promise<void> }> {
  let baseUrl = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readRequest(req)
      .then((r) => handler(r, baseUrl))
      .catch(() => json(500, { error: 'server_error' }))
      .then((reply) => {
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Login form submission shared by every emulator: on success, the held authorize request. */
function acceptLogin(state: EmulatorState, req: Request): Record<string, string> | Reply {
  const pending = state.takeAuthorizeRequest(String(req.body.pending ?? ''));
  if (!pending) return html(400, '<p>This sign-in page has expired.</p>');
  if (req.body.username !== EMULATOR_USER.username || req.body.password !== EMULATOR_USER.password) {
    const again = state.holdAuthorizeRequest(pending);
    return loginPage(again, req.url.pathname, '<p role="alert">Wrong username or password.</p>');
  }
  return pending;
}

function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && 'status' in v && 'body' in v;
}

/** Appends parameters to a redirect URI, keeping any it already has. */
export function withParams(uri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

/** Loopback redirect URIs match on host and path, any port (RFC 8252 §7.3). */
export function sameRedirect(registered: string, presented: string): boolean {
  try {
    const a = new URL(registered);
    const b = new URL(presented);
    if (a.protocol === 'http:' && a.hostname === '127.0.0.1') return b.protocol === 'http:' && b.hostname === '127.0.0.1' && a.pathname === b.pathname && b.search === '';
    return a.href === b.href;
  } catch {
    return false;
  }
}

export function requireKeys(body: Record<string, unknown>, required: readonly string[], allowed: readonly string[] = required): string | null {
  for (const k of required) if (typeof body[k] !== 'string' || body[k] === '') return `missing ${k}`;
  for (const k of Object.keys(body)) if (!allowed.includes(k)) return `unexpected ${k}`;
  return null;
}

/**
 * The authorize page and the login form post, shared by the emulators: the
 * authorize request is checked by `accept` (a refusal page otherwise), held
 * while the person logs in, and answered with a redirect carrying a new code.
 * Returns null for any other route.
 */
export function loginFlow(
  state: EmulatorState,
  req: Request,
  opts: {
    authorizePath: string;
    accept(q: Record<string, string>): Reply | null;
    /** Extra parameters on the callback (beyond code and state). */
    callbackParams?(q: Record<string, string>): Record<string, string | undefined>;
    loginExtra?(q: Record<string, string>): string;
    /** False for a provider whose callback carries no `state` (Proto: `callback-URI?code=…`). */
    echoState?: boolean;
    /** The callback parameter carrying the code (default `code`). */
    codeParam?: string;
    /** Where Decline sends the browser; default: the redirect URI with `error=access_denied` (RFC 6749 §4.1.2.1). */
    declineUrl?(q: Record<string, string>): string;
  },
): Reply | null {
  const echoed = (q: Record<string, string>) => (opts.echoState === false ? undefined : q.state);
  const path = req.url.pathname;
  if (req.method === 'GET' && path === opts.authorizePath) {
    state.counters.authorize += 1;
    const q = Object.fromEntries(req.url.searchParams);
    const refusal = opts.accept(q);
    if (refusal) return state.refuse(refusal);
    return loginPage(state.holdAuthorizeRequest(q), '/login', opts.loginExtra?.(q));
  }
  if (req.method === 'POST' && path === '/login') {
    const q = acceptLogin(state, req);
    if (isReply(q)) return q;
    const code = state.issueCode({ clientId: q.client_id!, redirectUri: q.redirect_uri!, state: q.state ?? null, codeChallenge: q.code_challenge ?? null });
    return redirect(withParams(q.redirect_uri!, { [opts.codeParam ?? 'code']: code, state: echoed(q), ...opts.callbackParams?.(q) }));
  }
  if (req.method === 'GET' && path === '/decline') {
    const q = state.takeAuthorizeRequest(req.url.searchParams.get('pending') ?? '');
    if (!q) return html(400, '<p>This sign-in page has expired.</p>');
    state.counters.declined += 1;
    return redirect(opts.declineUrl?.(q) ?? withParams(q.redirect_uri!, { error: 'access_denied', state: echoed(q) }));
  }
  return null;
}

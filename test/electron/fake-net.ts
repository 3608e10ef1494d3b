/**
 * Electron's main-process network API (`net.request`, `net.fetch`,
 * `session.fetch`, a session's cookie store) rebuilt from Electron's own
 * source, over Node's fetch in the place of Chromium's network service. A
 * kinder fake (Node's fetch as `net.fetch`) hid two real bugs: `redirect:
 * 'manual'` never returns a 3xx from `net.fetch`, and `net.fetch` sends and
 * stores cookies.
 *
 * Source read: electron/electron, identical on branch 44-x-y and on main at
 * 96f3996d8d (v45 nightlies):
 *   NF  = lib/browser/api/net-fetch.ts           (fetchWithSession)
 *   NCR = lib/common/api/net-client-request.ts   (ClientRequest, IncomingMessage)
 *   NET = lib/browser/api/net.ts                 (net.request, net.fetch)
 *   SES = lib/browser/api/session.ts             (Session.prototype.fetch)
 *   UL  = shell/common/api/electron_api_url_loader.cc (credentials, cookies)
 * Each behaviour below names the lines it copies. What is not modelled is
 * listed in docs/electron-fake.md.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, Writable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

type RedirectPolicy = 'follow' | 'error' | 'manual';
type Credentials = 'include' | 'omit' | 'same-origin';

export interface FakeRequestOptions {
  url?: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  session?: FakeNetSession;
  partition?: string;
  credentials?: Credentials;
  useSessionCookies?: boolean;
  redirect?: RedirectPolicy;
  origin?: string;
  cache?: string;
  referrerPolicy?: string;
  protocol?: string;
  host?: string;
  hostname?: string;
  port?: number | string;
  path?: string;
}

export interface FakeCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
}

/**
 * A session's cookie store (`session.cookies`), host-only cookies: what a
 * `Set-Cookie` received with credentials stores and what later requests with
 * credentials send. Chromium's store also honours Domain, SameSite and
 * expiry dates; the tests here need only "stored and sent back again".
 */
export class FakeCookies {
  readonly #cookies = new Map<string, FakeCookie>();

  /** Stores one `Set-Cookie` line received from `url`; Max-Age ≤ 0 deletes. */
  storeFromResponse(url: URL, line: string): void {
    const [pair = '', ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const attr = (n: string) => attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith(n));
    const pathAttr = attr('path=')?.slice(5);
    const path = pathAttr?.startsWith('/') ? pathAttr : url.pathname.replace(/\/[^/]*$/, '') || '/';
    const key = `${url.hostname}|${path}|${name}`;
    const maxAge = attr('max-age=');
    if (maxAge !== undefined && Number(maxAge.slice(8)) <= 0) {
      this.#cookies.delete(key);
      return;
    }
    this.#cookies.set(key, { name, value, domain: url.hostname, path, secure: attr('secure') !== undefined, httpOnly: attr('httponly') !== undefined });
  }

  /** The `Cookie` header a request with credentials to `url` carries, or null. */
  headerFor(url: URL): string | null {
    const matching = [...this.#cookies.values()].filter(
      (c) =>
        c.domain === url.hostname &&
        (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)) &&
        (!c.secure || url.protocol === 'https:'),
    );
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : null;
  }

  /** As Electron's `cookies.get(filter)`: every cookie, or those a request to `filter.url` would send. */
  get(filter: { url?: string } = {}): Promise<FakeCookie[]> {
    const all = [...this.#cookies.values()];
    if (!filter.url) return Promise.resolve(all);
    const url = new URL(filter.url);
    return Promise.resolve(all.filter((c) => c.domain === url.hostname && url.pathname.startsWith(c.path)));
  }

  clear(): void {
    this.#cookies.clear();
  }
}

export type RequestFactory = (options: FakeRequestOptions | string) => FakeClientRequest;

/** A session: its cookie store and `fetch` (SES:44-46 — `fetchWithSession(input, init, this, net.request)`). */
export class FakeNetSession {
  readonly cookies = new FakeCookies();
  constructor(
    readonly partition: string,
    readonly request: RequestFactory,
  ) {}
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    return fetchWithSession(input, init, this, this.request);
  }
}

const kAllowNonHttpProtocols = Symbol('kAllowNonHttpProtocols');
/** NCR:197-203. */
function allowAnyProtocol(opts: FakeRequestOptions): FakeRequestOptions {
  return { ...opts, [kAllowNonHttpProtocols]: true } as FakeRequestOptions;
}

/** NCR:10-31: headers Node.js keeps only the first of. */
const discardableDuplicateHeaders = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'referer',
  'host',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

interface ResponseHead {
  statusCode: number;
  statusMessage: string;
  /** Lower-case name → every value received (Node's fetch has joined repeats other than Set-Cookie with ", "). */
  headers: Record<string, string[]>;
  setCookies: string[];
}

function responseHead(res: Response): ResponseHead {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of res.headers) if (name !== 'set-cookie') headers[name] = [value];
  const setCookies = res.headers.getSetCookie();
  if (setCookies.length) headers['set-cookie'] = setCookies;
  return { statusCode: res.status, statusMessage: res.statusText, headers, setCookies };
}

/** NCR:33-131 (the parts `net.fetch` and the app read). */
export class FakeIncomingMessage extends Readable {
  constructor(
    readonly head: ResponseHead,
    body: ReadableStream<Uint8Array> | null,
  ) {
    super();
    if (body) {
      const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
      source.on('data', (chunk: Buffer) => {
        if (!this.push(chunk)) source.pause();
      });
      source.on('end', () => this.push(null));
      source.on('error', (e) => this.destroy(e));
      this.once('close', () => source.destroy());
      this._resumeSource = () => source.resume();
    } else {
      this.push(null);
    }
  }
  private _resumeSource: () => void = () => {};
  override _read(): void {
    this._resumeSource();
  }
  get statusCode(): number {
    return this.head.statusCode;
  }
  get statusMessage(): string {
    return this.head.statusMessage;
  }
  /** NCR:52-65: repeated headers joined with ", " except the discardable ones (first value); set-cookie stays an array. */
  get headers(): Record<string, string | string[]> {
    const filtered: Record<string, string | string[]> = {};
    for (const [name, values] of Object.entries(this.head.headers)) {
      if (name === 'set-cookie') continue;
      filtered[name] = discardableDuplicateHeaders.has(name) ? (values[0] ?? '') : values.join(', ');
    }
    if (this.head.setCookies.length) filtered['set-cookie'] = this.head.setCookies;
    return filtered;
  }
}

/** Chromium's net error names for what Node's fetch reports (the core maps some of them, e.g. net::ERR_CERT_AUTHORITY_INVALID). */
function netErrorString(err: unknown): string {
  let current: unknown = err;
  for (let i = 0; i < 4 && current && typeof current === 'object'; i += 1) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ECONNREFUSED') return 'net::ERR_CONNECTION_REFUSED';
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'net::ERR_CONNECTION_RESET';
    if (code === 'ENOTFOUND') return 'net::ERR_NAME_NOT_RESOLVED';
    if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT')
      return 'net::ERR_CERT_AUTHORITY_INVALID';
    current = (current as { cause?: unknown }).cause;
  }
  return 'net::ERR_FAILED';
}

/**
 * Chromium's network service, stood in for by node:http(s) rather than Node's
 * fetch: fetch turns a 407 into a network error (Fetch standard, HTTP-network-or-cache
 * fetch: 407 with no window), so the `login` step could never be seen. Bodies are
 * decoded (gzip, deflate, br) as Chromium decodes them before `response`.
 */
function transport(url: URL, init: { method: string; headers: Headers; body: Uint8Array | undefined; signal: AbortSignal }): Promise<Response> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: init.method, headers: Object.fromEntries(init.headers), signal: init.signal }, (res) => {
      const status = res.statusCode ?? 502;
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
      }
      if ([204, 205, 304].includes(status)) {
        res.resume();
        resolve(new Response(null, { status, statusText: res.statusMessage ?? '', headers }));
        return;
      }
      const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
      const decoder = encoding === 'gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : null;
      if (decoder) res.on('error', (e) => decoder.destroy(e));
      const body = Readable.toWeb(decoder ? res.pipe(decoder) : res) as ReadableStream<Uint8Array>;
      resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Chromium's redirect limit (net::ERR_TOO_MANY_REDIRECTS after 20). */
const MAX_REDIRECTS = 20;

/**
 * NCR:324-558, `ClientRequest`: a Writable whose `end()` starts the request.
 * `resolveSession` turns the `session`/`partition` option into a session
 * (NCR:306-320; no option = the default session).
 */
export class FakeClientRequest extends Writable {
  readonly url: string;
  readonly method: string;
  readonly session: FakeNetSession;
  readonly credentials: Credentials | undefined;
  readonly useSessionCookies: boolean;
  readonly origin: string | undefined;
  readonly redirectPolicy: RedirectPolicy;
  #headers = new Map<string, { name: string; value: string | string[] }>();
  #body: Buffer[] = [];
  #started = false;
  #firstWrite = false;
  #aborted = false;
  #followRedirectCb: (() => void) | undefined;
  #loader = new AbortController();

  constructor(optionsIn: FakeRequestOptions | string, resolveSession: (opts: FakeRequestOptions) => FakeNetSession) {
    super({ autoDestroy: true });
    const options: FakeRequestOptions = typeof optionsIn === 'string' ? { url: optionsIn } : { ...optionsIn };
    // NCR:231-267: url, or protocol + host/hostname + port + path.
    let urlStr = options.url;
    if (!urlStr) {
      const u = new URL('http://localhost');
      u.protocol = options.protocol ?? 'http:';
      if (options.host) u.host = options.host;
      else {
        u.hostname = options.hostname ?? 'localhost';
        if (options.port !== undefined) u.port = String(options.port);
      }
      if (options.path?.includes(' ')) throw new TypeError('Request path contains unescaped characters');
      const p = new URL(options.path ?? '/', 'http://localhost');
      u.pathname = p.pathname;
      u.search = p.search;
      urlStr = u.href;
    }
    // NCR:269-272: the redirect policy defaults to follow.
    const redirectPolicy = options.redirect ?? 'follow';
    if (!['follow', 'error', 'manual'].includes(redirectPolicy)) throw new Error('redirect mode should be one of follow, error or manual');
    // NCR:347-350: http(s) only, unless net.fetch asked for any protocol.
    const urlObj = new URL(urlStr);
    const anyProtocol = Object.hasOwn(options, kAllowNonHttpProtocols);
    if (!anyProtocol && urlObj.protocol !== 'http:' && urlObj.protocol !== 'https:') throw new Error('ClientRequest only supports http: and https: protocols');
    if (urlObj.protocol !== 'http:' && urlObj.protocol !== 'https:')
      throw new Error(`fake-net: ${urlObj.protocol} requests (custom protocol handlers) are not modelled`);
    // NCR:351-353.
    if (options.credentials === 'same-origin' && !options.origin) throw new Error('credentials: same-origin requires origin to be set');
    this.url = urlObj.href;
    this.method = (options.method ?? 'GET').toUpperCase();
    this.session = resolveSession(options);
    this.credentials = options.credentials;
    this.useSessionCookies = options.useSessionCookies === true;
    this.origin = options.origin;
    this.redirectPolicy = redirectPolicy;
    for (const [name, value] of Object.entries(options.headers ?? {})) this.#headers.set(name.toLowerCase(), { name, value });
  }

  /** NCR:378-386. */
  setHeader(name: string, value: string): void {
    if (this.#started || this.#firstWrite) throw new Error("Can't set headers after they are sent");
    this.#headers.set(name.toLowerCase(), { name, value });
  }
  getHeader(name: string): string | string[] | undefined {
    return this.#headers.get(name.toLowerCase())?.value;
  }
  removeHeader(name: string): void {
    if (this.#started || this.#firstWrite) throw new Error("Can't remove headers after they are sent");
    this.#headers.delete(name.toLowerCase());
  }

  /** NCR:411-433: the body is collected; the request starts when the stream finishes. */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.#firstWrite = true;
    this.#body.push(Buffer.from(chunk));
    callback();
  }
  override _final(callback: () => void): void {
    this.#startRequest();
    callback();
  }

  /** NCR:521-527. */
  followRedirect(): void {
    if (this.#followRedirectCb) this.#followRedirectCb();
    else throw new Error('followRedirect() called, but was not waiting for a redirect');
  }

  /** NCR:529-537. */
  abort(): void {
    if (!this.#aborted) process.nextTick(() => this.emit('abort'));
    this.#aborted = true;
    this.#die();
  }

  /** NCR:539-553. */
  #die(err?: Error): void {
    // Once the body is written the stream is already destroyed (autoDestroy), so destroy() would not emit.
    if (this.destroyed && err) this.emit('error', err);
    this.destroy(err);
    this.#loader.abort();
  }

  /**
   * UL:702-710: without `credentials` (and without useSessionCookies) cookies
   * are blocked both ways; `include` uses the session's; `omit` none. With
   * `same-origin` (only possible with an origin), only to that origin.
   */
  #cookiesAllowed(url: URL): boolean {
    if (this.credentials === undefined) return this.useSessionCookies;
    if (this.credentials === 'omit') return false;
    if (this.credentials === 'same-origin') return this.origin !== undefined && new URL(this.origin).origin === url.origin;
    return true;
  }

  #startRequest(): void {
    this.#started = true;
    void this.#load();
  }

  /** The URL loader and NCR:477-507's redirect policy. */
  async #load(): Promise<void> {
    let url = new URL(this.url);
    let method = this.method;
    let body: Uint8Array<ArrayBuffer> | undefined = this.#body.length ? new Uint8Array(Buffer.concat(this.#body)) : undefined;
    const headers = new Headers();
    for (const { name, value } of this.#headers.values()) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    let proxyAnswered = false;
    for (let hop = 0; ; hop += 1) {
      if (hop > MAX_REDIRECTS) {
        this.#die(new Error('net::ERR_TOO_MANY_REDIRECTS'));
        return;
      }
      const sent = new Headers(headers);
      // A Cookie header the caller set is not what Chromium sends: the store decides.
      sent.delete('cookie');
      const jar = this.#cookiesAllowed(url) ? this.session.cookies.headerFor(url) : null;
      if (jar) sent.set('cookie', jar);
      let res: Response;
      try {
        res = await transport(url, { method, headers: sent, body, signal: this.#loader.signal });
        // A proxy's challenge (407), once per request: NCR:469-475 asks the 'login' listener, else cancels.
        if (res.status === 407 && !proxyAnswered) {
          proxyAnswered = true;
          const answer = await this.#login(proxyAuthInfo(url, res.headers.get('proxy-authenticate')));
          if (this.#aborted) return;
          if (answer) {
            await res.body?.cancel().catch(() => {});
            headers.set('proxy-authorization', `Basic ${Buffer.from(`${answer.username}:${answer.password}`).toString('base64')}`);
            sent.set('proxy-authorization', headers.get('proxy-authorization') ?? '');
            res = await transport(url, { method, headers: sent, body, signal: this.#loader.signal });
          }
        }
      } catch (err) {
        if (this.#aborted) return;
        this.#die(new Error(netErrorString(err)));
        return;
      }
      if (this.#aborted) return;
      const head = responseHead(res);
      if (this.#cookiesAllowed(url)) for (const line of head.setCookies) this.session.cookies.storeFromResponse(url, line);
      const location = res.headers.get('location');
      if (REDIRECT_STATUSES.has(res.status) && location !== null) {
        await res.body?.cancel().catch(() => {});
        const newUrl = new URL(location, url);
        // Fetch's method rewrite (Chromium's net::RedirectInfo).
        const newMethod = res.status === 303 && method !== 'HEAD' ? 'GET' : (res.status === 301 || res.status === 302) && method === 'POST' ? 'GET' : method;
        if (!this.#redirect(res.status, newMethod, newUrl.href, head.headers)) return;
        if (newMethod !== method) {
          body = undefined;
          headers.delete('content-type');
        }
        method = newMethod;
        url = newUrl;
        continue;
      }
      const nullBody = [101, 204, 205, 304].includes(res.status) || method === 'HEAD';
      this.emit('response', new FakeIncomingMessage(head, nullBody ? null : res.body));
      return;
    }
  }

  /**
   * NCR:469-475: `login` goes to the request's listener with a callback; with no
   * listener the challenge is cancelled (`callback()` without credentials).
   */
  #login(authInfo: FakeAuthInfo): Promise<{ username: string; password: string } | null> {
    return new Promise((resolve) => {
      const callback = (username?: string, password?: string) => {
        resolve(username === undefined ? null : { username, password: password ?? '' });
      };
      if (!this.emit('login', authInfo, callback)) callback();
    });
  }

  /** NCR:477-507; true when the request goes on to `newUrl`. */
  #redirect(statusCode: number, newMethod: string, newUrl: string, headers: Record<string, string[]>): boolean {
    if (this.redirectPolicy === 'error') {
      this.#die(new Error("Attempted to redirect, but redirect policy was 'error'"));
      return false;
    }
    if (this.redirectPolicy === 'manual') {
      const decision = { followed: false };
      this.#followRedirectCb = () => {
        decision.followed = true;
      };
      try {
        this.emit('redirect', statusCode, newMethod, newUrl, headers);
      } finally {
        this.#followRedirectCb = undefined;
        if (!decision.followed && !this.#aborted) this.#die(new Error('Redirect was cancelled'));
      }
      return decision.followed;
    }
    try {
      this.#followRedirectCb = () => {};
      this.emit('redirect', statusCode, newMethod, newUrl, headers);
    } finally {
      this.#followRedirectCb = undefined;
    }
    return true;
  }
}

/** Electron's `AuthInfo` (structures/auth-info.md). */
export interface FakeAuthInfo {
  isProxy: boolean;
  scheme: string;
  host: string;
  port: number;
  realm: string;
}

/**
 * The challenge as Chromium reports it. What the fake cannot copy: no proxy
 * sits in its path (Node's fetch goes direct), so the server that answers 407
 * plays the proxy and its host and port are the proxy's; only Basic is answered.
 */
function proxyAuthInfo(url: URL, challenge: string | null): FakeAuthInfo {
  const scheme = /^\s*([A-Za-z]+)/.exec(challenge ?? '')?.[1]?.toLowerCase() ?? 'basic';
  const realm = /realm="([^"]*)"/i.exec(challenge ?? '')?.[1] ?? '';
  return { isProxy: true, scheme, host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), realm };
}

/** NF:7-20. */
function createDeferredPromise<T>(): { promise: Promise<T>; resolve: (x: T) => void; reject: (e: unknown) => void } {
  let resolve!: (x: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** NF:22-143, `fetchWithSession`, line for line where the fake can. */
export function fetchWithSession(input: RequestInfo | URL, init: RequestInit | undefined, session: FakeNetSession, request: RequestFactory): Promise<Response> {
  const p = createDeferredPromise<Response>();
  let req: Request;
  try {
    req = new Request(input, init); // NF:31
  } catch (e) {
    p.reject(e);
    return p.promise;
  }
  const abortError = () => (req.signal.reason as unknown) ?? new DOMException('The operation was aborted.', 'AbortError');
  if (req.signal.aborted) {
    // NF:37-55
    p.reject(abortError());
    return p.promise;
  }
  let locallyAborted = false;
  req.signal.addEventListener(
    'abort',
    () => {
      // NF:58-81
      locallyAborted = true;
      p.reject(abortError());
      r.abort();
    },
    { once: true },
  );

  // NF:83-85: "We can't set credentials to same-origin unless there's an origin set."
  const origin = req.headers.get('origin') ?? undefined;
  const credentials = req.credentials === 'same-origin' && !origin ? 'include' : req.credentials;

  // NF:87-98: `redirect` passed through; no 'redirect' listener is ever added below.
  const r = request(
    allowAnyProtocol({
      session,
      method: req.method,
      url: req.url,
      origin,
      credentials,
      cache: req.cache,
      referrerPolicy: req.referrerPolicy,
      redirect: req.redirect,
    }),
  );

  // NF:103-105 (`req.mode &&` there; a Request always has a mode)
  if (req.mode !== 'cors' || origin) r.setHeader('Sec-Fetch-Mode', req.mode);
  // NF:107-109
  for (const [k, v] of req.headers) r.setHeader(k, v);

  r.on('response', (resp: FakeIncomingMessage) => {
    // NF:111-129: headers copied with set(), so several Set-Cookie lines become one joined with ", ".
    if (locallyAborted) return;
    const headers = new Headers();
    for (const [k, v] of Object.entries(resp.headers)) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const nullBodyStatus = [101, 204, 205, 304];
    const body = nullBodyStatus.includes(resp.statusCode) || req.method === 'HEAD' ? null : (Readable.toWeb(resp) as ReadableStream<Uint8Array>);
    p.resolve(new Response(body, { headers, status: resp.statusCode, statusText: resp.statusMessage }));
  });
  // NF:131-133
  r.on('error', (err: Error) => {
    p.reject(err);
  });

  // NF:137-140
  if (req.body) {
    void req.body.pipeTo(Writable.toWeb(r) as WritableStream<Uint8Array>).then(
      () => r.end(),
      (e: unknown) => {
        p.reject(e);
      },
    );
  } else {
    r.end();
  }
  return p.promise;
}

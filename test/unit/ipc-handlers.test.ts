import { beforeEach, describe, expect, test } from 'vitest';
import { AuthError } from '../../main/auth/errors';
import type { ApiConnectionPlan, ApiRequest, AuthCore, SessionState, SignInOptions } from '../../main/auth/types';
import { IPC_CHANNELS } from '../../main/ipc/contract-types';
import { registerIpcHandlers, type IpcInvokeEventLike } from '../../main/ipc/handlers';
import { isRendererUrl } from '../../main/ipc/renderer-origin';
import { createSenderCheck, forwardSessionChanges, type RendererWindowLike } from '../../main/ipc/renderer-window';
import { InMemoryIpcMain, TEST_APP_INFO, TRUSTED_EVENT } from '../helpers/ipc-harness';

const STORAGE = { persistent: true };
const SIGNED_OUT: SessionState = { status: 'signed_out', storage: STORAGE, providerId: null };
const SIGNED_IN: SessionState = {
  status: 'signed_in',
  storage: STORAGE,
  providerId: 'demo',
  user: { sub: 'u1', name: 'Demo User', email: 'demo@example.com' },
  connectivity: 'online',
};

/**
 * A hand-written AuthCore that records calls. `failWith` makes every call
 * throw the given value, to check how the handlers translate errors.
 */
const PLAN: ApiConnectionPlan = {
  id: '00000000-0000-4000-8000-000000000000',
  apiUrl: 'https://api.example/v1',
  apiHost: 'api.example',
  issuer: 'https://id.example',
  issuerHost: 'id.example',
  otherOrigin: true,
  scopes: ['read'],
  client: 'register',
  providerId: 'api-0123456789abcdef',
};

class RecordingCore implements AuthCore {
  calls: [string, unknown][] = [];
  failWith: unknown = undefined;
  listeners = new Set<(s: SessionState) => void>();

  #maybeFail(name: string, arg?: unknown): void {
    this.calls.push([name, arg]);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the tests throw strings and plain objects on purpose, to check their translation
    if (this.failWith !== undefined) throw this.failWith;
  }
  /** Like an async method: records the call, and a failure is a rejection rather than a synchronous throw. */
  #settle<T>(name: string, arg: unknown, value: T): Promise<T> {
    return new Promise<T>((resolve) => {
      this.#maybeFail(name, arg);
      resolve(value);
    });
  }
  listProviders() {
    this.#maybeFail('listProviders');
    return [{ id: 'demo', displayName: 'Demo provider' }];
  }
  getSession() {
    this.#maybeFail('getSession');
    return SIGNED_OUT;
  }
  onSessionChanged(listener: (s: SessionState) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  restore() {
    return Promise.resolve(SIGNED_OUT);
  }
  signIn(providerId?: string, options?: SignInOptions) {
    return this.#settle('signIn', options ? { providerId, options } : providerId, SIGNED_IN);
  }
  cancelSignIn() {
    this.#maybeFail('cancelSignIn');
  }
  handleRedirect() {
    return false;
  }
  request(req: ApiRequest) {
    return this.#settle('request', req, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"sub":"u1"}' });
  }
  signOut(accountId?: string) {
    return this.#settle('signOut', accountId, SIGNED_OUT);
  }
  signOutAll() {
    return this.#settle('signOutAll', undefined, SIGNED_OUT);
  }
  listAccounts() {
    this.#maybeFail('listAccounts');
    return [];
  }
  setActiveAccount(accountId: string) {
    return this.#settle('setActiveAccount', accountId, SIGNED_IN);
  }
  requestConsent(api: string, options?: { accountId?: string }) {
    return this.#settle('requestConsent', { api, ...options }, SIGNED_IN);
  }
  planApiConnection(apiUrl: string) {
    return this.#settle('planApiConnection', apiUrl, PLAN);
  }
  connectApi(planId: string) {
    return this.#settle('connectApi', planId, SIGNED_IN);
  }
  requestStepUp(api?: string, options?: { accountId?: string }) {
    return this.#settle('requestStepUp', { api, ...options }, SIGNED_IN);
  }
  async dispose() {}
}

/** The app's window as the IPC layer sees it; `TRUSTED_EVENT` comes from its web contents. */
class FakeWindow implements RendererWindowLike {
  destroyed = false;
  sent: [string, unknown][] = [];
  failSend = false;
  readonly webContents = {
    id: TRUSTED_EVENT.sender.id,
    send: (channel: string, ...args: unknown[]) => {
      if (this.failSend) throw new Error('window destroyed');
      this.sent.push([channel, args[0]]);
    },
  };
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

let ipc: InMemoryIpcMain;
let core: RecordingCore;
let win: FakeWindow | null;
let unregister: () => void;

beforeEach(() => {
  ipc = new InMemoryIpcMain();
  core = new RecordingCore();
  win = new FakeWindow();
  // The app's own sender check, as main/index.ts wires it.
  unregister = registerIpcHandlers({ ipcMain: ipc, core, isTrustedSender: createSenderCheck(() => win), appInfo: TEST_APP_INFO });
});

describe('isRendererUrl', () => {
  test.each([
    ['app://renderer/index.html', true],
    ['app://renderer/', true],
    ['app://renderer', true],
    ['app://renderer/sub/page.html?x=1#y', true],
    ['APP://renderer/index.html', true],
    ['app://renderer.evil/', false],
    ['app://renderer@evil/', false],
    ['app://x@renderer/', false],
    ['app://renderer:1234/', false],
    ['app://evil/renderer', false],
    ['app://RENDERER/', false],
    ['app:renderer', false],
    ['app:///renderer/', false],
    ['http://renderer/', false],
    ['https://renderer/', false],
    ['file:///app/renderer/index.html', false],
    ['about:blank', false],
    ['', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isRendererUrl(url)).toBe(expected);
  });

  test('remembering the last trusted URL trusts exactly that string, nothing near it', () => {
    expect(isRendererUrl('app://renderer/index.html')).toBe(true);
    for (const lookAlike of ['app://renderer:1/index.html', 'app://renderer@evil/index.html', 'app://renderer.evil/index.html', 'APP://renderer.evil/']) {
      expect(isRendererUrl(lookAlike)).toBe(false);
      expect(isRendererUrl('app://renderer/index.html')).toBe(true);
    }
  });
});

describe('successful calls go through to the core', () => {
  test.each<[keyof typeof IPC_CHANNELS, unknown, unknown, [string, unknown]]>([
    ['getSession', undefined, SIGNED_OUT, ['getSession', undefined]],
    ['listProviders', undefined, [{ id: 'demo', displayName: 'Demo provider' }], ['listProviders', undefined]],
    ['signIn', undefined, SIGNED_IN, ['signIn', undefined]],
    ['signIn', { providerId: 'demo' }, SIGNED_IN, ['signIn', 'demo']],
    ['signIn', { providerId: 'demo', onAnotherDevice: true }, SIGNED_IN, ['signIn', { providerId: 'demo', options: { onAnotherDevice: true } }]],
    ['cancelSignIn', undefined, null, ['cancelSignIn', undefined]],
    ['signOut', null, SIGNED_OUT, ['signOut', undefined]],
    ['signOut', { accountId: 'demo:u2' }, SIGNED_OUT, ['signOut', 'demo:u2']],
    ['signOutAll', undefined, SIGNED_OUT, ['signOutAll', undefined]],
    ['listAccounts', undefined, [], ['listAccounts', undefined]],
    ['setActiveAccount', { accountId: 'demo:u2' }, SIGNED_IN, ['setActiveAccount', 'demo:u2']],
    ['addAccount', { providerId: 'demo' }, SIGNED_IN, ['signIn', { providerId: 'demo', options: { prompt: 'login' } }]],
    ['requestConsent', { api: 'calendar' }, SIGNED_IN, ['requestConsent', { api: 'calendar' }]],
    ['planApiConnection', { apiUrl: 'https://api.example/v1' }, PLAN, ['planApiConnection', 'https://api.example/v1']],
    ['connectApi', { planId: PLAN.id }, SIGNED_IN, ['connectApi', PLAN.id]],
    ['requestStepUp', undefined, SIGNED_IN, ['requestStepUp', { api: undefined }]],
    ['requestStepUp', { api: '#0', accountId: 'demo:u2' }, SIGNED_IN, ['requestStepUp', { api: '#0', accountId: 'demo:u2' }]],
    [
      'request',
      { method: 'GET', path: '/me', query: { a: 'b' } },
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"sub":"u1"}' },
      ['request', { method: 'GET', path: '/me', query: { a: 'b' } }],
    ],
  ])('%s', async (key, payload, data, call) => {
    await expect(ipc.invoke(IPC_CHANNELS[key], payload)).resolves.toEqual({ ok: true, data });
    expect(core.calls).toEqual([call]);
  });

  test('one handler per invokable channel, none for the push channel, and unregister removes them', () => {
    const invokable = Object.entries(IPC_CHANNELS)
      .filter(([k]) => k !== 'sessionChanged')
      .map(([, v]) => v);
    expect([...ipc.handlers.keys()].sort()).toEqual(invokable.sort());
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });
});

describe('untrusted senders are refused before anything else happens', () => {
  const events: [string, IpcInvokeEventLike][] = [
    ['a remote page', { senderFrame: { url: 'https://evil.example/' }, sender: { id: 1 } }],
    ['a look-alike host', { senderFrame: { url: 'app://renderer.evil/index.html' }, sender: { id: 1 } }],
    ['user info before the host', { senderFrame: { url: 'app://renderer@evil/index.html' }, sender: { id: 1 } }],
    ['a file:// page', { senderFrame: { url: 'file:///index.html' }, sender: { id: 1 } }],
    ['a destroyed frame (null senderFrame)', { senderFrame: null, sender: { id: 1 } }],
    ['the renderer origin in another web contents', { senderFrame: { url: 'app://renderer/index.html' }, sender: { id: 2 } }],
  ];
  test.each(events)('%s', async (_name, event) => {
    await expectAllRefused(event);
  });

  test.each<[string, () => void]>([
    ['no window yet (or closed)', () => (win = null)],
    ['a destroyed window', () => win && (win.destroyed = true)],
  ])('%s: even the trusted event is refused', async (_name, change) => {
    change();
    await expectAllRefused(TRUSTED_EVENT);
  });

  async function expectAllRefused(event: IpcInvokeEventLike): Promise<void> {
    for (const [key, channel] of Object.entries(IPC_CHANNELS)) {
      if (key === 'sessionChanged') continue;
      const result = await ipc.invoke(channel, key === 'request' ? { method: 'GET', path: '/me' } : undefined, event);
      expect(result).toEqual({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('not allowed from this frame') as unknown } });
    }
    expect(core.calls).toEqual([]);
  }

  test('getAppInfo answers the names it was given, without asking the core', async () => {
    await expect(ipc.invoke(IPC_CHANNELS.getAppInfo)).resolves.toEqual({ ok: true, data: TEST_APP_INFO });
    expect(core.calls).toEqual([]);
  });

  test('a sender check that throws is an internal_error, not a call', async () => {
    ipc = new InMemoryIpcMain();
    registerIpcHandlers({
      ipcMain: ipc,
      core,
      appInfo: TEST_APP_INFO,
      isTrustedSender: () => {
        throw new Error('frame gone');
      },
    });
    await expect(ipc.invoke(IPC_CHANNELS.signOut)).resolves.toEqual({ ok: false, error: { code: 'internal_error', message: expect.any(String) as unknown } });
    expect(core.calls).toEqual([]);
  });
});

describe('malformed payloads → invalid_request, core not called', () => {
  test.each<[string, keyof typeof IPC_CHANNELS, unknown]>([
    ['request: wrong type', 'request', 'GET /me'],
    ['request: method as number', 'request', { method: 1, path: '/me' }],
    ['request: extra key', 'request', { method: 'GET', path: '/me', url: 'https://evil.example/' }],
    ['request: __proto__ key', 'request', JSON.parse('{"method":"GET","path":"/me","__proto__":{"x":1}}')],
    ['request: __proto__ in headers', 'request', JSON.parse('{"method":"GET","path":"/me","headers":{"__proto__":{"x":"1"}}}')],
    ['request: 2 MiB body', 'request', { method: 'POST', path: '/me', body: 'x'.repeat(2 * 1024 * 1024) }],
    ['request: header injection', 'request', { method: 'GET', path: '/me', headers: { 'X-A': 'b\r\nAuthorization: Bearer stolen' } }],
    ['request: Authorization header', 'request', { method: 'GET', path: '/me', headers: { Authorization: 'Bearer mine' } }],
    ['request: Cookie header', 'request', { method: 'GET', path: '/me', headers: { cookie: 'sid=1' } }],
    ['request: Host header', 'request', { method: 'GET', path: '/me', headers: { Host: 'evil.example' } }],
    ['request: absolute URL as path', 'request', { method: 'GET', path: 'https://evil.example/me' }],
    ['request: protocol-relative path', 'request', { method: 'GET', path: '//evil.example/me' }],
    ['request: api index 99', 'request', { method: 'GET', path: '/me', api: 99 }],
    ['signIn: providerId as number', 'signIn', { providerId: 1 }],
    ['signIn: extra key', 'signIn', { providerId: 'demo', redirectUri: 'https://evil.example/' }],
    ['signIn: string', 'signIn', 'demo'],
    ['signOut: object', 'signOut', { all: true }],
    ['getSession: string', 'getSession', 'x'],
    ['cancelSignIn: number', 'cancelSignIn', 1],
  ])('%s', async (_name, key, payload) => {
    const result = (await ipc.invoke(IPC_CHANNELS[key], payload)) as { ok: boolean; error: { code: string; message: string } };
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe('invalid_request');
    expect(result.error.message).not.toMatch(/Bearer|stolen|evil\.example/);
    expect(core.calls).toEqual([]);
  });
});

describe('core errors', () => {
  test.each<[string, unknown, string]>([
    ['host_not_allowed is forwarded with its code', new AuthError('host_not_allowed'), 'host_not_allowed'],
    ['not_signed_in is forwarded', new AuthError('not_signed_in'), 'not_signed_in'],
    ['sign_in_cancelled is forwarded', new AuthError('sign_in_cancelled'), 'sign_in_cancelled'],
    ['a plain Error becomes internal_error', new Error('fetch failed: https://api.example/?access=secret-token'), 'internal_error'],
    ['a thrown string becomes internal_error', 'secret-token', 'internal_error'],
    ['a thrown object becomes internal_error', { code: 'host_not_allowed', message: 'secret-token' }, 'internal_error'],
  ])('%s', async (_name, thrown, code) => {
    core.failWith = thrown;
    for (const [key, payload] of [
      ['request', { method: 'GET', path: '/me' }],
      ['signIn', { providerId: 'demo' }],
      ['signOut', undefined],
      ['getSession', undefined],
      ['cancelSignIn', undefined],
      ['listProviders', undefined],
    ] as const) {
      const result = await ipc.invoke(IPC_CHANNELS[key], payload);
      expect(result).toEqual({ ok: false, error: { code, message: expect.any(String) as unknown } });
      expect(JSON.stringify(result)).not.toContain('secret-token');
    }
    expect(core.calls.map(([name]) => name)).toEqual(['request', 'signIn', 'signOut', 'getSession', 'cancelSignIn', 'listProviders']);
  });
});

test('the handlers never reject, even when the core rejects with undefined', async () => {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a rejection without a reason is exactly the case under test
  core.signOut = () => Promise.reject(undefined);
  await expect(ipc.invoke(IPC_CHANNELS.signOut, undefined, TRUSTED_EVENT)).resolves.toEqual({
    ok: false,
    error: { code: 'internal_error', message: expect.any(String) as unknown },
  });
});

describe('forwardSessionChanges', () => {
  test('sends each state to the window on the push channel and stops after unsubscribe', () => {
    const w = new FakeWindow();
    const stop = forwardSessionChanges(core, () => w);
    for (const l of core.listeners) l(SIGNED_IN);
    stop();
    for (const l of core.listeners) l(SIGNED_OUT);
    expect(w.sent).toEqual([[IPC_CHANNELS.sessionChanged, SIGNED_IN]]);
    expect(core.listeners.size).toBe(0);
  });

  test('no window, a destroyed one or a failing send is skipped, and the other listeners still run', () => {
    const broken = new FakeWindow();
    broken.failSend = true;
    const destroyed = new FakeWindow();
    destroyed.destroyed = true;
    const stops = [forwardSessionChanges(core, () => null), forwardSessionChanges(core, () => broken), forwardSessionChanges(core, () => destroyed)];
    const w = new FakeWindow();
    stops.push(forwardSessionChanges(core, () => w));
    for (const l of core.listeners)
      expect(() => {
        l(SIGNED_IN);
      }).not.toThrow();
    expect(destroyed.sent).toEqual([]);
    expect(w.sent).toEqual([[IPC_CHANNELS.sessionChanged, SIGNED_IN]]);
    for (const stop of stops) stop();
  });
});

/**
 * `installAuth` (oidc-desktop/main) on its own, as another app calls it: the
 * parts main.test.ts does not reach through this app's composition root —
 * called after `ready`, the renderer origins a host chooses, a configuration
 * that disagrees with the registered scheme, and `dispose`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, test, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electronModule);

import { parseAppConfig, type AppConfig } from '../../main/auth/config';
import { JsonFileStore } from '../../main/auth/json-file-store';
import type { Logger, UrlOpener } from '../../main/auth/types';
import { IPC_CHANNELS } from '../../main/ipc/contract-types';
import { rendererUrlMatcher } from '../../main/ipc/renderer-origin';
import { installAuth, type InstallAuthOptions } from '../../main/platform/install-auth';
import { createTestCipher } from '../helpers/aes-cipher';
import { app, fakeEvent, FakeBrowserWindow, resetFakeElectron, state } from './fake-electron';

const SCHEME = 'com.example.hostapp';
const config: AppConfig = parseAppConfig({
  scheme: SCHEME,
  providers: [
    {
      id: 'acme',
      displayName: 'Acme',
      issuer: 'https://login.acme.example',
      clientId: 'host-app',
      scopes: ['openid'],
      apiBaseUrls: ['https://api.acme.example'],
    },
  ],
});

let tmp: string;
let win: FakeBrowserWindow;

beforeEach(() => {
  resetFakeElectron();
  tmp = mkdtempSync(path.join(tmpdir(), 'install-auth-'));
  win = new FakeBrowserWindow({});
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function options(over: Partial<InstallAuthOptions> = {}): InstallAuthOptions {
  return {
    app,
    config,
    getWindow: () => win,
    argv: ['/opt/Host/host'],
    defaultApp: false,
    execPath: '/opt/Host/host',
    cipher: createTestCipher(),
    store: new JsonFileStore(path.join(tmp, 'vault.json')),
    openUrl: vi.fn<UrlOpener>(async () => {}),
    fetch: () => Promise.reject(new Error('no network in this test')),
    ...over,
  } as InstallAuthOptions;
}

const eventFrom = (url: string, id = win.webContents.id) => ({ senderFrame: { url }, sender: { id } });

describe('rendererUrlMatcher', () => {
  const matches = rendererUrlMatcher(['http://localhost:5173', 'file://', 'app://renderer']);
  test.each([
    ['http://localhost:5173/index.html', true],
    ['http://localhost:5173/', true],
    ['file:///opt/Host/resources/app/index.html', true],
    ['app://renderer/index.html', true],
    ['http://localhost:5174/', false],
    ['https://localhost:5173/', false],
    ['http://user@localhost:5173/', false],
    ['http://localhost:5173.evil.example/', false],
    ['app://renderer.evil/', false],
    ['about:blank', false],
    ['', false],
  ])('%s → %s', (url, expected) => {
    expect(matches(url)).toBe(expected);
  });

  test.each(['http://localhost:5173/app', '*', 'localhost:5173', 'app://renderer/?x=1', 'http://u:p@localhost/', '', 'app:'])(
    'refuses "%s" as an origin at start-up',
    (origin) => {
      expect(() => rendererUrlMatcher([origin])).toThrow(TypeError);
    },
  );
});

describe('installAuth', () => {
  it('answers IPC only from its window on the chosen origins (default app://renderer)', async () => {
    app.fireReady();
    const fileAuth = await installAuth(options({ rendererOrigins: ['file://'] }));
    const getSession = state.ipcHandlers.get(IPC_CHANNELS.getSession)!;
    await expect(getSession(eventFrom('file:///opt/Host/index.html'), undefined)).resolves.toMatchObject({ ok: true });
    await expect(getSession(eventFrom('app://renderer/index.html'), undefined)).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    await expect(getSession(eventFrom('file:///opt/Host/index.html', win.webContents.id + 1), undefined)).resolves.toMatchObject({ ok: false });
    await fileAuth.dispose();

    const defaultAuth = await installAuth(options());
    const again = state.ipcHandlers.get(IPC_CHANNELS.getSession)!;
    await expect(again(eventFrom('file:///opt/Host/index.html'), undefined)).resolves.toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    await expect(again(eventFrom('app://renderer/index.html'), undefined)).resolves.toMatchObject({ ok: true });
    await defaultAuth.dispose();
  });

  it('every web contents gets the window rules: no navigation off the renderer origins or to another file: page, no new window, no download; hardenWebContents: false leaves them to the host', async () => {
    app.fireReady();
    const auth = await installAuth(options({ rendererOrigins: ['file://', 'http://localhost:5173'] }));
    const { FakeWebContents } = await import('./fake-electron');
    const contents = new FakeWebContents();
    app.emit('web-contents-created', fakeEvent(), contents);
    const navigate = (url: string) => {
      const e = fakeEvent(url);
      contents.emit('will-navigate', e);
      return e.defaultPrevented;
    };
    // A file dropped on the window would load with the preload and pass the sender check (same window, file:).
    expect(navigate('file:///home/person/Downloads/evil.html')).toBe(true);
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate('http://localhost:5173/settings')).toBe(false);
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const download = fakeEvent();
    contents.session.emit('will-download', download, { getURL: () => 'https://evil.example/x.exe' }, contents);
    expect(download.defaultPrevented).toBe(true);
    await auth.dispose();
    expect(app.listenerCount('web-contents-created')).toBe(0);

    const hostDoesIt = await installAuth(options({ hardenWebContents: false }));
    const other = new FakeWebContents();
    app.emit('web-contents-created', fakeEvent(), other);
    expect(other.windowOpenHandler).toBeNull();
    await hostDoesIt.dispose();
  });

  it('listens for open-url at once, before ready and after (a host calling it after will-finish-launching loses no link)', async () => {
    const early = installAuth(options());
    expect(app.listenerCount('open-url')).toBe(1);
    app.emit('will-finish-launching');
    expect(app.listenerCount('open-url')).toBe(1);
    app.fireReady();
    await (await early).dispose();
    expect(app.listenerCount('open-url')).toBe(0);

    const late = await installAuth(options());
    expect(app.listenerCount('open-url')).toBe(1);
    const spy = vi.spyOn(late.core, 'handleRedirect');
    const e = fakeEvent();
    app.emit('open-url', e, `${SCHEME}:/callback?code=1&state=2`);
    expect(e.defaultPrevented).toBe(true);
    expect(spy).toHaveBeenCalledWith(`${SCHEME}:/callback?code=1&state=2`);
    await late.dispose();
  });

  it('dispose removes its IPC handlers and listeners, and stops the core', async () => {
    app.fireReady();
    const auth = await installAuth(options());
    expect(state.ipcHandlers.size).toBeGreaterThan(0);
    const dispose = vi.spyOn(auth.core, 'dispose');
    await auth.dispose();
    expect(state.ipcHandlers.size).toBe(0);
    expect(app.listenerCount('second-instance')).toBe(0);
    expect(app.listenerCount('open-url')).toBe(0);
    expect(dispose).toHaveBeenCalledTimes(1);
  });

  it('dispose undoes everything even when one cleanup throws, and logs that one by its code only', async () => {
    app.fireReady();
    const logger = vi.fn<Logger>();
    const auth = await installAuth(options({ logger }));
    vi.spyOn(auth.core, 'dispose').mockRejectedValue(new Error('secret-looking detail: rt_abc'));
    await expect(auth.dispose()).resolves.toBeUndefined();
    // What was set up before the core (deep-link listeners) and after it (IPC handlers) is gone alike.
    expect(state.ipcHandlers.size).toBe(0);
    expect(app.listenerCount('second-instance')).toBe(0);
    expect(app.listenerCount('open-url')).toBe(0);
    expect(app.listenerCount('web-contents-created')).toBe(0);
    const failures = logger.mock.calls.filter(([, event]) => event === 'app.cleanup_failed');
    expect(failures).toEqual([['warn', 'app.cleanup_failed', { errorCode: 'internal_error' }]]);
    expect(JSON.stringify(logger.mock.calls)).not.toContain('rt_abc');
  });

  it('a late configuration whose scheme is not the registered one fails with invalid_config and leaves nothing behind', async () => {
    app.fireReady();
    await expect(installAuth(options({ scheme: 'com.example.other', config: () => Promise.resolve(config) }))).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('com.example.other') as string,
    });
    expect(app.listenerCount('second-instance')).toBe(0);
    expect(state.ipcHandlers.size).toBe(0);
  });

  it('a store name that is a path, a scheme that is not reverse-DNS or a renderer origin that is not one is refused before anything is registered', async () => {
    for (const storeName of ['../vault', 'a/b', '..', '']) {
      await expect(installAuth(options({ storeName }))).rejects.toMatchObject({
        code: 'invalid_config',
        message: expect.stringContaining('storeName') as string,
      });
    }
    for (const scheme of ['myapp', 'https', 'com.example.app:', '']) {
      await expect(installAuth(options({ scheme, config: () => Promise.resolve(config) }))).rejects.toMatchObject({
        code: 'invalid_config',
        message: expect.stringContaining('reverse-DNS') as string,
      });
    }
    await expect(installAuth(options({ rendererOrigins: ['http://localhost:5173/app'] }))).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('rendererOrigins') as string,
    });
    expect(app.listenerCount('second-instance')).toBe(0);
    expect(app.setAsDefaultProtocolClient).not.toHaveBeenCalled();
  });

  it('a configuration handed in as plain JSON (a JavaScript host) is validated: a broken one fails with invalid_config naming the field', async () => {
    app.fireReady();
    const broken = { ...config, providers: [{ ...config.providers[0], clientId: '' }] } as unknown as AppConfig;
    await expect(installAuth(options({ config: broken }))).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('clientId') as string,
    });
    expect(state.ipcHandlers.size).toBe(0);
  });

  it("its own network (Electron's net) answers a proxy's challenge with proxyCredentials, once, only for that proxy", async () => {
    // Plays an authenticating proxy in front of the provider (fake-net.ts treats a 407 as the proxy's).
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      if (req.headers['proxy-authorization'] !== `Basic ${Buffer.from('pat:s3cret').toString('base64')}`) {
        res.writeHead(407, { 'proxy-authenticate': 'Basic realm="corp"' }).end();
        return;
      }
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const behindProxy = parseAppConfig({ ...config, providers: [{ ...config.providers[0], issuer: `http://${host}` }] });
    app.fireReady();
    try {
      const withCreds = await installAuth(
        options({
          config: behindProxy,
          fetch: undefined,
          proxyCredentials: () => ({ username: 'pat', password: 's3cret', host: '127.0.0.1', port: Number(host.split(':')[1]) }),
        }),
      );
      // Past the proxy, the "provider" has no discovery document (503): a provider error, not proxy_auth_required.
      await expect(withCreds.core.signIn('acme')).rejects.toMatchObject({
        code: 'invalid_config',
        message: expect.stringContaining('did not publish') as string,
      });
      expect(seen.map((h) => h['proxy-authorization'] !== undefined)).toEqual([false, true]);
      await withCreds.dispose();

      seen.length = 0;
      const without = await installAuth(options({ config: behindProxy, fetch: undefined }));
      await expect(without.core.signIn('acme')).rejects.toMatchObject({ code: 'proxy_auth_required' });
      expect(seen).toHaveLength(1);
      await without.dispose();
    } finally {
      server.close();
    }
  });

  it('registers the scheme with the OS: packaged, and in development with the script as argument', async () => {
    app.fireReady();
    await (await installAuth(options())).dispose();
    expect(app.setAsDefaultProtocolClient).toHaveBeenLastCalledWith(SCHEME);
    await (await installAuth(options({ defaultApp: true, argv: ['/usr/bin/electron', '--inspect=0', 'app/main.js'] }))).dispose();
    expect(app.setAsDefaultProtocolClient).toHaveBeenLastCalledWith(SCHEME, '/opt/Host/host', [path.resolve('app/main.js')]);
  });
});

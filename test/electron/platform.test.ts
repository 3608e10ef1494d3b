import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electronModule);

import { AuthError } from '../../main/auth/errors';
import { TestVault as Vault } from '../helpers/test-vault';
import { createAppProtocolHandler, registerAppScheme, RENDERER_CSP, resolveRendererPath, serveRenderer } from '../../main/platform/app-protocol';
import { createElectronStoreKv } from '../../main/platform/electron-store-kv';
import { createSafeStorageCipher } from '../../main/platform/safe-storage-cipher';
import { assertBrowserUrl, createShellOpener } from '../../main/platform/shell-opener';
import { app, resetFakeElectron, shell, state } from './fake-electron';

beforeEach(() => {
  resetFakeElectron();
});

describe('safe-storage cipher', () => {
  it.each<[NodeJS.Platform, string, string]>([
    ['linux', 'basic_text', 'basic_text'],
    ['linux', 'gnome_libsecret', 'gnome_libsecret'],
    ['linux', 'kwallet6', 'kwallet6'],
    ['darwin', 'basic_text', 'keychain'],
    ['win32', 'basic_text', 'dpapi'],
  ])('on %s with Linux backend %s reports %s', (platform, linuxBackend, expected) => {
    state.platformBackend = linuxBackend;
    expect(createSafeStorageCipher(undefined, platform).backend()).toBe(expected);
  });

  it('encrypts through safeStorage and decrypts back', () => {
    const cipher = createSafeStorageCipher(undefined, 'linux');
    const ct = cipher.encrypt('secret-value');
    expect(Buffer.from(ct).toString('utf8')).not.toContain('secret-value');
    expect(cipher.decrypt(ct)).toBe('secret-value');
  });

  it('a vault over safeStorage on basic_text keeps the session in memory only', () => {
    state.platformBackend = 'basic_text';
    const file = path.join(app.userData, 'vault.json');
    const vault = new Vault({ cipher: createSafeStorageCipher(undefined, 'linux'), store: createElectronStoreKv({ name: 'vault' }) });
    expect(vault.status().persistent).toBe(false);
    vault.save({ providerId: 'demo', refreshToken: 'rt-basic-text-should-not-be-on-disk', user: { sub: 's', email: 'p@example.org' }, savedAt: 1 });
    let onDisk = '';
    try {
      onDisk = readFileSync(file, 'utf8');
    } catch {
      // nothing written at all is fine too
    }
    expect(onDisk).not.toContain('rt-basic-text-should-not-be-on-disk');
    expect(onDisk).not.toContain('p@example.org');
  });

  it('encryption unavailable (before ready / no keystore) → vault not persistent', () => {
    state.cipher.available = false;
    const vault = new Vault({ cipher: createSafeStorageCipher(undefined, 'linux'), store: createElectronStoreKv({ name: 'vault' }) });
    expect(vault.status()).toMatchObject({ persistent: false });
  });
});

describe('electron-store key-value store (real conf on disk, fake app paths)', () => {
  it('reads an existing <userData>/vault.json, mode 0600 on write', () => {
    const previous = { vault: { version: 1, entries: { demo: { ct: 'AAAA' } } } };
    writeFileSync(path.join(app.userData, 'vault.json'), JSON.stringify(previous, null, '\t'));
    const kv = createElectronStoreKv({ name: 'vault' });
    expect(kv.get('vault')).toEqual(previous.vault);
    kv.set('other', 1);
    // Windows has no POSIX modes (the file inherits the user profile's ACL).
    if (process.platform !== 'win32') expect(statSync(path.join(app.userData, 'vault.json')).mode & 0o777).toBe(0o600);
  });

  it('writes <userData>/vault.json and reads it back in a new instance', () => {
    const kv = createElectronStoreKv({ name: 'vault' });
    kv.set('vault', { version: 1, entries: {} });
    kv.set('a.b', 1);
    expect(JSON.parse(readFileSync(path.join(app.userData, 'vault.json'), 'utf8'))).toEqual({ vault: { version: 1, entries: {} }, 'a.b': 1 });
    const again = createElectronStoreKv({ name: 'vault' });
    expect(again.get('vault')).toEqual({ version: 1, entries: {} });
    again.delete('vault');
    expect(createElectronStoreKv({ name: 'vault' }).get('vault')).toBeUndefined();
  });

  it('a corrupt file is treated as empty instead of crashing start-up', () => {
    writeFileSync(path.join(app.userData, 'vault.json'), '{"vault": {"version": 1, "entr');
    const kv = createElectronStoreKv({ name: 'vault' });
    expect(kv.get('vault')).toBeUndefined();
  });

  it('a vault over it stores only ciphertext', () => {
    const vault = new Vault({ cipher: createSafeStorageCipher(undefined, 'linux'), store: createElectronStoreKv({ name: 'vault' }) });
    vault.save({
      providerId: 'demo',
      refreshToken: 'rt-must-be-encrypted-0001',
      user: { sub: 's', name: 'Grace Hopper', email: 'grace@example.org' },
      savedAt: 2,
    });
    const onDisk = readFileSync(path.join(app.userData, 'vault.json'), 'utf8');
    for (const secret of ['rt-must-be-encrypted-0001', 'grace@example.org', 'Grace Hopper']) expect(onDisk).not.toContain(secret);
    expect(new Vault({ cipher: createSafeStorageCipher(undefined, 'linux'), store: createElectronStoreKv({ name: 'vault' }) }).load('demo')?.refreshToken).toBe(
      'rt-must-be-encrypted-0001',
    );
  });
});

describe('shell opener', () => {
  it.each([
    'https://login.example.com/authorize?client_id=x&state=y',
    'http://127.0.0.1:4000/auth?x=1',
    'http://localhost:4000/auth',
    'http://[::1]:4000/auth',
  ])('opens %s in the system browser', async (url) => {
    await createShellOpener()(url);
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
    expect(shell.openExternal).toHaveBeenCalledWith(new URL(url).href);
  });

  it.each([
    'http://login.example.com/authorize',
    'file:///etc/passwd',
    'smb://server/share/evil.exe',
    'javascript:alert(1)',
    'com.example.desktop:/callback?code=x',
    'ms-settings:',
    'https://user:pass@login.example.com/',
    'not a url',
    'http://127.0.0.1.evil.example/',
  ])('refuses %s with invalid_request and never calls openExternal', async (url) => {
    await expect(createShellOpener()(url)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(shell.openExternal).not.toHaveBeenCalled();
    expect(() => assertBrowserUrl(url)).toThrow(AuthError);
  });
});

describe('app:// protocol', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'renderer-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>App</title><script type="module" src="./assets/main.js"></script>');
    writeFileSync(path.join(root, 'assets', 'main.js'), 'console.log(1)');
    writeFileSync(path.join(root, 'assets', 'style.css'), 'body{}');
    // A secret next to the root that traversal would reach.
    writeFileSync(path.join(root, '..', `${path.basename(root)}-secret.txt`), 'TOP SECRET');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(path.join(root, '..', `${path.basename(root)}-secret.txt`), { force: true });
  });

  it('registers app as a standard, secure privileged scheme', () => {
    registerAppScheme();
    expect(state.privilegedSchemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) as unknown }]);
  });

  it('serves index.html with the CSP and nosniff through protocol.handle', async () => {
    serveRenderer(root);
    const handler = state.protocolHandlers.get('app')!;
    const res = await handler(new Request('app://renderer/index.html'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>App</title>');
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toContain('unsafe-inline');
  });

  it.each([
    ['app://renderer/', 'text/html; charset=utf-8'],
    ['app://renderer/assets/main.js', 'text/javascript; charset=utf-8'],
    ['app://renderer/assets/style.css', 'text/css; charset=utf-8'],
  ])('%s → %s, no CSP on non-HTML', async (url, type) => {
    const res = await createAppProtocolHandler(root)(new Request(url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    if (!type.startsWith('text/html')) expect(res.headers.get('content-security-policy')).toBeNull();
  });

  it.each([
    ['app://renderer/../../etc/passwd', [403, 404]],
    // WHATWG URL parsing treats %2e%2e as a dot segment too, so these land inside the root.
    ['app://renderer/%2e%2e/%2e%2e/etc/passwd', [403, 404]],
    ['app://renderer/..%2f..%2f..%2fetc%2fpasswd', [403]],
    ['app://renderer/..%5c..%5cetc%5cpasswd', [403]],
    ['app://renderer/assets/..%2f..%2fSECRET', [403]],
    ['app://renderer/index.html%00.png', [403]],
    ['app://renderer/%E0%A4%A', [403]],
    ['app://evil/index.html', [403]],
    ['app://renderer/missing.js', [404]],
  ])('refuses %s', async (url, statuses) => {
    const res = await createAppProtocolHandler(root)(new Request(url));
    expect(statuses).toContain(res.status);
    const body = await res.text();
    expect(body).not.toContain('root:');
    expect(body).not.toContain('TOP SECRET');
  });

  it.each(['..%2f', '%2e%2e%2f', '..%5c', 'assets%2f..%2f..%2f'])('refuses traversal to a real file next to the root via %s', async (prefix) => {
    const secret = `${path.basename(root)}-secret.txt`;
    expect(readFileSync(path.join(root, '..', secret), 'utf8')).toBe('TOP SECRET');
    const url = `app://renderer/${prefix}${secret}`;
    const res = await createAppProtocolHandler(root)(new Request(url));
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('TOP SECRET');
    expect(resolveRendererPath(root, url)).toBeNull();
  });

  it('the URL parser resolves plain ../ segments inside the root', () => {
    expect(resolveRendererPath(root, 'app://renderer/../../etc/passwd')).toBe(path.join(root, 'etc', 'passwd'));
  });

  it('only GET and HEAD', async () => {
    const res = await createAppProtocolHandler(root)(new Request('app://renderer/index.html', { method: 'POST', body: 'x' }));
    expect(res.status).toBe(405);
  });

  it.each(['app://x@renderer/index.html', 'app://renderer:8080/index.html', 'app://renderer.evil/index.html', 'https://renderer/index.html'])(
    'serves only the renderer origin (same rule as the IPC sender check): %s → 403',
    async (url) => {
      expect(resolveRendererPath(root, url)).toBeNull();
      // `new Request()` refuses URLs with credentials; Electron's protocol handler gets whatever the page asked for.
      expect((await createAppProtocolHandler(root)({ method: 'GET', url } as Request)).status).toBe(403);
    },
  );
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appImageDesktopEntry, registerAppImageScheme, type AppImageSchemeDeps } from '../../main/platform/appimage-scheme';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function deps(overrides: Partial<AppImageSchemeDeps> = {}) {
  const home = mkdtempSync(path.join(tmpdir(), 'appimage-home-'));
  dirs.push(home);
  const calls: Array<[string, readonly string[]]> = [];
  const logs: string[] = [];
  const d: AppImageSchemeDeps = {
    env: { APPIMAGE: '/opt/apps/OIDC Desktop-0.1.0.AppImage' },
    platform: 'linux',
    scheme: 'com.example.desktop',
    appName: 'OIDC Desktop',
    desktopId: 'oidc-desktop',
    homeDir: home,
    readFile: (f) => readFile(f, 'utf8'),
    writeFile: (f, data) => writeFile(f, data),
    mkdir: async (dir) => void (await mkdir(dir, { recursive: true })),
    exec: async (file, args) => void calls.push([file, args]),
    logger: (_level, event) => void logs.push(event),
    ...overrides,
  };
  return { d, home, calls, logs };
}

describe('registerAppImageScheme', () => {
  it('writes a per-user desktop entry and makes it the scheme handler', async () => {
    const { d, home, calls } = deps();
    await expect(registerAppImageScheme(d)).resolves.toBe('registered');
    const file = path.join(home, '.local/share/applications/oidc-desktop-url-handler.desktop');
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '[Desktop Entry]',
        'Name=OIDC Desktop',
        'Exec="/opt/apps/OIDC Desktop-0.1.0.AppImage" %u',
        'Type=Application',
        'Terminal=false',
        'NoDisplay=true',
        'MimeType=x-scheme-handler/com.example.desktop;',
        '',
      ].join('\n'),
    );
    expect(calls[0]).toEqual(['xdg-mime', ['default', 'oidc-desktop-url-handler.desktop', 'x-scheme-handler/com.example.desktop']]);
  });

  it('is idempotent: a second run changes nothing and runs nothing', async () => {
    const { d, calls } = deps();
    await registerAppImageScheme(d);
    const before = calls.length;
    await expect(registerAppImageScheme(d)).resolves.toBe('already');
    expect(calls.length).toBe(before);
  });

  it('re-registers when the AppImage moved', async () => {
    const { d, home } = deps();
    await registerAppImageScheme(d);
    await expect(registerAppImageScheme({ ...d, env: { APPIMAGE: '/home/me/Apps/new.AppImage' } })).resolves.toBe('registered');
    expect(readFileSync(path.join(home, '.local/share/applications/oidc-desktop-url-handler.desktop'), 'utf8')).toContain('Exec="/home/me/Apps/new.AppImage" %u');
  });

  it('honours XDG_DATA_HOME', async () => {
    const { d, home } = deps();
    const xdg = path.join(home, 'xdg');
    await registerAppImageScheme({ ...d, env: { ...d.env, XDG_DATA_HOME: xdg } });
    expect(readFileSync(path.join(xdg, 'applications/oidc-desktop-url-handler.desktop'), 'utf8')).toContain('MimeType=x-scheme-handler/com.example.desktop;');
  });

  it.each([
    ['not an AppImage', { env: {} }],
    ['not Linux', { platform: 'darwin' }],
    ['a relative APPIMAGE', { env: { APPIMAGE: 'x.AppImage' } }],
    ['a newline in APPIMAGE', { env: { APPIMAGE: '/a\nExec=evil' } }],
  ])('skips when %s', async (_label, patch) => {
    const { d, calls } = deps(patch as Partial<AppImageSchemeDeps>);
    await expect(registerAppImageScheme(d)).resolves.toBe('skipped');
    expect(calls).toEqual([]);
  });

  it('never throws into start-up when xdg-mime is missing', async () => {
    const { d, logs } = deps({ exec: async () => Promise.reject(new Error('spawn xdg-mime ENOENT')) });
    await expect(registerAppImageScheme(d)).resolves.toBe('skipped');
    expect(logs).toContain('appimage.scheme_skipped');
  });

  it('escapes quotes, dollars and backslashes in the Exec path', () => {
    expect(appImageDesktopEntry('/a "b" $c\\d', 'x.y', 'N')).toContain('Exec="/a \\"b\\" \\$c\\\\d" %u');
  });
});

import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { appImageDesktopEntry, registerAppImageScheme, type AppImageSchemeDeps } from '../../main/platform/appimage-scheme';

const execFileAsync = promisify(execFile);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function deps(overrides: Partial<AppImageSchemeDeps> = {}) {
  const home = mkdtempSync(path.join(tmpdir(), 'appimage-home-'));
  dirs.push(home);
  const calls: [string, readonly string[]][] = [];
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
    mkdir: async (dir) => {
      await mkdir(dir, { recursive: true });
    },
    exec: (file, args) => {
      calls.push([file, args]);
      return Promise.resolve();
    },
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
    expect(readFileSync(path.join(home, '.local/share/applications/oidc-desktop-url-handler.desktop'), 'utf8')).toContain(
      'Exec="/home/me/Apps/new.AppImage" %u',
    );
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
    ['a % in APPIMAGE (GLib cannot launch it)', { env: { APPIMAGE: '/home/me/100%.AppImage' } }],
  ])('skips when %s', async (_label, patch) => {
    const { d, calls } = deps(patch);
    await expect(registerAppImageScheme(d)).resolves.toBe('skipped');
    expect(calls).toEqual([]);
  });

  it('never throws into start-up when xdg-mime is missing', async () => {
    const { d, logs } = deps({ exec: async () => Promise.reject(new Error('spawn xdg-mime ENOENT')) });
    await expect(registerAppImageScheme(d)).resolves.toBe('skipped');
    expect(logs).toContain('appimage.scheme_skipped');
  });

  it('escapes the Exec path for quoting, then for the key file string (a literal backslash becomes four)', () => {
    expect(appImageDesktopEntry('/a "b" $c\\d `e` 5%', 'x.y', 'N')).toContain('Exec="/a \\\\"b\\\\" \\\\$c\\\\\\\\d \\\\`e\\\\` 5%%" %u');
  });
});

/** The real desktop tools, where installed: xdg-utils' xdg-mime and GLib's gio (what GNOME, and Chromium via xdg-open, use). */
function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, tool)));
}
const desktopTools = onPath('xdg-mime') && onPath('gio');
// AppImages exist only on Linux (the app never registers one elsewhere), and the stand-in AppImage is a shebang script.
const onLinux = process.platform === 'linux';

describe.skipIf(!onLinux || !desktopTools)('registerAppImageScheme with the real xdg-mime and GLib (skipped off Linux, or without xdg-mime or gio)', () => {
  it('GLib resolves the scheme to our entry and launches the AppImage with the link as its one argument', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'appimage-xdg-'));
    dirs.push(home);
    // A path that needs every escaping the Exec key has: space, quotes, dollar, backtick, backslash.
    const appDir = path.join(home, 'Apps dir');
    mkdirSync(appDir);
    const appImage = path.join(appDir, 'OIDC "Desktop" $HOME `x` a\\b.AppImage');
    const argvFile = path.join(home, 'argv.json');
    writeFileSync(appImage, `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(1)));\n`);
    chmodSync(appImage, 0o755);
    // Isolated XDG directories: nothing from the machine's own desktop set-up is read or changed.
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_DATA_DIRS: path.join(home, 'no-system-data'),
      XDG_CONFIG_DIRS: path.join(home, 'no-system-config'),
    };
    const run = (file: string, args: readonly string[]) => execFileAsync(file, [...args], { env, timeout: 10_000 });
    const { d } = deps({
      env: { APPIMAGE: appImage, XDG_DATA_HOME: env.XDG_DATA_HOME },
      homeDir: home,
      exec: async (file, args) => {
        await run(file, args);
      },
    });

    await expect(registerAppImageScheme(d)).resolves.toBe('registered');
    expect((await run('xdg-mime', ['query', 'default', 'x-scheme-handler/com.example.desktop'])).stdout.trim()).toBe('oidc-desktop-url-handler.desktop');
    expect((await run('gio', ['mime', 'x-scheme-handler/com.example.desktop'])).stdout).toContain(': oidc-desktop-url-handler.desktop');

    const link = 'com.example.desktop:/callback?code=abc&state=x%20y';
    await run('gio', ['launch', path.join(env.XDG_DATA_HOME, 'applications', 'oidc-desktop-url-handler.desktop'), link]);
    const deadline = Date.now() + 10_000;
    while (!existsSync(argvFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(argvFile, 'utf8'))).toEqual([appImage, link]);
  });
});

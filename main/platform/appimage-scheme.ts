/**
 * AppImages have no installer, so nothing registers our URI scheme with the
 * desktop. On first run (and whenever the AppImage moved) this writes a
 * per-user `.desktop` entry that declares `x-scheme-handler/<scheme>` and
 * makes it the default handler with `xdg-mime`. It never throws into start-up:
 * a failure is logged and sign-in falls back to nothing worse than "the
 * browser could not hand the link back".
 *
 * Electron-free: file system and process spawning are passed in.
 */
import path from 'node:path';
import type { Logger } from '../auth/types';

export interface AppImageSchemeDeps {
  env: Readonly<Record<string, string | undefined>>;
  platform: string;
  scheme: string;
  appName: string;
  /** File name stem of the desktop entry, e.g. `oidc-desktop`. */
  desktopId: string;
  homeDir: string;
  readFile(file: string): Promise<string>;
  writeFile(file: string, data: string): Promise<void>;
  mkdir(dir: string): Promise<void>;
  /** Runs a program with arguments (no shell). */
  exec(file: string, args: readonly string[]): Promise<void>;
  logger: Logger;
}

export type AppImageSchemeResult = 'registered' | 'already' | 'skipped';

/**
 * One Exec argument, quoted. The Desktop Entry spec applies two escapings in
 * turn: inside double quotes `"`, `` ` ``, `$` and `\` take a backslash, a
 * literal `%` is `%%` (or it would be a field code), and then the whole value
 * gets the string escaping of {@link escapeValue}, so a literal backslash ends
 * up as four.
 * @see https://specifications.freedesktop.org/desktop-entry-spec/latest/exec-variables.html
 */
function quoteExecArg(file: string): string {
  return escapeValue(`"${file.replace(/([\\"`$])/g, '\\$1').replace(/%/g, '%%')}"`);
}

/** Desktop Entry spec string escaping: a newline must not start a new key. */
function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

export function appImageDesktopEntry(appImagePath: string, scheme: string, appName: string): string {
  return [
    '[Desktop Entry]',
    `Name=${escapeValue(appName)}`,
    `Exec=${quoteExecArg(appImagePath)} %u`,
    'Type=Application',
    'Terminal=false',
    'NoDisplay=true',
    `MimeType=x-scheme-handler/${scheme};`,
    '',
  ].join('\n');
}

/**
 * Makes this AppImage the user's handler for `<scheme>:` links. Linux only,
 * and only when running as an AppImage (`APPIMAGE` set by its runtime).
 * @returns `'registered'` after writing the entry and running `xdg-mime`,
 *   `'already'` when the entry is current (nothing run), `'skipped'` when not
 *   applicable or on any failure (logged as `appimage.scheme_skipped`).
 */
/** True when this process is an AppImage on Linux (`APPIMAGE` is set by its runtime). */
export function runsAsAppImage(env: Readonly<Record<string, string | undefined>>, platform: string): boolean {
  return platform === 'linux' && !!env.APPIMAGE;
}

export async function registerAppImageScheme(deps: AppImageSchemeDeps): Promise<AppImageSchemeResult> {
  const appImage = deps.env.APPIMAGE;
  if (!runsAsAppImage(deps.env, deps.platform) || !appImage) return 'skipped';
  if (!path.isAbsolute(appImage) || /[\r\n]/.test(appImage)) {
    deps.logger('warn', 'appimage.scheme_skipped', { reason: 'APPIMAGE is not an absolute path' });
    return 'skipped';
  }
  if (appImage.includes('%')) {
    // The spec's `%%` is not understood by GLib's launcher, which checks the
    // program path before expanding field codes: the entry would never start.
    deps.logger('warn', 'appimage.scheme_skipped', { reason: 'the AppImage path contains "%"; move or rename the file' });
    return 'skipped';
  }
  const dataHome = deps.env.XDG_DATA_HOME && path.isAbsolute(deps.env.XDG_DATA_HOME) ? deps.env.XDG_DATA_HOME : path.join(deps.homeDir, '.local', 'share');
  const dir = path.join(dataHome, 'applications');
  const fileName = `${deps.desktopId}-url-handler.desktop`;
  const file = path.join(dir, fileName);
  const entry = appImageDesktopEntry(appImage, deps.scheme, deps.appName);
  try {
    const existing = await deps.readFile(file).catch(() => null);
    if (existing === entry) return 'already';
    await deps.mkdir(dir);
    await deps.writeFile(file, entry);
    await deps.exec('xdg-mime', ['default', fileName, `x-scheme-handler/${deps.scheme}`]);
    // Refreshing the cache is best effort: not every desktop ships the tool.
    await deps.exec('update-desktop-database', [dir]).catch(() => {
      // Its failure changes nothing: the scheme is registered.
    });
    deps.logger('info', 'appimage.scheme_registered', { scheme: deps.scheme });
    return 'registered';
  } catch (err) {
    deps.logger('warn', 'appimage.scheme_skipped', { reason: err instanceof Error ? err.message : 'unknown' });
    return 'skipped';
  }
}

/**
 * The names the app is installed under, from the app developer's build-time
 * configuration (app.config.json): the product name, and on Linux the
 * executable name, which is also the desktop entry id (`<executableName>.desktop`,
 * Electron's `desktopName`) and the stem of the AppImage's scheme handler entry.
 *
 * The build (scripts/build-app-config.ts) validates them here and writes them
 * to dist/config/desktop-names.json next to the packaged provider
 * configuration; the running app reads that file back for the AppImage
 * self-registration. Electron-free: the file reader is passed in.
 */
import { z } from './auth/zod';
import { AuthError } from './auth/errors';

export interface DesktopNames {
  /** Window title, installer and menu name, macOS bundle and Windows executable name. */
  productName: string;
  /** Linux only: the binary's file name and the desktop entry id, e.g. `acme-desk`. */
  executableName: string;
}

/** The names of a fresh clone (`npm start`, tests): what the committed app.config.json yields. */
export const DEFAULT_DESKTOP_NAMES: DesktopNames = { productName: 'OIDC Desktop', executableName: 'oidc-desktop' };

export const DESKTOP_NAMES_FILE = 'desktop-names.json';

/** What is wrong with a product name (it becomes a file and folder name on every OS), or undefined. */
function productNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'productName is required, e.g. "Acme Desktop"';
  if (name.length > 64) return 'productName is at most 64 characters';
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\\/:*?"<>|\u0000-\u001f\u007f]/.test(name)) return 'productName becomes a file name: leave out \\ / : * ? " < > | and control characters';
  // Windows refuses a file name that ends in a dot or a space; a blank name names nothing.
  if (name.trim() !== name) return 'productName may not start or end with a space';
  if (name.endsWith('.')) return 'productName may not end with "." (Windows file names cannot)';
  return undefined;
}

export const productNameSchema = z.string().check(
  z.superRefine((name, ctx) => {
    const message = productNameProblem(name);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message });
  }),
);

// Lower-case ASCII: it is a file name in /usr/bin and /usr/share/applications, and the
// desktop entry id, which the Desktop Entry spec limits to letters, digits, "-", "_" and ".".
export const executableNameSchema = z
  .string()
  .check(z.maxLength(64), z.regex(/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/, 'executableName must be lower-case letters, digits, ".", "_" or "-", e.g. "acme-desk"'));

/** The executable name an app gets without an explicit one: "Acme Desk" → "acme-desk"; "" when nothing is left. */
export function executableNameFrom(productName: string): string {
  return productName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

const desktopNamesSchema = z.strictObject({ productName: productNameSchema, executableName: executableNameSchema });

/**
 * The names the build wrote into the package, or the defaults when there is no
 * such file (development from a tree built before, tests). A file that is there
 * but not valid is `invalid_config`: the package was altered after the build.
 */
export function loadDesktopNames(readFile: (file: string) => string, file: string): DesktopNames {
  let text: string;
  try {
    text = readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') return DEFAULT_DESKTOP_NAMES;
    throw new AuthError('invalid_config', `${file} could not be read.`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AuthError('invalid_config', `${file} is not valid JSON: run \`npm run build\` again.`, { cause: err });
  }
  const result = desktopNamesSchema.safeParse(value);
  if (!result.success)
    throw new AuthError(
      'invalid_config',
      `${file} is not valid (${result.error.issues.map((i) => i.path.join('.')).join(', ')}): run \`npm run build\` again.`,
    );
  return result.data;
}

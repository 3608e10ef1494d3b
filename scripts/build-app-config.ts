/**
 * The build-time configuration step (`npm run build` runs it after vite):
 * reads the app developer's configuration — `app.config.json` at the project
 * root, or the file named by OIDC_DESKTOP_BUILD_CONFIG — validates it with the
 * app's own `parseAppConfig`, and writes into dist/config/:
 *
 * - `app.config.json`: the provider configuration the installed app reads
 *   (only for a real configuration; a demo build has none, so the app starts
 *   the bundled demo provider);
 * - `packaging.json`: product name, app id, scheme and Linux executable name,
 *   which electron-builder.js turns into `protocols`, `productName`, `appId`,
 *   `linux.executableName`, `desktopName` and the demo exclusion, so the
 *   installers cannot disagree with the app;
 * - `desktop-names.json`: product name and executable name, packaged for the
 *   app's AppImage self-registration (main/desktop-names.ts);
 * - `installer.nsh`: build/installer.nsh with the scheme defined;
 * - `client-metadata.json`, when the configuration names a `clientMetadataDocument`:
 *   the Client ID Metadata Document to publish at that URL (docs/api-discovery.md).
 *
 * An invalid file fails the build with the file, the field and the fix.
 *
 *   tsx scripts/build-app-config.ts
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from '../main/auth/zod';
import { DEMO_SCHEME, parseAppConfigAt, parseJsonFile } from '../main/app-config';
import type { AppConfig } from '../main/auth/config';
import { clientIdMetadataDocument } from '../main/auth/client-registration';
import { AuthError, isAuthError } from '../main/auth/errors';
import { DESKTOP_NAMES_FILE, executableNameFrom, executableNameSchema, productNameSchema, type DesktopNames } from '../main/desktop-names';

export const BUILD_CONFIG_ENV = 'OIDC_DESKTOP_BUILD_CONFIG';
export const DEFAULT_BUILD_CONFIG = 'app.config.json';
/** Relative to the project root; electron-builder.js and the app (dist/main/../config) read it there. */
export const BUILD_CONFIG_OUT = path.join('dist', 'config');

/** The Client ID Metadata Document to host at the configuration's `clientMetadataDocument`. */
export const CLIENT_METADATA_FILE = 'client-metadata.json';

/** What electron-builder.js needs; written to dist/config/packaging.json. */
export interface Packaging {
  productName: string;
  /** Linux binary and desktop entry id (`<executableName>.desktop`). */
  executableName: string;
  appId: string;
  scheme: string;
  demo: boolean;
  /** The source file, and the SHA-256 of its bytes: electron-builder.js refuses a dist built from another version. */
  source: string;
  sourceSha256: string;
}

const REVERSE_DNS = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/i;

const wrapperSchema = z
  .strictObject({
    $comment: z.optional(z.string()),
    /** Window title, installer and menu name, macOS bundle and Windows executable name. */
    productName: productNameSchema,
    /** Linux binary and desktop entry id; defaults to productName in lower case with "-" for spaces ("Acme Desk" → "acme-desk"). */
    executableName: z.optional(executableNameSchema),
    /** macOS bundle id and Windows AppUserModelID; defaults to the scheme. */
    appId: z.optional(z.string().check(z.regex(REVERSE_DNS, 'appId must be reverse-DNS, e.g. "com.acme.desktop"'))),
    /** `true`: no provider configuration; the app starts the bundled demo provider. */
    demo: z.optional(z.literal(true)),
    /** The provider configuration, the same format as OIDC_DESKTOP_CONFIG and <userData>/config.json. */
    app: z.optional(z.unknown()),
  })
  .check(
    z.superRefine((v, ctx) => {
      // Only for a valid productName: an invalid one has its own message already.
      if (v.executableName === undefined && productNameSchema.safeParse(v.productName).success && executableNameFrom(v.productName) === '')
        ctx.addIssue({
          code: 'custom',
          path: ['executableName'],
          message: `productName "${v.productName}" has no ASCII letters or digits to name the Linux executable: add "executableName", e.g. "acme-desk"`,
        });
      if (v.demo && v.app !== undefined)
        ctx.addIssue({ code: 'custom', path: ['demo'], message: 'give "app" (your provider configuration) or "demo": true, not both' });
      if (!v.demo && v.app === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['app'],
          message: 'add "app": { "scheme": …, "providers": [ … ] } with your provider configuration, or "demo": true for the demo provider',
        });
    }),
  );

export interface BuildConfig {
  packaging: Omit<Packaging, 'source' | 'sourceSha256'>;
  /** null for a demo build. */
  app: AppConfig | null;
}

/** Validates the text of a build configuration file; throws `invalid_config` naming the file and each bad field. */
export function parseBuildConfig(file: string, text: string): BuildConfig {
  const result = wrapperSchema.safeParse(parseJsonFile(file, text));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new AuthError('invalid_config', `${file}: the build configuration is not valid:\n- ${lines.join('\n- ')}`);
  }
  const { productName, executableName, appId, demo, app: appValue } = result.data;
  const app = demo ? null : parseAppConfigAt(`${file} → "app"`, appValue);
  const scheme = app?.scheme ?? DEMO_SCHEME;
  return {
    packaging: { productName, executableName: executableName ?? executableNameFrom(productName), appId: appId ?? scheme, scheme, demo: app === null },
    app,
  };
}

/** The file to read: OIDC_DESKTOP_BUILD_CONFIG, else app.config.json at the root. */
export function buildConfigSource(root: string, env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env[BUILD_CONFIG_ENV]?.trim();
  return path.resolve(root, explicit || DEFAULT_BUILD_CONFIG);
}

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Reads, validates and writes dist/config/; returns what it wrote. */
export function writeBuildConfig(root: string, env: Readonly<Record<string, string | undefined>>): Packaging {
  const source = buildConfigSource(root, env);
  let bytes: Buffer;
  try {
    bytes = readFileSync(source);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AuthError(
      'invalid_config',
      code === 'ENOENT'
        ? `${source} does not exist. Create it (see app.config.example.json) or set ${BUILD_CONFIG_ENV} to your configuration file.`
        : `${source} could not be read (${code ?? 'unknown error'}).`,
      { cause: err },
    );
  }
  const { packaging, app } = parseBuildConfig(path.relative(root, source) || source, bytes.toString('utf8'));
  const out = path.join(root, BUILD_CONFIG_OUT);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const written: Packaging = { ...packaging, source, sourceSha256: sha256(bytes) };
  if (app) writeFileSync(path.join(out, 'app.config.json'), `${JSON.stringify(app, null, 2)}\n`);
  writeFileSync(path.join(out, 'packaging.json'), `${JSON.stringify(written, null, 2)}\n`);
  const names: DesktopNames = { productName: written.productName, executableName: written.executableName };
  writeFileSync(path.join(out, DESKTOP_NAMES_FILE), `${JSON.stringify(names, null, 2)}\n`);
  if (app?.clientMetadataDocument !== undefined) {
    // The same name and redirect the app registers with (main/index.ts passes productName as appName).
    const document = clientIdMetadataDocument(app.clientMetadataDocument, written.productName, `${app.scheme}:/callback`);
    writeFileSync(path.join(out, CLIENT_METADATA_FILE), `${JSON.stringify(document, null, 2)}\n`);
  }
  const nsh = readFileSync(path.join(root, 'build', 'installer.nsh'), 'utf8');
  // The scheme matched SCHEME_RE ([a-z0-9+.-]), so it needs no NSIS quoting.
  writeFileSync(
    path.join(out, 'installer.nsh'),
    `; Generated by scripts/build-app-config.ts from ${path.basename(source)}.\n!define APP_URL_SCHEME "${written.scheme}"\n\n${nsh}`,
  );
  return written;
}

const isCli = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isCli) {
  const root = path.resolve(import.meta.dirname, '..');
  try {
    const p = writeBuildConfig(root, process.env);
    console.log(`app config: ${path.relative(root, p.source)} → ${BUILD_CONFIG_OUT} (${p.demo ? 'demo provider' : `${p.productName}, scheme ${p.scheme}`})`);
  } catch (err) {
    console.error(`\nThe app configuration is not valid, so nothing was built for packaging.\n${isAuthError(err) ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

/**
 * Where the app's provider configuration comes from, first match wins.
 *
 * A PACKAGED app (finding 1, SECURITY.md "Configuration overrides only from
 * an administrator"):
 *
 * 1. the administrator's override (`readAdminConfig`: `/etc/<app>/config.json`,
 *    `/Library/Application Support/<app>/config.json`, or
 *    `HKLM\Software\Policies\<app>` — main/platform/admin-config.ts);
 * 2. the configuration built into the package (`dist/config/app.config.json`,
 *    inside the asar archive, so covered by asar integrity and code signing);
 * 3. nothing: `null`, and the app runs against the bundled demo provider.
 *
 * Never from userData or the environment: any process running as the person
 * can write those, and a configuration decides where the stored refresh token
 * is sent.
 *
 * A development run (`electron .`, tests) keeps the developer's sources:
 *
 * 1. `OIDC_DESKTOP_CONFIG` — path to a JSON file (a missing file is an error:
 *    the person asked for it explicitly);
 * 2. `<userData>/config.json`, when it exists;
 * 3. environment variables, when `OIDC_ISSUER` is set (one provider);
 * 4. the built configuration, when it exists;
 * 5. nothing.
 *
 * Whatever the source, the value goes through `parseAppConfig`, so errors read
 * the same and name the field. Electron-free: the file reader is passed in.
 */
import path from 'node:path';
import { parseAppConfig, type AppConfig } from './auth/config';
import { AuthError, isAuthError } from './auth/errors';

export interface LoadAppConfigDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a UTF-8 file; throws an `ENOENT` error when it does not exist. */
  readFile: (filePath: string) => string;
  userDataDir: string;
  /** The configuration file built into the package; absent in a demo build. */
  packagedConfigPath?: string;
  /** `app.isPackaged`. Without it (false): a development run, today's sources. */
  packaged?: boolean;
  /** The administrator's override for a packaged app (main/platform/admin-config.ts), or null. */
  readAdminConfig?: () => { where: string; text: string } | null;
}

export const DEMO_SCHEME = 'com.example.desktop';
export const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

export function loadAppConfig({ env, readFile, userDataDir, packagedConfigPath, packaged, readAdminConfig }: LoadAppConfigDeps): AppConfig | null {
  if (packaged === true) {
    const admin = readAdminConfig?.() ?? null;
    if (admin) return parseConfigFile(admin.where, admin.text);
    return readPackagedConfig(readFile, packagedConfigPath);
  }
  const explicit = env.OIDC_DESKTOP_CONFIG?.trim();
  if (explicit) {
    const text = readConfigFile(readFile, explicit, { mustExist: true });
    return parseConfigFile(explicit, text);
  }

  const userConfig = path.join(userDataDir, 'config.json');
  const text = readConfigFile(readFile, userConfig, { mustExist: false });
  if (text !== null) return parseConfigFile(userConfig, text);

  const envIssuer = env.OIDC_ISSUER?.trim();
  if (envIssuer) return parseAppConfig(configFromEnv(env, envIssuer));

  return readPackagedConfig(readFile, packagedConfigPath);
}

function readPackagedConfig(readFile: LoadAppConfigDeps['readFile'], packagedConfigPath: string | undefined): AppConfig | null {
  if (!packagedConfigPath) return null;
  const text = readConfigFile(readFile, packagedConfigPath, { mustExist: false });
  return text === null ? null : parseConfigFile(packagedConfigPath, text);
}

/** The configuration for the bundled demo provider (`main/demo/demo-provider.ts`). */
export function demoAppConfig(demo: {
  issuer: string;
  apiBaseUrl: string;
  clientId: string;
  apis?: Record<string, { id: string; displayName: string; baseUrl: string; resource: string; scopes: string[] }>;
}): AppConfig {
  const apis = Object.values(demo.apis ?? {});
  return parseAppConfig({
    scheme: DEMO_SCHEME,
    providers: [
      {
        id: 'demo',
        displayName: 'Demo provider',
        issuer: demo.issuer,
        clientId: demo.clientId,
        // Contacts is granted at sign-in; Calendar asks for consent on first use.
        scopes: [...DEFAULT_SCOPES, ...(demo.apis?.contacts?.scopes ?? [])],
        apiBaseUrls: [demo.apiBaseUrl],
        ...(apis.length > 0 ? { apis: apis.map(({ id, displayName, baseUrl, resource, scopes }) => ({ id, displayName, baseUrl, resource, scopes })) } : {}),
        // oidc-provider issues a refresh token only with offline_access AND prompt=consent.
        authorizeParams: { prompt: 'consent' },
        // The demo offers both: the app shows sender-constrained tokens (RFC 9449) and pushed requests (RFC 9126).
        dpop: 'required',
        par: 'required',
        // The demo provider runs the device flow (RFC 8628): "Sign in on another device", and the fallback without a browser.
        deviceCode: 'fallback',
      },
    ],
  });
}

/** With `mustExist`, a missing file is an error rather than `null`. */
function readConfigFile(readFile: LoadAppConfigDeps['readFile'], filePath: string, opts: { mustExist: true }): string;
function readConfigFile(readFile: LoadAppConfigDeps['readFile'], filePath: string, opts: { mustExist: boolean }): string | null;
function readConfigFile(readFile: LoadAppConfigDeps['readFile'], filePath: string, opts: { mustExist: boolean }): string | null {
  try {
    return readFile(filePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOENT' && !opts.mustExist) return null;
    const why = code === 'ENOENT' ? 'it does not exist' : `it could not be read (${code ?? 'unknown error'})`;
    throw new AuthError('invalid_config', `The configuration file ${filePath} could not be used: ${why}.`, { cause: err });
  }
}

function parseConfigFile(filePath: string, text: string): AppConfig {
  return parseAppConfigAt(filePath, parseJsonFile(filePath, text));
}

/** JSON.parse with an `invalid_config` error that names the file. */
export function parseJsonFile(filePath: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : 'syntax error';
    throw new AuthError('invalid_config', `The configuration file ${filePath} is not valid JSON: ${detail}`, { cause: err });
  }
}

/** `parseAppConfig`, with `where` (a file, or a file and key) in front of the message. */
export function parseAppConfigAt(where: string, value: unknown): AppConfig {
  try {
    return parseAppConfig(value);
  } catch (err) {
    if (isAuthError(err)) throw new AuthError('invalid_config', `${where}: ${err.message}`, { cause: err });
    throw err;
  }
}

const splitList = (value: string | undefined, sep: RegExp): string[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(sep)
        .map((s) => s.trim())
        .filter((s) => s.length > 0);

/**
 * One provider from environment variables; validation is left to `parseAppConfig`.
 * `issuer` is `OIDC_ISSUER`, trimmed and non-empty (the caller's check).
 */
function configFromEnv(env: LoadAppConfigDeps['env'], issuer: string): unknown {
  let hostname = issuer;
  try {
    hostname = new URL(issuer).hostname;
  } catch {
    // parseAppConfig reports the bad issuer
  }
  return {
    scheme: env.OIDC_SCHEME?.trim() || DEMO_SCHEME,
    providers: [
      {
        id: env.OIDC_PROVIDER_ID?.trim() || 'default',
        displayName: env.OIDC_PROVIDER_NAME?.trim() || hostname || 'Identity provider',
        issuer,
        clientId: env.OIDC_CLIENT_ID?.trim() ?? '',
        scopes: splitList(env.OIDC_SCOPES, /\s+/) ?? DEFAULT_SCOPES,
        apiBaseUrls: splitList(env.OIDC_API_BASE_URL, /,/) ?? [],
      },
    ],
    ...(env.OIDC_ALLOW_WEAK_STORAGE === '1' || env.OIDC_ALLOW_WEAK_STORAGE === 'true' ? { allowWeakStorage: true } : {}),
  };
}

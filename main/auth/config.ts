/**
 * The app's provider configuration: what is validated at load, with errors
 * that name the field and the fix.
 */
import { z } from 'zod';
import { AuthError } from './errors';

/** RFC 8252 §7.1: a private-use scheme is a reverse-DNS name, so it contains a dot. */
const SCHEME_RE = /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+$/;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for http(s) URLs on the loopback interface (where plain http is acceptable). */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

const httpsOrLoopback = (what: string) =>
  z.string().refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url));
      } catch {
        return false;
      }
    },
    { message: `${what} must be an https:// URL (http:// is accepted only for 127.0.0.1, localhost or [::1])` },
  );

export const providerConfigSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'id must be 1-64 lower-case letters, digits, "-" or "_"'),
    displayName: z.string().min(1).max(100),
    /** OIDC issuer; its `/.well-known/openid-configuration` is fetched at start. */
    issuer: httpsOrLoopback('issuer'),
    clientId: z.string().min(1, 'clientId is required: the client ID registered with the provider'),
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope may not contain spaces or quotes')).min(1),
    /**
     * Where the provider sends the browser back. Defaults to `<scheme>:/callback`
     * with the app's scheme.
     */
    redirectUri: z.string().optional(),
    /** Base URLs the renderer's `request` may reach with this provider's token. */
    apiBaseUrls: z.array(httpsOrLoopback('each apiBaseUrls entry')).min(1, 'apiBaseUrls needs at least one API base URL'),
    /** Extra authorization request parameters (e.g. `prompt`, `audience`). */
    authorizeParams: z.record(z.string(), z.string()).optional(),
    /** Where the provider's end-session endpoint should send the browser after sign-out. */
    postLogoutRedirectUri: z.string().optional(),
    /** Open the provider's end-session page in the browser on sign-out. */
    endSessionInBrowser: z.boolean().optional(),
  })
  .strict();

export const appConfigSchema = z
  .object({
    /** The private-use URI scheme registered with the OS, reverse-DNS (e.g. `com.example.desktop`). */
    scheme: z.string().regex(SCHEME_RE, 'scheme must be a reverse-DNS name such as "com.example.desktop" (RFC 8252 §7.1)'),
    providers: z.array(providerConfigSchema).min(1, 'providers needs at least one provider'),
    /**
     * Explicit opt-in: store the refresh token even when the OS has no real
     * encryption (Linux `basic_text`). Off by default.
     */
    allowWeakStorage: z.boolean().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.providers.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `duplicate provider id "${p.id}"` });
      seen.add(p.id);
    });
  });

export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export type AppConfig = z.infer<typeof appConfigSchema>;

/**
 * Validates an untrusted value (a parsed JSON file, env-built object) as an
 * AppConfig. Throws `invalid_config` whose message lists every bad field.
 */
export function parseAppConfig(value: unknown): AppConfig {
  const result = appConfigSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `${where}: ${issue.message}`;
    });
    throw new AuthError('invalid_config', `The provider configuration is not valid:\n- ${lines.join('\n- ')}`);
  }
  return result.data;
}

/** The redirect URI for a provider: its own, or `<scheme>:/callback`. */
export function redirectUriFor(config: AppConfig, provider: ProviderConfig): string {
  return provider.redirectUri ?? `${config.scheme}:/callback`;
}

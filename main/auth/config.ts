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

/** A JSON path into a token/userinfo response: `access_token`, `$.data.token`, `items.0.value`. */
const jsonPath = z
  .string()
  .regex(/^(\$\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a response path is dot-separated keys, e.g. "data.access_token"');

/** A value in a request body template: a literal, or `{{name}}` taken from the standard request. */
const templateValue = z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]);

const endpointsSchema = z
  .object({
    authorization: z.string(),
    token: z.string(),
    /** Where refresh requests go when the provider has a separate URL. */
    refresh: z.string().optional(),
    revocation: z.string().optional(),
    userinfo: z.string().optional(),
    endSession: z.string().optional(),
  })
  .strict();

const clientAuthSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('none') }).strict(),
  z.object({ method: z.literal('client_secret_post'), secret: z.string().min(1) }).strict(),
  z.object({ method: z.literal('client_secret_basic'), secret: z.string().min(1) }).strict(),
]);

const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope may not contain spaces or quotes');

/**
 * One API the app calls with this provider's tokens. With `scopes`,
 * `resource` (RFC 8707) or `audience`, it gets its own access token from the
 * account's refresh token (down-scoped); without, it shares the sign-in token
 * like an `apiBaseUrls` entry.
 */
export const apiEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'an API id is 1-64 lower-case letters, digits, "-" or "_", starting with a letter'),
    displayName: z.string().min(1).max(100).optional(),
    baseUrl: httpsOrLoopback('baseUrl'),
    scopes: z.array(scopeToken).min(1).max(50).optional(),
    /** RFC 8707 resource indicator: an absolute URI without a fragment. */
    resource: z
      .string()
      .max(2048)
      .refine((v) => {
        try {
          return new URL(v).hash === '' && !v.includes('#');
        } catch {
          return false;
        }
      }, 'resource must be an absolute URI without a fragment (RFC 8707)')
      .optional(),
    /** For providers that name the target API `audience` (e.g. Auth0) instead of `resource`. */
    audience: z.string().min(1).max(2048).regex(/^[^\s]+$/, 'audience may not contain spaces').optional(),
  })
  .strict();

export type ApiEntry = z.infer<typeof apiEntrySchema>;

export const providerConfigSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'id must be 1-64 lower-case letters, digits, "-" or "_"'),
    displayName: z.string().min(1).max(100),
    /**
     * OIDC / RFC 8414 issuer. Without `endpoints`, its discovery document is
     * fetched at first use; with `endpoints`, it is only the expected `iss`.
     */
    issuer: httpsOrLoopback('issuer').optional(),
    /** Explicit endpoints for providers without discovery. `{var}` is replaced from `templateVars`. */
    endpoints: endpointsSchema.optional(),
    /** Values for `{name}` placeholders in endpoint URLs (e.g. a tenant). */
    templateVars: z
      .record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string().regex(/^[A-Za-z0-9._~-]+$/, 'a template value must be a plain path segment'))
      .optional(),
    clientId: z.string().min(1, 'clientId is required: the client ID registered with the provider'),
    /**
     * `none` (default: public client with PKCE). A secret in a desktop app is
     * not confidential (RFC 8252 §8.5): use it only where the provider insists.
     */
    clientAuth: clientAuthSchema.optional(),
    scopes: z.array(scopeToken),
    /** Send PKCE (S256). On by default; only a provider that rejects the parameters needs `false`. */
    pkce: z.boolean().optional(),
    /** `scheme` (private-use URI scheme, default) or `loopback` (http://127.0.0.1:{port}/callback, RFC 8252 §7.3). */
    redirect: z.enum(['scheme', 'loopback']).optional(),
    /** Overrides the redirect URI for `scheme`; defaults to `<scheme>:/callback`. */
    redirectUri: z.string().optional(),
    /** Base URLs the renderer's `request` may reach with this provider's token. Optional when `apis` is given. */
    apiBaseUrls: z.array(httpsOrLoopback('each apiBaseUrls entry')).min(1, 'apiBaseUrls needs at least one API base URL').default([]),
    /** APIs by name, each optionally with its own token (scopes / resource / audience). */
    apis: z.array(apiEntrySchema).min(1).max(16).optional(),
    /** Extra authorization request parameters (e.g. `prompt`, `cancel_url`, `grant_type`). */
    authorizeParams: z.record(z.string(), z.string()).optional(),
    /** How token requests are sent. */
    tokenRequest: z
      .object({
        encoding: z.enum(['form', 'json']).optional(),
        /** Send the authorization response's `state` with the code exchange (some providers require it). */
        includeState: z.boolean().optional(),
        headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().regex(/^[^\r\n]*$/)).optional(),
        /** Body for the code exchange; `{{code}}`, `{{client_id}}`… are filled in. */
        bodyTemplate: z.record(z.string(), templateValue).optional(),
        /** Body for refresh requests, when it differs. */
        refreshBodyTemplate: z.record(z.string(), templateValue).optional(),
      })
      .strict()
      .optional(),
    /** Where to find the tokens in a non-standard token response. */
    tokenResponse: z
      .object({
        accessToken: jsonPath.optional(),
        refreshToken: jsonPath.optional(),
        idToken: jsonPath.optional(),
        expiresIn: jsonPath.optional(),
        tokenType: jsonPath.optional(),
        /** Epoch seconds the token was issued at: the expiry is `created_at + expires_in`. */
        createdAt: jsonPath.optional(),
      })
      .strict()
      .optional(),
    /** Where to find the person in a non-OIDC userinfo response. */
    userInfo: z.object({ sub: jsonPath.optional(), name: jsonPath.optional(), email: jsonPath.optional() }).strict().optional(),
    /**
     * Some APIs answer an expired token with 400/403 and a message instead of
     * 401. A regular expression on the response body that means "token expired".
     */
    expiredTokenPattern: z.string().max(200).optional(),
    /** Where the provider's end-session endpoint should send the browser after sign-out. */
    postLogoutRedirectUri: z.string().optional(),
    /** Open the provider's end-session page in the browser on sign-out. */
    endSessionInBrowser: z.boolean().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (!p.issuer && !p.endpoints) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'give either "issuer" (OIDC discovery) or "endpoints" (explicit URLs)' });
    }
    if (p.endpoints) {
      for (const [name, raw] of Object.entries(p.endpoints)) {
        if (raw === undefined) continue;
        let filled: string;
        try {
          filled = fillTemplate(raw, p.templateVars ?? {});
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['endpoints', name], message: (err as Error).message });
          continue;
        }
        const check = httpsOrLoopback(`endpoints.${name}`).safeParse(filled);
        if (!check.success) ctx.addIssue({ code: 'custom', path: ['endpoints', name], message: check.error.issues[0]?.message ?? 'invalid URL' });
      }
    }
    if (p.expiredTokenPattern !== undefined) {
      try {
        new RegExp(p.expiredTokenPattern);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['expiredTokenPattern'], message: 'not a valid regular expression' });
      }
    }
    if (p.apiBaseUrls.length === 0 && !p.apis) {
      ctx.addIssue({ code: 'custom', path: ['apiBaseUrls'], message: 'apiBaseUrls needs at least one API base URL (or give "apis")' });
    }
    const apiIds = new Set<string>();
    p.apis?.forEach((a, i) => {
      if (apiIds.has(a.id)) ctx.addIssue({ code: 'custom', path: ['apis', i, 'id'], message: `duplicate API id "${a.id}"` });
      apiIds.add(a.id);
    });
    if ((p.apis?.length ?? 0) + p.apiBaseUrls.length > 16) {
      ctx.addIssue({ code: 'custom', path: ['apis'], message: 'at most 16 APIs per provider' });
    }
    if (p.scopes.length === 0 && !p.endpoints) {
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'an OIDC provider needs at least the "openid" scope' });
    }
  });

/** Replaces `{name}` in an endpoint URL; an unknown name is a configuration error. */
export function fillTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`the URL uses {${name}} but templateVars has no "${name}"`);
    return encodeURIComponent(value);
  });
}

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

/** The private-use-scheme redirect URI for a provider: its own, or `<scheme>:/callback`. */
export function redirectUriFor(config: AppConfig, provider: ProviderConfig): string {
  return provider.redirectUri ?? `${config.scheme}:/callback`;
}

/** Profiles that ship a client secret: warned about at load (RFC 8252 §8.5). */
export function providersWithSecrets(config: AppConfig): string[] {
  return config.providers.filter((p) => p.clientAuth && p.clientAuth.method !== 'none').map((p) => p.id);
}

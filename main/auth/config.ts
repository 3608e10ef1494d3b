/**
 * The app's provider configuration: what is validated at load, with errors
 * that name the field and the fix.
 */
import { z } from './zod';
import { authorizeParamValue, fillTemplate, templateValue } from './config-templates';
import { AuthError } from './errors';

export { fillAuthorizeParam, fillTemplate } from './config-templates';

/** RFC 8252 §7.1: a private-use scheme is a reverse-DNS name, so it contains a dot. */
/** A private-use redirect scheme: reverse-DNS (RFC 8252 §7.1). */
export const SCHEME_RE = /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+$/;

/** A provider id: also what the renderer may name in `signIn` (checked again at the IPC boundary). */
export const PROVIDER_ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const PROVIDER_ID_RULE = 'must be 1-64 lower-case letters, digits, "-" or "_"';

/** An API id in a profile's `apis` (and in the IPC messages that name one). */
export const API_ID_RE = /^[a-z][a-z0-9_-]{0,63}$/;
export const API_ID_RULE = 'an API id is 1-64 lower-case letters, digits, "-" or "_", starting with a letter';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for http(s) URLs on the loopback interface (where plain http is acceptable). */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * `https:`, or `http:` on the loopback interface (a local provider): the
 * rule for configured endpoints and for what the system browser may open.
 */
export function isHttpsOrLoopbackUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url));
}

const httpsOrLoopback = (what: string) =>
  z.string().check(
    z.refine(
      (value) => {
        try {
          return isHttpsOrLoopbackUrl(new URL(value));
        } catch {
          return false;
        }
      },
      { error: `${what} must be an https:// URL (http:// is accepted only for 127.0.0.1, localhost or [::1])` },
    ),
  );

/** A JSON path into a token/userinfo response: `access_token`, `$.data.token`, `items.0.value`. */
const jsonPath = z.string().check(z.regex(/^(\$\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a response path is dot-separated keys, e.g. "data.access_token"'));

/** A callback (authorization response) query parameter name. */
const callbackParam = z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a callback parameter name is 1-64 letters, digits, "_", "." or "-"'));

/** Parameters whose meaning the protocol fixes: a profile may not read the person or the code from them. */
const PROTOCOL_CALLBACK_PARAMS = new Set(['state', 'error', 'error_description', 'error_uri', 'iss']);

const endpointsSchema = z.strictObject({
  authorization: z.string(),
  token: z.string(),
  /** Where refresh requests go when the provider has a separate URL. */
  refresh: z.optional(z.string()),
  revocation: z.optional(z.string()),
  userinfo: z.optional(z.string()),
  endSession: z.optional(z.string()),
  /** RFC 8628 device authorization endpoint, for `deviceCode`. */
  deviceAuthorization: z.optional(z.string()),
});

/** `auto` (use it when the provider advertises it), `required` (fail clearly when it does not) or `off`. */
const featureSwitch = z.enum(['auto', 'required', 'off']);
export type FeatureSwitch = z.infer<typeof featureSwitch>;

const clientAuthSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('none') }),
  z.strictObject({ method: z.literal('client_secret_post'), secret: z.string().check(z.minLength(1)) }),
  z.strictObject({ method: z.literal('client_secret_basic'), secret: z.string().check(z.minLength(1)) }),
]);

const scopeToken = z.string().check(z.regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope may not contain spaces or quotes'));

/**
 * One API the app calls with this provider's tokens. With `scopes`,
 * `resource` (RFC 8707) or `audience`, it gets its own access token from the
 * account's refresh token (down-scoped); without, it shares the sign-in token
 * like an `apiBaseUrls` entry.
 */
const apiEntrySchema = z.strictObject({
  id: z.string().check(z.regex(API_ID_RE, API_ID_RULE)),
  displayName: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  baseUrl: httpsOrLoopback('baseUrl'),
  scopes: z.optional(z.array(scopeToken).check(z.minLength(1), z.maxLength(50))),
  /** RFC 8707 resource indicator: an absolute URI without a fragment. */
  resource: z.optional(
    z.string().check(
      z.maxLength(2048),
      z.refine((v) => {
        try {
          return new URL(v).hash === '' && !v.includes('#');
        } catch {
          return false;
        }
      }, 'resource must be an absolute URI without a fragment (RFC 8707)'),
    ),
  ),
  /** For providers that name the target API `audience` (e.g. Auth0) instead of `resource`. */
  audience: z.optional(z.string().check(z.minLength(1), z.maxLength(2048), z.regex(/^[^\s]+$/, 'audience may not contain spaces'))),
  /**
   * Whether this API takes DPoP-bound tokens (RFC 9449). Unset: what the API
   * publishes in its RFC 9728 metadata decides, and none means Bearer only.
   */
  dpop: z.optional(z.boolean()),
});

export type ApiEntry = z.infer<typeof apiEntrySchema>;

const providerConfigSchema = z
  .strictObject({
    id: z.string().check(z.regex(PROVIDER_ID_RE, `id ${PROVIDER_ID_RULE}`)),
    displayName: z.string().check(z.minLength(1), z.maxLength(100)),
    /**
     * OIDC / RFC 8414 issuer. Without `endpoints`, its discovery document is
     * fetched at first use; with `endpoints`, it is only the expected `iss`.
     */
    issuer: z.optional(httpsOrLoopback('issuer')),
    /** Explicit endpoints for providers without discovery. `{var}` is replaced from `templateVars`. */
    endpoints: z.optional(endpointsSchema),
    /** Values for `{name}` placeholders in endpoint URLs (e.g. a tenant). */
    templateVars: z.optional(
      z.record(z.string().check(z.regex(/^[A-Za-z0-9_]+$/)), z.string().check(z.regex(/^[A-Za-z0-9._~-]+$/, 'a template value must be a plain path segment'))),
    ),
    clientId: z.string().check(z.minLength(1, 'clientId is required: the client ID registered with the provider')),
    /**
     * `none` (default: public client with PKCE). A secret in a desktop app is
     * not confidential (RFC 8252 §8.5): use it only where the provider insists.
     */
    clientAuth: z.optional(clientAuthSchema),
    scopes: z.array(scopeToken),
    /** Send PKCE (S256). On by default; only a provider that rejects the parameters needs `false`. */
    pkce: z.optional(z.boolean()),
    /** `scheme` (private-use URI scheme, default) or `loopback` (http://127.0.0.1:{port}/callback, RFC 8252 §7.3). */
    redirect: z.optional(z.enum(['scheme', 'loopback'])),
    /** Overrides the redirect URI for `scheme`; defaults to `<scheme>:/callback`. */
    redirectUri: z.optional(z.string()),
    /** Base URLs the renderer's `request` may reach with this provider's token. Optional when `apis` is given. */
    apiBaseUrls: z._default(z.array(httpsOrLoopback('each apiBaseUrls entry')).check(z.minLength(1, 'apiBaseUrls needs at least one API base URL')), []),
    /** Whether the `apiBaseUrls` APIs take DPoP-bound tokens; unset: each one's RFC 9728 metadata decides (as `apis[].dpop`). */
    apiBaseUrlsDpop: z.optional(z.boolean()),
    /** APIs by name, each optionally with its own token (scopes / resource / audience). */
    apis: z.optional(z.array(apiEntrySchema).check(z.minLength(1), z.maxLength(16))),
    /** Extra authorization request parameters (e.g. `prompt`, `cancel_url`, `grant_type`). */
    authorizeParams: z.optional(z.record(z.string(), authorizeParamValue)),
    /** What the provider's callback (authorization response) looks like, when it is not standard. */
    callback: z.optional(
      z.strictObject({
        /**
         * `false` for a provider that does not echo `state` (its callback is
         * `redirect?code=…`). The callback is then bound to its sign-in by the
         * loopback listener of that sign-in, or by PKCE: one of them is required.
         */
        stateEchoed: z.optional(z.boolean()),
        /** The query parameter that carries the authorization code (default `code`). */
        codeParam: z.optional(callbackParam),
        /** Callback parameters naming the person, used when neither the ID token nor userinfo does. */
        identity: z.optional(z.strictObject({ sub: z.optional(callbackParam), name: z.optional(callbackParam), email: z.optional(callbackParam) })),
      }),
    ),
    /** How token requests are sent. */
    tokenRequest: z.optional(
      z.strictObject({
        encoding: z.optional(z.enum(['form', 'json'])),
        /** Send the authorization response's `state` with the code exchange (some providers require it). */
        includeState: z.optional(z.boolean()),
        headers: z.optional(z.record(z.string().check(z.regex(/^[A-Za-z0-9-]+$/)), z.string().check(z.regex(/^[^\r\n]*$/)))),
        /** Body for the code exchange; `{{code}}`, `{{client_id}}`… are filled in. */
        bodyTemplate: z.optional(z.record(z.string(), templateValue)),
        /** Body for refresh requests, when it differs. */
        refreshBodyTemplate: z.optional(z.record(z.string(), templateValue)),
      }),
    ),
    /** Where to find the tokens in a non-standard token response. */
    tokenResponse: z.optional(
      z.strictObject({
        accessToken: z.optional(jsonPath),
        refreshToken: z.optional(jsonPath),
        idToken: z.optional(jsonPath),
        expiresIn: z.optional(jsonPath),
        tokenType: z.optional(jsonPath),
        /** Epoch seconds the token was issued at: the expiry is `created_at + expires_in`. */
        createdAt: z.optional(jsonPath),
        /**
         * Match each key of the paths without regard to case (an exact match
         * wins): for documents that write `Access_token` where the wire may say
         * `access_token`.
         */
        ignoreCase: z.optional(z.boolean()),
      }),
    ),
    /** Where to find the person in a non-OIDC userinfo response. */
    userInfo: z.optional(z.strictObject({ sub: z.optional(jsonPath), name: z.optional(jsonPath), email: z.optional(jsonPath) })),
    /**
     * Some APIs answer an expired token with an error status other than 401
     * (400, 403, 500…) and a message. A regular expression on the body of an
     * error response (4xx/5xx) that means "token expired".
     */
    expiredTokenPattern: z.optional(z.string().check(z.maxLength(200))),
    /** Where the provider's end-session endpoint should send the browser after sign-out. */
    postLogoutRedirectUri: z.optional(z.string()),
    /** Open the provider's end-session page in the browser on sign-out. */
    endSessionInBrowser: z.optional(z.boolean()),
    /**
     * DPoP (RFC 9449): bind the tokens to a key only this app holds. `auto`
     * (default) when the provider advertises `dpop_signing_alg_values_supported`
     * AND every API of the profile takes DPoP (`apis[].dpop`, `apiBaseUrlsDpop`,
     * or the API's RFC 9728 metadata); `required` fails sign-in naming the
     * provider or the API that cannot, `off` never.
     */
    dpop: z.optional(featureSwitch),
    /**
     * Pushed authorization requests (RFC 9126). `auto` (default) when the provider
     * advertises `pushed_authorization_request_endpoint` (always when it sets
     * `require_pushed_authorization_requests`), `required` or `off` as for `dpop`.
     */
    par: z.optional(featureSwitch),
    /**
     * Sign-in on another device (RFC 8628 device authorization grant):
     * `fallback` offers it beside the browser sign-in and uses it when the
     * browser cannot be opened; `only` never opens a browser. Absent: off.
     */
    deviceCode: z.optional(z.enum(['fallback', 'only'])),
  })
  .check(
    z.superRefine((p, ctx) => {
      if (!p.issuer && !p.endpoints) {
        ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'give either "issuer" (OIDC discovery) or "endpoints" (explicit URLs)' });
      }
      if (p.dpop === 'required' && p.endpoints?.refresh !== undefined) {
        // A DPoP proof names the URL it is for (htu): a refresh sent to a separate URL would carry a proof for the token endpoint.
        ctx.addIssue({
          code: 'custom',
          path: ['dpop'],
          message: 'DPoP cannot be required with a separate refresh URL (endpoints.refresh): set "dpop" to "off", or remove endpoints.refresh',
        });
      }
      if (p.dpop === 'required') {
        // Tokens bound to a key are refused by an API that knows only Bearer: caught here, before any sign-in.
        p.apis?.forEach((a, i) => {
          if (a.dpop === false) {
            ctx.addIssue({
              code: 'custom',
              path: ['apis', i, 'dpop'],
              message: `the API "${a.id}" is declared Bearer-only but "dpop" is "required": set "dpop" to "auto" (Bearer tokens for this provider), or remove this API's "dpop": false if it does take DPoP`,
            });
          }
        });
        if (p.apiBaseUrlsDpop === false && p.apiBaseUrls.length > 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['apiBaseUrlsDpop'],
            message: 'the apiBaseUrls APIs are declared Bearer-only but "dpop" is "required": set "dpop" to "auto", or remove "apiBaseUrlsDpop": false',
          });
        }
      }
      if (p.endpoints) {
        // A key given as `undefined` (a config built in code, not JSON) stays in the parsed object.
        const endpoints: Record<string, string | undefined> = p.endpoints;
        for (const [name, raw] of Object.entries(endpoints)) {
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
      const cb = p.callback;
      if (cb?.stateEchoed === false && p.redirect !== 'loopback' && p.pkce === false) {
        ctx.addIssue({
          code: 'custom',
          path: ['callback', 'stateEchoed'],
          message:
            'a provider that does not echo "state" needs another way to tie its callback to the sign-in: set "redirect": "loopback" (a one-time listener per sign-in) or keep PKCE on (remove "pkce": false)',
        });
      }
      for (const [field, name] of Object.entries({
        codeParam: cb?.codeParam,
        ...Object.fromEntries(Object.entries(cb?.identity ?? {}).map(([k, v]) => [`identity.${k}`, v])),
      })) {
        if (typeof name === 'string' && PROTOCOL_CALLBACK_PARAMS.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['callback', ...field.split('.')],
            message: `"${name}" is a protocol parameter of the callback; name the provider's own parameter`,
          });
        }
      }
      for (const [name, value] of Object.entries(p.tokenRequest?.bodyTemplate ?? {})) {
        if (value === '{{client_id|number}}' && !Number.isFinite(Number(p.clientId))) {
          ctx.addIssue({
            code: 'custom',
            path: ['tokenRequest', 'bodyTemplate', name],
            message: 'clientId is not a number, so {{client_id|number}} cannot be sent; use "{{client_id}}"',
          });
        }
      }
      if (p.scopes.length === 0 && !p.endpoints) {
        ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'an OIDC provider needs at least the "openid" scope' });
      }
    }),
  );

const appConfigSchema = z
  .strictObject({
    /** The private-use URI scheme registered with the OS, reverse-DNS (e.g. `com.example.desktop`). */
    scheme: z.string().check(z.regex(SCHEME_RE, 'scheme must be a reverse-DNS name such as "com.example.desktop" (RFC 8252 §7.1)')),
    providers: z.array(providerConfigSchema).check(z.minLength(1, 'providers needs at least one provider')),
    /**
     * Explicit opt-in: store the refresh token even when the OS has no real
     * encryption (Linux `basic_text`). Off by default.
     */
    allowWeakStorage: z.optional(z.boolean()),
    /** Where the developer hosts the app's Client ID Metadata Document: its client id at servers that take one (api-connections.ts). */
    clientMetadataDocument: z.optional(
      z.string().check(z.refine(isClientIdDocumentUrl, 'clientMetadataDocument must be an https URL with a path, without user info or fragment')),
    ),
  })
  .check(
    z.superRefine((config, ctx) => {
      const seen = new Set<string>();
      config.providers.forEach((p, i) => {
        if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `duplicate provider id "${p.id}"` });
        seen.add(p.id);
      });
    }),
  );

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

/** A URL a server may fetch as a client id (Client ID Metadata Document draft §3): https, a path, no user info or fragment. */
function isClientIdDocumentUrl(value: string): boolean {
  if (!URL.canParse(value) || value.includes('#')) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.pathname !== '/';
}

/** The private-use-scheme redirect URI for a provider: its own, or `<scheme>:/callback`. */
export function redirectUriFor(config: AppConfig, provider: ProviderConfig): string {
  return provider.redirectUri ?? `${config.scheme}:/callback`;
}

/** Profiles that ship a client secret: warned about at load (RFC 8252 §8.5). */
export function providersWithSecrets(config: AppConfig): string[] {
  return config.providers.filter((p) => p.clientAuth && p.clientAuth.method !== 'none').map((p) => p.id);
}

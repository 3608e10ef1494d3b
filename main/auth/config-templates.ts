/**
 * The templates a provider profile may contain, checked at load and filled
 * per request: token request body templates (`{{code}}`, `{{refresh_token|number}}`…),
 * `authorizeParams` placeholders (`{{redirect_uri}}`, `{{state}}`) and
 * `{tenant}`-style endpoint variables.
 */
import { z } from './zod';

/**
 * Names a body template may use: the parameters of the standard token request
 * openid-client builds (plus the client secret). `{{name}}` is a string;
 * `{{name|number}}` / `{{name|boolean}}` as the whole value become a JSON
 * number / boolean (for documents whose templates show unquoted placeholders).
 */
const BODY_TEMPLATE_NAMES = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'client_id', 'client_secret', 'refresh_token', 'state', 'scope'] as const;
const BODY_PLACEHOLDER_RE = /\{\{([A-Za-z0-9_]+)(?:\|([a-z]+))?\}\}/g;
const BODY_TYPES = new Set(['number', 'boolean']);

/** A value in a request body template: a literal, or `{{name}}` taken from the standard request. */
export const templateValue = z.union([z.string().check(z.maxLength(2048)), z.number(), z.boolean(), z.null()]).check(
  z.superRefine((value, ctx) => {
    if (typeof value !== 'string') return;
    for (const m of value.matchAll(BODY_PLACEHOLDER_RE)) {
      // Group 1 always matches (it is not optional); the default only satisfies the type.
      const [whole, name = '', type] = m;
      if (!(BODY_TEMPLATE_NAMES as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {{${name}}}: use one of ${BODY_TEMPLATE_NAMES.map((n) => `{{${n}}}`).join(', ')}` });
      } else if (type !== undefined && !BODY_TYPES.has(type)) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder type "|${type}": use {{${name}|number}} or {{${name}|boolean}}` });
      } else if (type !== undefined && whole !== value) {
        ctx.addIssue({ code: 'custom', message: `a typed placeholder ({{${name}|${type}}}) must be the whole value, not part of a string` });
      }
    }
  }),
);

/**
 * Placeholders an `authorizeParams` value may use, filled per sign-in: the
 * redirect URI as is, the state percent-encoded. E.g. a cancel URL that comes
 * back to the app as this sign-in's own error response:
 * `{{redirect_uri}}?state={{state}}&error=access_denied`.
 */
const AUTHORIZE_PLACEHOLDERS = ['redirect_uri', 'state'] as const;
const AUTHORIZE_PLACEHOLDER_RE = /\{\{([^{}]*)\}\}/g;

export const authorizeParamValue = z.string().check(
  z.maxLength(2048),
  z.superRefine((value, ctx) => {
    for (const m of value.matchAll(AUTHORIZE_PLACEHOLDER_RE)) {
      // Group 1 always matches (possibly empty); the default only satisfies the type.
      const name = m[1] ?? '';
      if (!(AUTHORIZE_PLACEHOLDERS as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {{${name}}}: authorizeParams may use {{redirect_uri}} and {{state}}` });
      }
    }
  }),
);

/** Replaces `{name}` in an endpoint URL; an unknown name is a configuration error. */
export function fillTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`the URL uses {${name}} but templateVars has no "${name}"`);
    return encodeURIComponent(value);
  });
}

/**
 * Fills `{{redirect_uri}}` (as is: it is the base of a URL) and `{{state}}`
 * (percent-encoded: it goes into a query) in an `authorizeParams` value. The
 * whole value is then encoded once more as a parameter of the authorization URL.
 */
export function fillAuthorizeParam(value: string, vars: { redirect_uri: string; state: string }): string {
  return value.replace(AUTHORIZE_PLACEHOLDER_RE, (_m, name: string) =>
    name === 'state' ? encodeURIComponent(vars.state) : name === 'redirect_uri' ? vars.redirect_uri : _m,
  );
}

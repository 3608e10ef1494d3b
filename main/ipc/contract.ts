/**
 * Runtime validators for every invokable IPC channel, matching `IpcContract`
 * in `contract-types.ts`. The renderer is untrusted input: a compromised page
 * can send anything structured-clone can carry, so each payload is checked
 * here before the auth core sees it.
 *
 * Error messages name the field and the rule, never the value: a value may be
 * something the person typed, or an attacker's probe, and either way it has
 * no business in logs or on screen.
 */
import { atFirstUse, z } from '../auth/zod';
import { isCallerSettableHeader } from '../api/request-rules';
import { isWellFormedAccountId } from '../auth/account-id';
import { API_ID_RE, PROVIDER_ID_RE, PROVIDER_ID_RULE } from '../auth/config';
import { AuthError } from '../auth/errors';
import { HTTP_METHODS } from '../auth/types';
import type { ChannelRequest, InvokeChannel } from './contract-types';

export const MAX_PATH_CHARS = 2048;
export const MAX_QUERY_PARAMS = 50;
export const MAX_QUERY_PART_CHARS = 1024;
export const MAX_HEADERS = 30;
export const MAX_HEADER_VALUE_CHARS = 8192;
export const MAX_BODY_BYTES = 1024 * 1024;
/** Deeper than any legitimate payload; stops a pathological nesting before it costs anything. */
const MAX_DEPTH = 6;

/** RFC 7230 §3.2.6 `token`: what a header field name may be. */
const HEADER_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII, space, tab and obs-text; no CR/LF (header injection) and no other control characters. */
const HEADER_VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHAR_RE = /[\u0000-\u001f\u007f]/;

/** Keys that reach `Object.prototype` when assigned, or shadow it. */
const POISONED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Schemas = { [C in InvokeChannel]: z.ZodMiniType<ChannelRequest<C>> };

/**
 * The validators, built at the first message (`atFirstUse`): no message can
 * arrive before the window exists. Mapped over the contract: a message
 * without a validator does not compile.
 */
function buildSchemas(): Schemas {
  const providerId = z.string().check(z.regex(PROVIDER_ID_RE, PROVIDER_ID_RULE));

  const signInSchema = z.optional(z.strictObject({ providerId: z.optional(providerId), onAnotherDevice: z.optional(z.boolean()) }));

  /** `${providerId}:${sub}` (accounts.ts): the provider id rule, a colon, a subject without control characters. */
  const accountId = z.string().check(
    z.maxLength(1100, 'must be at most 1100 characters'),
    z.refine(isWellFormedAccountId, 'must be an account id from listAccounts'),
    z.refine((v) => !CONTROL_CHAR_RE.test(v), 'must not contain control characters'),
  );

  const apiId = z.string().check(z.regex(API_ID_RE, 'must be a configured API id'));
  /** An API as `stepUpNeeded` names it: a declared id, or `#<index>` for an `apiBaseUrls` entry. */
  const apiKey = z.union([apiId, z.string().check(z.regex(/^#(?:[0-9]|1[0-5])$/, 'must be a configured API id'))]);

  /** Channels without input: `invoke(channel)` sends `undefined`; `null` is tolerated. */
  const noPayloadSchema = z.pipe(
    z.unknown().check(z.refine((v) => v === undefined || v === null, 'must be empty: this message takes no input')),
    z.transform((): undefined => undefined),
  );

  const apiPath = z.string().check(
    z.maxLength(MAX_PATH_CHARS, `must be at most ${MAX_PATH_CHARS} characters`),
    z.refine((p) => p.startsWith('/'), 'must start with "/"'),
    z.refine((p) => !p.startsWith('//'), 'must not start with "//"'),
    z.refine((p) => !p.includes('\\'), 'must not contain a backslash'),
    z.refine((p) => !CONTROL_CHAR_RE.test(p), 'must not contain control characters'),
  );

  const queryPart = z.string().check(z.maxLength(MAX_QUERY_PART_CHARS, `must be at most ${MAX_QUERY_PART_CHARS} characters`));

  const query = z
    .record(queryPart, queryPart)
    .check(z.refine((q) => Object.keys(q).length <= MAX_QUERY_PARAMS, `must have at most ${MAX_QUERY_PARAMS} parameters`));

  const headerName = z
    .string()
    .check(
      z.regex(HEADER_NAME_RE, 'a header name must be an RFC 7230 token'),
      z.refine(isCallerSettableHeader, 'the page may set only content negotiation, conditional, caching and tracing headers'),
    );

  const headers = z
    .record(
      headerName,
      z
        .string()
        .check(
          z.maxLength(MAX_HEADER_VALUE_CHARS, `a header value must be at most ${MAX_HEADER_VALUE_CHARS} characters`),
          z.regex(HEADER_VALUE_RE, 'a header value may not contain line breaks or control characters'),
        ),
    )
    .check(z.refine((h) => Object.keys(h).length <= MAX_HEADERS, `must have at most ${MAX_HEADERS} headers`));

  const body = z.string().check(z.refine((b) => b.length <= MAX_BODY_BYTES && Buffer.byteLength(b, 'utf8') <= MAX_BODY_BYTES, 'must be at most 1 MiB'));

  const requestSchema = z.strictObject({
    method: z.enum(HTTP_METHODS),
    path: apiPath,
    api: z.optional(z.union([z.number().check(z.int(), z.gte(0), z.lte(15)), apiId])),
    accountId: z.optional(accountId),
    query: z.optional(query),
    headers: z.optional(headers),
    body: z.optional(body),
  });

  return {
    getSession: noPayloadSchema,
    getAppInfo: noPayloadSchema,
    listProviders: noPayloadSchema,
    signIn: signInSchema,
    cancelSignIn: noPayloadSchema,
    signOut: z.union([noPayloadSchema, z.strictObject({ accountId: z.optional(accountId) })]),
    signOutAll: noPayloadSchema,
    listAccounts: noPayloadSchema,
    setActiveAccount: z.strictObject({ accountId }),
    addAccount: z.strictObject({ providerId }),
    requestConsent: z.strictObject({ api: apiId, accountId: z.optional(accountId) }),
    requestStepUp: z.optional(z.strictObject({ api: z.optional(apiKey), accountId: z.optional(accountId) })),
    request: requestSchema,
    // The URL itself is checked by the core (https or loopback, RFC 9728); here only its size and form.
    planApiConnection: z.strictObject({
      apiUrl: z.string().check(z.minLength(1), z.maxLength(2048), z.regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')),
    }),
    connectApi: z.strictObject({ planId: z.string().check(z.regex(/^[0-9a-f-]{36}$/, 'must be a plan id')) }),
  };
}

const schemas = atFirstUse(buildSchemas);

/** Every channel name that has a validator (and so may be registered); `satisfies` keeps it complete. */
const CHANNELS = {
  getSession: true,
  getAppInfo: true,
  listProviders: true,
  signIn: true,
  cancelSignIn: true,
  signOut: true,
  signOutAll: true,
  listAccounts: true,
  setActiveAccount: true,
  addAccount: true,
  requestConsent: true,
  requestStepUp: true,
  request: true,
  planApiConnection: true,
  connectApi: true,
} as const satisfies Record<InvokeChannel, true>;

/** Every channel name that has a validator (and so may be registered). */
export const INVOKE_CHANNELS = Object.keys(CHANNELS) as InvokeChannel[];

/**
 * Validates `payload` for `channel` and returns it typed. Throws
 * `AuthError('invalid_request')` whose message names the offending field.
 */
export function validatePayload<C extends InvokeChannel>(channel: C, payload: unknown): ChannelRequest<C> {
  const schema = (Object.hasOwn(CHANNELS, channel) ? schemas()[channel] : undefined) as z.ZodMiniType<ChannelRequest<C>> | undefined;
  if (!schema) throw new AuthError('invalid_request', 'Unknown IPC message.');
  const poisoned = findPoisonedKey(payload);
  if (poisoned) throw new AuthError('invalid_request', `The ${channel} message is not valid: ${poisoned}.`);
  const result = schema.safeParse(payload);
  if (!result.success) {
    const problems = [...new Set(result.error.issues.map(describeIssue))].slice(0, 5);
    throw new AuthError('invalid_request', `The ${channel} message is not valid: ${problems.join('; ')}.`);
  }
  return result.data;
}

/**
 * More own keys, summed over the whole payload, than the largest valid one
 * has (a request: 7 fields, 50 query parameters, 30 headers). A payload with
 * 300,000 header keys used to be walked key by key here and again by zod
 * (4–6 s of a blocked main process) before the 30-header limit refused it.
 */
export const MAX_PAYLOAD_KEYS = 128;

/**
 * Looks for `__proto__`/`constructor`/`prototype` as own keys at any depth.
 * Checked before zod runs, because a record schema copies keys into a fresh
 * object, and copying `__proto__` would set that object's prototype. Each
 * object's keys are counted against one budget before any is visited, so the
 * work is bounded by MAX_PAYLOAD_KEYS whatever the renderer sent.
 */
function findPoisonedKey(payload: unknown): string | null {
  let budget = MAX_PAYLOAD_KEYS;
  const visit = (value: unknown, where: string, depth: number): string | null => {
    if (value === null || typeof value !== 'object') return null;
    if (depth > MAX_DEPTH) return `${where} is nested too deeply`;
    const keys = Reflect.ownKeys(value);
    budget -= keys.length;
    if (budget < 0) return `${where} has too many fields`;
    for (const key of keys) {
      if (typeof key !== 'string') return `${where} has a non-string key`;
      if (POISONED_KEYS.has(key)) return `${where} has a forbidden key`;
    }
    for (const key of keys) {
      const child = visit((value as Record<string, unknown>)[key as string], `${where}.${safeKey(key)}`, depth + 1);
      if (child) return child;
    }
    return null;
  };
  return visit(payload, 'payload', 0);
}

/** A path segment fit for an error message: short field-like names as is, anything else elided. */
function safeKey(key: PropertyKey): string {
  if (typeof key === 'number') return `[${key}]`;
  return typeof key === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(key) ? key : '[key]';
}

const EXPECTED_WORDS: Record<string, string> = {
  undefined: 'absent',
  int: 'an integer',
  object: 'an object',
  array: 'an array',
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.map(safeKey).join('.') : 'payload';
  switch (issue.code) {
    // zod's own text for these quotes the keys or the received value.
    case 'unrecognized_keys':
      return `${field} has ${issue.keys.length === 1 ? 'an unknown field' : 'unknown fields'}`;
    case 'invalid_type':
      return `${field} must be ${EXPECTED_WORDS[issue.expected] ?? `a ${issue.expected}`}`;
    case 'invalid_value':
      return `${field} is not one of the allowed values`;
    case 'invalid_union':
      return `${field} has the wrong shape`;
    case 'invalid_key': {
      // A record key (header or query name) broke a rule: say which rule.
      const rules = [...new Set(issue.issues.map((inner) => inner.message))].join(', ');
      return `${field}: ${rules}`;
    }
    default:
      // Our own messages (set on every refine/regex/max above) and zod's
      // size messages state the rule only.
      return `${field} ${issue.message.replace(/^Too (big|small): /, '')}`;
  }
}

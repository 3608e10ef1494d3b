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
import { API_ID_RE, PROVIDER_ID_RE, PROVIDER_ID_RULE } from '../auth/config';
import { AuthError } from '../auth/errors';
import type { ChannelRequest, InvokeChannel } from './contract-types';
import { ACCOUNT_ID_RULES, API_ID_MUST_BE, findPoisonedKey, safeKey } from './payload-rules';
import { checkRequestPayload } from './request-payload';

/** Every channel but `request`, whose validator is written out by hand (request-payload.ts). */
type ZodChannel = Exclude<InvokeChannel, 'request'>;
type Schemas = { [C in ZodChannel]: z.ZodMiniType<ChannelRequest<C>> };

/**
 * The validators, built at the first message (`atFirstUse`): no message can
 * arrive before the window exists. Mapped over the contract: a message
 * without a validator does not compile.
 */
function buildSchemas(): Schemas {
  const providerId = z.string().check(z.regex(PROVIDER_ID_RE, PROVIDER_ID_RULE));

  const signInSchema = z.optional(z.strictObject({ providerId: z.optional(providerId), onAnotherDevice: z.optional(z.boolean()) }));

  const accountId = z.string().check(...ACCOUNT_ID_RULES.map(([test, mustBe]) => z.refine<string>(test, mustBe)));

  const apiId = z.string().check(z.regex(API_ID_RE, API_ID_MUST_BE));
  /** An API as `stepUpNeeded` names it: a declared id, or `#<index>` for an `apiBaseUrls` entry. */
  const apiKey = z.union([apiId, z.string().check(z.regex(/^#(?:[0-9]|1[0-5])$/, API_ID_MUST_BE))]);

  /** Channels without input: `invoke(channel)` sends `undefined`; `null` is tolerated. */
  const noPayloadSchema = z.pipe(
    z.unknown().check(z.refine((v) => v === undefined || v === null, 'must be empty: this message takes no input')),
    z.transform((): undefined => undefined),
  );

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
 * `AuthError('invalid_request')` whose message names the offending fields.
 */
export function validatePayload<C extends InvokeChannel>(channel: C, payload: unknown): ChannelRequest<C> {
  if (!Object.hasOwn(CHANNELS, channel)) throw new AuthError('invalid_request', 'Unknown IPC message.');
  if (channel === 'request') {
    const verdict = checkRequestPayload(payload);
    if (!verdict.ok) throw invalid(channel, verdict.problems);
    return verdict.value;
  }
  // `request` returned above: what is left is a channel with a schema.
  const schema = (schemas() as Record<InvokeChannel, z.ZodMiniType<ChannelRequest<C>>>)[channel];
  const poisoned = findPoisonedKey(payload);
  if (poisoned) throw invalid(channel, [poisoned]);
  const result = schema.safeParse(payload);
  if (!result.success) throw invalid(channel, result.error.issues.map(describeIssue));
  return result.data;
}

/** At most five distinct problems, so a message stays readable however broken the payload. */
function invalid(channel: InvokeChannel, problems: string[]): AuthError {
  return new AuthError('invalid_request', `The ${channel} message is not valid: ${[...new Set(problems)].slice(0, 5).join('; ')}.`);
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

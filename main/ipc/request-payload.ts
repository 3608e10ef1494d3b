/**
 * The `request` message's validator, written out by hand where the other
 * channels use zod (contract.ts): it is the message the window sends for
 * every API call, and there zod's generic parse plus the separate key walk
 * before it cost about 40 µs of a 0.45 ms call to a fast API (bench
 * `api_call_fast`). One pass over the payload does both: its keys are
 * counted and checked (payload-rules.ts) before anything is read, and no
 * value that must be a string is ever descended into.
 *
 * The rules are the contract's: a field by field check, every problem named
 * by field and rule, never by value (test/unit/ipc-contract.test.ts, and the
 * fuzz properties in test/unit/fuzz-trust-boundaries.test.ts).
 */
import { isCallerSettableHeader } from '../api/request-rules';
import { API_ID_RE } from '../auth/config';
import { HTTP_METHODS, type ApiRequest, type HttpMethod } from '../auth/types';
import { ACCOUNT_ID_RULES, API_ID_MUST_BE, CONTROL_CHAR_RE, ownKeysWithin, payloadKeyBudget, safeKey, type KeyBudget, type StringRule } from './payload-rules';

const MAX_PATH_CHARS = 2048;
const MAX_QUERY_PARAMS = 50;
const MAX_QUERY_PART_CHARS = 1024;
const MAX_HEADERS = 30;
const MAX_HEADER_VALUE_CHARS = 8192;
const MAX_BODY_BYTES = 1024 * 1024;
/** Declared API ids, then `apiBaseUrls` entries: at most 16 APIs per provider (config.ts). */
const MAX_API_INDEX = 15;

/** RFC 7230 §3.2.6 `token`: what a header field name may be. */
const HEADER_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII, space, tab and obs-text; no CR/LF (header injection) and no other control characters. */
const HEADER_VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

const FIELDS: ReadonlySet<string> = new Set(['method', 'path', 'api', 'accountId', 'query', 'headers', 'body']);
const METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);

const PATH_RULES: readonly StringRule[] = [
  [(p) => p.length <= MAX_PATH_CHARS, `must be at most ${MAX_PATH_CHARS} characters`],
  [(p) => p.startsWith('/'), 'must start with "/"'],
  [(p) => !p.startsWith('//'), 'must not start with "//"'],
  [(p) => !p.includes('\\'), 'must not contain a backslash'],
  [(p) => !CONTROL_CHAR_RE.test(p), 'must not contain control characters'],
];
const QUERY_PART_RULES: readonly StringRule[] = [[(v) => v.length <= MAX_QUERY_PART_CHARS, `must be at most ${MAX_QUERY_PART_CHARS} characters`]];
const HEADER_NAME_RULES: readonly StringRule[] = [
  [(n) => HEADER_NAME_RE.test(n), 'a header name must be an RFC 7230 token'],
  [isCallerSettableHeader, 'the page may set only content negotiation, conditional, caching and tracing headers'],
];
const HEADER_VALUE_RULES: readonly StringRule[] = [
  [(v) => v.length <= MAX_HEADER_VALUE_CHARS, `a header value must be at most ${MAX_HEADER_VALUE_CHARS} characters`],
  [(v) => HEADER_VALUE_RE.test(v), 'a header value may not contain line breaks or control characters'],
];
const BODY_RULES: readonly StringRule[] = [[(b) => b.length <= MAX_BODY_BYTES && Buffer.byteLength(b, 'utf8') <= MAX_BODY_BYTES, 'must be at most 1 MiB']];

export type RequestVerdict = { ok: true; value: ApiRequest } | { ok: false; problems: string[] };

/** A key problem (too many, forbidden): the whole payload is refused at once, nothing more of it read. */
class KeyProblem extends Error {
  constructor(readonly problem: string) {
    super(problem);
  }
}

/** Every problem of a `request` payload, in field order, or the request it describes. */
export function checkRequestPayload(payload: unknown): RequestVerdict {
  if (!isPlainRecord(payload)) return { ok: false, problems: ['payload must be an object'] };
  const budget = payloadKeyBudget();
  try {
    const keys = keysOf(payload, 'payload', budget);
    const problems: string[] = [];
    const own = (name: string): unknown => (Object.hasOwn(payload, name) ? payload[name] : undefined);

    const method = own('method');
    if (typeof method !== 'string' || !METHODS.has(method)) problems.push('method is not one of the allowed values');
    const path = own('path');
    checkString(path, 'path', PATH_RULES, problems);
    const api = own('api');
    if (api !== undefined) checkApi(api, problems);
    const accountId = own('accountId');
    if (accountId !== undefined) checkString(accountId, 'accountId', ACCOUNT_ID_RULES, problems);
    const query = own('query');
    const checkedQuery = query === undefined ? undefined : stringRecord(query, 'query', budget, problems, QUERY_LIMITS);
    const headers = own('headers');
    const checkedHeaders = headers === undefined ? undefined : stringRecord(headers, 'headers', budget, problems, HEADER_LIMITS);
    const body = own('body');
    if (body !== undefined) checkString(body, 'body', BODY_RULES, problems);
    const unknown = keys.filter((k) => !FIELDS.has(k)).length;
    if (unknown > 0) problems.push(`payload has ${unknown === 1 ? 'an unknown field' : 'unknown fields'}`);
    if (problems.length > 0) return { ok: false, problems };

    const value: ApiRequest = { method: method as HttpMethod, path: path as string };
    if (api !== undefined) value.api = api as number | string;
    if (accountId !== undefined) value.accountId = accountId as string;
    if (checkedQuery !== undefined) value.query = checkedQuery;
    if (checkedHeaders !== undefined) value.headers = checkedHeaders;
    if (body !== undefined) value.body = body as string;
    return { ok: true, value };
  } catch (err) {
    if (err instanceof KeyProblem) return { ok: false, problems: [err.problem] };
    throw err;
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keysOf(value: object, where: string, budget: KeyBudget): string[] {
  const keys = ownKeysWithin(value, where, budget);
  if (!Array.isArray(keys)) throw new KeyProblem(keys.problem);
  return keys;
}

function checkString(value: unknown, field: string, rules: readonly StringRule[], problems: string[]): void {
  if (typeof value !== 'string') {
    problems.push(`${field} must be a string`);
    return;
  }
  for (const [test, mustBe] of rules) if (!test(value)) problems.push(`${field} ${mustBe}`);
}

/** An index among the provider's APIs, or a declared API's id. */
function checkApi(api: unknown, problems: string[]): void {
  if (typeof api === 'number') {
    if (!Number.isInteger(api) || api < 0 || api > MAX_API_INDEX) problems.push(`api must be a whole number from 0 to ${MAX_API_INDEX}`);
  } else if (typeof api === 'string') {
    if (!API_ID_RE.test(api)) problems.push(`api ${API_ID_MUST_BE}`);
  } else problems.push('api must be a number or an API id');
}

interface RecordLimits {
  maxEntries: number;
  tooMany: string;
  nameRules: readonly StringRule[];
  valueRules: readonly StringRule[];
}

const QUERY_LIMITS: RecordLimits = {
  maxEntries: MAX_QUERY_PARAMS,
  tooMany: `must have at most ${MAX_QUERY_PARAMS} parameters`,
  nameRules: QUERY_PART_RULES,
  valueRules: QUERY_PART_RULES,
};
const HEADER_LIMITS: RecordLimits = {
  maxEntries: MAX_HEADERS,
  tooMany: `must have at most ${MAX_HEADERS} headers`,
  nameRules: HEADER_NAME_RULES,
  valueRules: HEADER_VALUE_RULES,
};

/** Query parameters or headers: names and values that are strings, each by its rules; a fresh object. */
function stringRecord(value: unknown, field: string, budget: KeyBudget, problems: string[], limits: RecordLimits): Record<string, string> | undefined {
  if (!isPlainRecord(value)) {
    problems.push(`${field} must be a record`);
    return undefined;
  }
  const keys = keysOf(value, `payload.${field}`, budget);
  const before = problems.length;
  // Not a prototype key (keysOf refused those), so assigning each name is safe.
  const out: Record<string, string> = {};
  for (const name of keys) {
    const broken = limits.nameRules.filter(([test]) => !test(name)).map(([, mustBe]) => mustBe);
    if (broken.length > 0) {
      problems.push(`${field}.${safeKey(name)}: ${broken.join(', ')}`);
      continue;
    }
    const entry = value[name];
    checkString(entry, `${field}.${safeKey(name)}`, limits.valueRules, problems);
    if (typeof entry === 'string') out[name] = entry;
  }
  if (keys.length > limits.maxEntries) problems.push(`${field} ${limits.tooMany}`);
  return problems.length === before ? out : undefined;
}

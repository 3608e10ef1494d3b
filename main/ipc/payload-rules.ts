/**
 * Rules every IPC payload validator applies, however it is written (zod for
 * most channels in contract.ts, by hand for `request` in request-payload.ts):
 * the bounded walk over own keys that refuses prototype keys, the account id,
 * and how a field is named in an error message.
 */
import { isWellFormedAccountId } from '../auth/account-id';

/**
 * More own keys, summed over the whole payload, than the largest valid one
 * has (a request: 7 fields, 50 query parameters, 30 headers). A payload with
 * 300,000 header keys used to be walked key by key and again by zod (4–6 s of
 * a blocked main process) before the 30-header limit refused it.
 */
export const MAX_PAYLOAD_KEYS = 128;
/** Deeper than any legitimate payload; stops a pathological nesting before it costs anything. */
const MAX_DEPTH = 6;

/** Keys that reach `Object.prototype` when assigned, or shadow it. */
const POISONED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

// eslint-disable-next-line no-control-regex
export const CONTROL_CHAR_RE = /[\u0000-\u001f\u007f]/;

/** The keys one payload may still have; shared by every object in it. */
export interface KeyBudget {
  left: number;
}

export function payloadKeyBudget(): KeyBudget {
  return { left: MAX_PAYLOAD_KEYS };
}

/**
 * `value`'s own keys, or why they are refused: more than the budget has left
 * (counted before any key is looked at, so the work is bounded whatever the
 * renderer sent), a symbol, or a key that reaches the prototype.
 */
export function ownKeysWithin(value: object, where: string, budget: KeyBudget): string[] | { problem: string } {
  const keys = Reflect.ownKeys(value);
  budget.left -= keys.length;
  if (budget.left < 0) return { problem: `${where} has too many fields` };
  for (const key of keys) {
    if (typeof key !== 'string') return { problem: `${where} has a non-string key` };
    if (POISONED_KEYS.has(key)) return { problem: `${where} has a forbidden key` };
  }
  return keys as string[];
}

/**
 * Looks for `__proto__`/`constructor`/`prototype` as own keys at any depth.
 * Checked before zod runs, because a record schema copies keys into a fresh
 * object, and copying `__proto__` would set that object's prototype.
 */
export function findPoisonedKey(payload: unknown): string | null {
  const budget = payloadKeyBudget();
  const visit = (value: unknown, where: string, depth: number): string | null => {
    if (value === null || typeof value !== 'object') return null;
    if (depth > MAX_DEPTH) return `${where} is nested too deeply`;
    const keys = ownKeysWithin(value, where, budget);
    if (!Array.isArray(keys)) return keys.problem;
    for (const key of keys) {
      const child = visit((value as Record<string, unknown>)[key], `${where}.${safeKey(key)}`, depth + 1);
      if (child) return child;
    }
    return null;
  };
  return visit(payload, 'payload', 0);
}

/** A path segment fit for an error message: short field-like names as is, anything else elided. */
export function safeKey(key: PropertyKey): string {
  if (typeof key === 'number') return `[${key}]`;
  return typeof key === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(key) ? key : '[key]';
}

/** A string rule: the test, and what the value must be, in words that never quote it. */
export type StringRule = readonly [test: (value: string) => boolean, mustBe: string];

/** `${providerId}:${sub}` (accounts.ts): the provider id rule, a colon, a subject without control characters. */
export const ACCOUNT_ID_RULES: readonly StringRule[] = [
  [(v) => v.length <= 1100, 'must be at most 1100 characters'],
  [isWellFormedAccountId, 'must be an account id from listAccounts'],
  [(v) => !CONTROL_CHAR_RE.test(v), 'must not contain control characters'],
];

/** What an API id (config.ts `API_ID_RE`) that is not one must be told. */
export const API_ID_MUST_BE = 'must be a configured API id';

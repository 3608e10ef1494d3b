/**
 * The account id format. An account is one person (`sub`) at one provider, so
 * its id is `${providerId}:${sub}` — a provider id never contains ':'
 * (config.ts), which keeps ids unambiguous and distinct from the vault's
 * older entries keyed by provider id alone.
 */
import { PROVIDER_ID_RE } from './config';

export function accountIdFor(providerId: string, sub: string): string {
  return `${providerId}:${sub}`;
}

/**
 * The shape of an account id from outside (IPC): a provider id by the
 * configuration's rule, a colon, and a non-empty subject.
 */
export function isWellFormedAccountId(value: string): boolean {
  const colon = value.indexOf(':');
  return colon > 0 && colon < value.length - 1 && PROVIDER_ID_RE.test(value.slice(0, colon));
}

/** True for an account id, false for a bare provider id (the vault format before accounts). */
export function isAccountId(key: string): boolean {
  return key.indexOf(':') > 0;
}

export function providerOfAccount(id: string): string {
  return id.slice(0, id.indexOf(':'));
}

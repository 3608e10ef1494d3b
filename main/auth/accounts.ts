/**
 * Account bookkeeping: which people are signed in, at which provider, and
 * which of them is active. An account is one person (`sub`) at one provider,
 * so its id is `${providerId}:${sub}` — a provider id never contains ':'
 * (config.ts), which keeps ids unambiguous and distinct from the vault's
 * older entries keyed by provider id alone.
 *
 * No protocol logic here: the tokens of an account live in its TokenSession
 * (the sign-in token) and its ApiTokens (one token per API, api-tokens.ts).
 */
import type { ApiTokens, RefreshTokenHolder } from './api-tokens';
import { PROVIDER_ID_RE } from './config';
import type { DpopKey } from './dpop';
import type { StepUpRequirement } from './step-up';
import type { TokenSession } from './token-session';
import type { AccountSummary, UserInfo } from './types';

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

export interface Account {
  readonly id: string;
  readonly providerId: string;
  user: UserInfo;
  /** The account's one refresh token, shared by its sign-in token and every API token. */
  grant: RefreshTokenHolder;
  /** The sign-in token; for an account restored at start it holds only the refresh token until first use. */
  session: TokenSession;
  apiTokens: ApiTokens;
  /** Scopes the provider is known to have granted (token responses' `scope`, or what was asked). */
  granted: Set<string>;
  /** Resource indicators added by consent (beyond the ones every sign-in asks for). */
  resources: Set<string>;
  /** The newest ID token, sent as `id_token_hint` so the provider can tell when someone else is signed in there. */
  idToken?: string;
  /** Scopes an API named in an `insufficient_scope` challenge, asked for with its consent. */
  challengedScopes: Map<string, string[]>;
  /** APIs whose call ended in `consent_required`, until consent is given. */
  consentNeeded: Set<string>;
  /** What each API's step-up challenge (RFC 9470) asked for, by API key, newest last; until a stronger sign-in meets it. */
  stepUpNeeded: Map<string, StepUpRequirement>;
  /** The DPoP key (RFC 9449) the account's tokens are bound to, when the provider issued DPoP tokens. Never leaves the main process. */
  dpopKey?: DpopKey;
}

/** The accounts of one core and which one is active. */
export class AccountBook {
  readonly #accounts = new Map<string, Account>();
  #activeId: string | null = null;

  get activeId(): string | null {
    return this.#activeId;
  }

  get size(): number {
    return this.#accounts.size;
  }

  get(id: string): Account | undefined {
    return this.#accounts.get(id);
  }

  active(): Account | undefined {
    return this.#activeId === null ? undefined : this.#accounts.get(this.#activeId);
  }

  all(): Account[] {
    return [...this.#accounts.values()];
  }

  /** Adds or replaces (the same person signing in again). */
  put(account: Account): void {
    this.#accounts.set(account.id, account);
  }

  setActive(id: string | null): void {
    this.#activeId = id !== null && this.#accounts.has(id) ? id : null;
  }

  /** Removes an account; the active one leaves no account active (the caller decides what follows). */
  remove(id: string): Account | undefined {
    const account = this.#accounts.get(id);
    this.#accounts.delete(id);
    if (this.#activeId === id) this.#activeId = null;
    return account;
  }

  summaries(providerNames: (providerId: string) => string): AccountSummary[] {
    return this.all().map((a) => ({
      id: a.id,
      providerId: a.providerId,
      providerName: providerNames(a.providerId),
      ...(a.user.name !== undefined ? { name: a.user.name } : {}),
      ...(a.user.email !== undefined ? { email: a.user.email } : {}),
      active: a.id === this.#activeId,
      // Offline is shown per account; it needs no action (the core retries by itself).
      ...(a.session.offline ? { offline: true } : {}),
      needsAttention: a.consentNeeded.size > 0 || a.stepUpNeeded.size > 0,
      ...(a.consentNeeded.size > 0 ? { consentNeeded: [...a.consentNeeded] } : {}),
      ...(a.stepUpNeeded.size > 0 ? { stepUpNeeded: [...a.stepUpNeeded.keys()] } : {}),
    }));
  }
}

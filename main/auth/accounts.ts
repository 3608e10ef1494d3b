/**
 * The accounts: who is signed in, at which provider, which of them is active,
 * and what each one's grant covers — with the rules that change them in one
 * place (MSAL's account entity and cache manager): an account is created or
 * replaced, made active, ended (and who becomes active then), persisted, and
 * chosen at restore. No protocol logic here: an account's refresh token lives
 * in its `RefreshTokenHolder`, its access tokens in the token cache.
 */
import { accountIdFor } from './account-id';
import type { AccountVault } from './core-options';
import type { DpopKey } from './dpop';
import { toErrorPayload } from './errors';
import type { RefreshTokenHolder } from './refresh-token-holder';
import type { AccountSummary, Clock, Logger, UserInfo } from './types';
import type { StoredAccount, StoredCredentials } from './vault-schemas';

/** What consent brought back for an account: its new grant and what that grant now covers. */
export interface ConsentGrant {
  api: string;
  refreshToken: string;
  idToken?: string;
  dpopKey?: DpopKey;
  /** Scopes the token response named (`scope`), if any. */
  granted?: string[];
  /** The API's resource indicator, now part of the grant. */
  resource?: string;
}

export class Account {
  readonly id: string;
  /** Scopes the provider is known to have granted (token responses' `scope`, or what was asked). */
  readonly granted: Set<string>;
  /** Resource indicators added by consent (beyond the ones every sign-in asks for). */
  readonly resources = new Set<string>();
  /** Scopes an API named in an `insufficient_scope` challenge, asked for with its consent. */
  readonly challengedScopes = new Map<string, string[]>();
  /** APIs whose call ended in `consent_required`, until consent is given. */
  readonly consentNeeded = new Set<string>();
  /** The newest ID token, sent as `id_token_hint` so the provider can tell when someone else is signed in there. */
  idToken: string | undefined;
  /** The DPoP key (RFC 9449) the account's tokens are bound to, when the provider issued DPoP tokens. Never leaves the main process. */
  dpopKey: DpopKey | undefined;
  /** No refresh token and a short-lived access token: the sign-in ends then (epoch ms; sign-in-lifetime.ts). */
  readonly signInEndsAt: number | undefined;

  constructor(
    readonly providerId: string,
    readonly user: UserInfo,
    /** The account's one refresh token, shared by its sign-in token and every API token. */
    readonly grant: RefreshTokenHolder,
    init: { granted: Iterable<string>; idToken?: string; dpopKey?: DpopKey; signInEndsAt?: number },
  ) {
    this.id = accountIdFor(providerId, user.sub);
    this.granted = new Set(init.granted);
    this.idToken = init.idToken;
    this.dpopKey = init.dpopKey;
    this.signInEndsAt = init.signInEndsAt;
  }

  /** Marks an API as waiting for consent; true when that is news. */
  needsConsent(api: string): boolean {
    if (this.consentNeeded.has(api)) return false;
    this.consentNeeded.add(api);
    return true;
  }

  /** The same person's new grant from consent replaces the account's; it now covers the API. */
  adoptConsent(c: ConsentGrant): void {
    this.grant.replace(c.refreshToken);
    if (c.idToken) this.idToken = c.idToken;
    // The consent reused the account's key; an account that had none gets the one its new grant is bound to.
    if (!this.dpopKey && c.dpopKey) this.dpopKey = c.dpopKey;
    for (const scope of c.granted ?? []) this.granted.add(scope);
    if (c.resource !== undefined) this.resources.add(c.resource);
    this.consentNeeded.delete(c.api);
    this.challengedScopes.delete(c.api);
  }

  /** The vault entry for this account with `secret` (its refresh token, or a long-lived access token). */
  stored(secret: Pick<StoredCredentials, 'refreshToken' | 'accessToken'>, savedAt: number): StoredAccount {
    return {
      id: this.id,
      providerId: this.providerId,
      ...secret,
      user: this.user,
      savedAt,
      ...(this.dpopKey ? { dpopKey: this.dpopKey.privateJwk } : {}),
    };
  }
}

/** The accounts of one core, which one is active, and their vault entries. */
export class AccountRegistry {
  readonly #accounts = new Map<string, Account>();
  #activeId: string | null = null;

  constructor(
    private readonly vault: AccountVault,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.#accounts.size;
  }

  get activeId(): string | null {
    return this.#activeId;
  }

  get(id: string): Account | undefined {
    return this.#accounts.get(id);
  }

  /** True while `account` is the one registered under its id (not ended, not replaced by a new sign-in). */
  isCurrent(account: Account): boolean {
    return this.#accounts.get(account.id) === account;
  }

  active(): Account | undefined {
    return this.#activeId === null ? undefined : this.#accounts.get(this.#activeId);
  }

  all(): Account[] {
    return [...this.#accounts.values()];
  }

  /** Adds or replaces (the same person signing in again). */
  add(account: Account): void {
    this.#accounts.set(account.id, account);
  }

  /** Makes an account (or nobody) active; with `record`, the vault remembers it for the next start. */
  activate(id: string | null, opts: { record?: boolean } = {}): void {
    this.#activeId = id !== null && this.#accounts.has(id) ? id : null;
    if (opts.record) {
      this.vaultStep('save_failed', () => {
        this.vault.setActiveAccountId(this.#activeId);
      });
    }
  }

  /**
   * Removes an account, and its vault entry unless `clearVault` is false.
   * When it was the active one, the next account becomes active only if
   * `activateNext` (the person's own sign-out); otherwise nobody is — a
   * refusal must not switch person behind their back.
   */
  remove(account: Account, opts: { clearVault?: boolean; activateNext?: boolean } = {}): void {
    if (!this.isCurrent(account)) return;
    const wasActive = this.#activeId === account.id;
    this.#accounts.delete(account.id);
    if (wasActive) this.#activeId = null;
    if (opts.clearVault === false) return;
    this.vaultStep('remove_failed', () => {
      this.vault.removeAccount(account.id);
    });
    const next = wasActive && opts.activateNext !== false ? this.all()[0] : undefined;
    if (next) this.activate(next.id, { record: true });
  }

  /** Saves an account's entry (never one that ended meanwhile); a failure leaves it working in memory. */
  persist(account: Account, secret: Pick<StoredCredentials, 'refreshToken' | 'accessToken'>, opts: { active?: boolean } = {}): void {
    // An account ended meanwhile (signed out during a refresh) must not come back on disk.
    if (!this.isCurrent(account)) return;
    try {
      this.vault.saveAccount(account.stored(secret, this.clock()), opts);
    } catch (err) {
      // The account goes on in memory; the person will sign in again next start.
      this.log('warn', 'vault.save_failed', { providerId: account.providerId, errorCode: toErrorPayload(err).code });
    }
  }

  /** A vault write that may fail without stopping anything (logged, no secret). */
  vaultStep(what: string, step: () => void): void {
    try {
      step();
    } catch (err) {
      this.log('warn', `vault.${what}`, { errorCode: toErrorPayload(err).code });
    }
  }

  summaries(providerName: (providerId: string) => string, isOffline: (accountId: string) => boolean): AccountSummary[] {
    return this.all().map((a) => ({
      id: a.id,
      providerId: a.providerId,
      providerName: providerName(a.providerId),
      ...(a.user.name !== undefined ? { name: a.user.name } : {}),
      ...(a.user.email !== undefined ? { email: a.user.email } : {}),
      active: a.id === this.#activeId,
      // Offline is shown per account; it needs no action (the core retries by itself).
      ...(isOffline(a.id) ? { offline: true } : {}),
      needsAttention: a.consentNeeded.size > 0,
      ...(a.consentNeeded.size > 0 ? { consentNeeded: [...a.consentNeeded] } : {}),
      ...(a.signInEndsAt !== undefined ? { signInEndsAt: a.signInEndsAt } : {}),
    }));
  }

  /**
   * Which restored account is active. A vault last written by an older app
   * records none (`undefined`): the most recently saved one is. One this app
   * wrote is followed exactly: when the active person's sign-in ended (or
   * their entry could not be restored), nobody else is made active behind
   * their back.
   */
  restoreChoice(stored: readonly StoredAccount[], wanted: string | null | undefined): string | null {
    if (wanted === undefined) return [...stored].sort((a, b) => b.savedAt - a.savedAt).find((a) => this.#accounts.has(a.id))?.id ?? null;
    return wanted !== null && this.#accounts.has(wanted) ? wanted : null;
  }
}

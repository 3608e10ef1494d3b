/**
 * What a host passes to `createAuthCore`, and every default the core uses,
 * in one place (openid-client keeps one `Configuration` the same way): a
 * part of the core reads its number from `CoreSettings`, never a literal.
 */
import type { DiscoveryStore } from './discovery-store';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import type { AppConfig, ProviderConfig } from './config';
import type { RevocationStore } from './revocation-retry';
import type { StoredAccount } from './vault-schemas';
import type { Clock, FetchLike, Logger, StorageStatus, UrlOpener } from './types';

/** What the core needs from the vault (`Vault` in vault.ts satisfies it): one entry per account. */
export interface AccountVault extends RevocationStore {
  status(): StorageStatus;
  loadAccounts(): StoredAccount[];
  saveAccount(account: StoredAccount, opts?: { active?: boolean }): void;
  removeAccount(id: string): void;
  /** `null`: none is active; `undefined`: never recorded (an older app's vault). */
  activeAccountId(): string | null | undefined;
  setActiveAccountId(id: string | null): void;
  /**
   * Ties each stored entry to its provider's identity, so one whose provider
   * now points elsewhere is dropped, never sent (vault-binding.ts). Optional
   * for a host's own vault; `Vault` has it.
   */
  bindToProviders?(providerOf: (providerId: string) => ProviderConfig | undefined): void;
}

export interface AuthCoreOptions {
  config: AppConfig;
  vault: AccountVault;
  /** Opens the authorization URL in the system browser. */
  openUrl: UrlOpener;
  fetch?: FetchLike;
  clock?: Clock;
  logger?: Logger;
  /** How long a sign-in waits for the browser. Default 5 minutes. */
  signInTimeoutMs?: number;
  /** Refresh this long before the access token expires. Default 60 s. */
  refreshSkewMs?: number;
  /** Upper bound for each request to the provider, in seconds. Default 15. */
  providerTimeoutSeconds?: number;
  /** Upper bound for each API request, in ms. Default 30 s. */
  apiTimeoutMs?: number;
  /**
   * Backoff for the core's own retries (refresh while the provider is
   * unreachable, failed revocations). Default 2 s doubling to 5 minutes, jittered.
   */
  backoff?: Partial<BackoffPolicy>;
  /**
   * Allowed difference between this computer's clock and the provider's when
   * checking ID token times, in seconds. Default 600 (10 minutes); beyond it
   * sign-in fails with `clock_skew`.
   */
  clockToleranceSeconds?: number;
  /** How long a failed revocation is retried. Default 7 days. */
  revocationRetryWindowMs?: number;
  /** How many times a failed revocation is retried at most. Default 50. */
  revocationMaxAttempts?: number;
  /**
   * Where client registrations and APIs connected by URL are kept (encrypted
   * with the vault's cipher, discovery-store.ts). Without it they last for this run only.
   */
  discovery?: DiscoveryStore;
  /** The app's name, sent as `client_name` when it registers itself (RFC 7591). Default "Desktop app". */
  appName?: string;
}

/**
 * Default clock tolerance: 10 minutes. Laptops drift and wake from sleep with
 * a stale clock; a provider a few minutes off must not block sign-in, and ID
 * tokens are short-lived and bound to a nonce anyway. Beyond it: `clock_skew`.
 */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 600;

/** Default upper bound for one request to the provider (discovery, grants, userinfo, revocation). */
export const DEFAULT_PROVIDER_TIMEOUT_SECONDS = 15;

/** Default upper bound for one API request. */
export const DEFAULT_API_TIMEOUT_MS = 30_000;

/** Every tunable of the core, defaults applied. */
export interface CoreSettings {
  signInTimeoutMs: number;
  refreshSkewMs: number;
  providerTimeoutSeconds: number;
  apiTimeoutMs: number;
  backoff: BackoffPolicy;
  clockToleranceSeconds: number;
  revocationRetryWindowMs: number;
  revocationMaxAttempts: number;
  /**
   * A token an API refused while still fresh (401, or a body matching
   * `expiredTokenPattern`) is refreshed at most once per this window for each
   * (account, API), unless the token changed meanwhile: 30 s.
   */
  forcedRefreshWindowMs: number;
}

export function coreSettings(opts: AuthCoreOptions): CoreSettings {
  return {
    signInTimeoutMs: opts.signInTimeoutMs ?? 5 * 60_000,
    refreshSkewMs: opts.refreshSkewMs ?? 60_000,
    providerTimeoutSeconds: opts.providerTimeoutSeconds ?? DEFAULT_PROVIDER_TIMEOUT_SECONDS,
    apiTimeoutMs: opts.apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS,
    backoff: { ...DEFAULT_BACKOFF, ...opts.backoff },
    clockToleranceSeconds: opts.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
    revocationRetryWindowMs: opts.revocationRetryWindowMs ?? 7 * 24 * 3600_000,
    revocationMaxAttempts: opts.revocationMaxAttempts ?? 50,
    forcedRefreshWindowMs: 30_000,
  };
}

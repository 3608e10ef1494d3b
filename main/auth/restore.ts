/**
 * Start-up: every stored account comes back (a provider no longer configured,
 * an expired long-lived access token or a DPoP key that does not import drops
 * its entry); which one is active is the registry's rule; only the active one
 * is refreshed now, the others on first use.
 */
import type { Account, AccountRegistry } from './accounts';
import type { AccountVault } from './core-options';
import type { ProviderConfig } from './config';
import { DpopKey } from './dpop';
import { toErrorPayload } from './errors';
import { SIGN_IN, type TokenCache } from './token-cache';
import type { TokenSet } from './token-set';
import type { Clock, Logger, UserInfo } from './types';
import type { StoredAccount, StoredCredentials } from './vault-schemas';

export interface RestoreDeps {
  vault: AccountVault;
  providers: ReadonlyMap<string, ProviderConfig>;
  registry: AccountRegistry;
  logger: Logger;
  clock: Clock;
  refreshSkewMs: number;
  open(provider: ProviderConfig, user: UserInfo, tokens: TokenSet, dpopKey: DpopKey | undefined): Account;
}

/** Opens every stored account, activates the one the registry's rule picks and refreshes it now. Never throws. */
export async function restoreAccounts(deps: RestoreDeps & { cache: TokenCache; emit(): void }): Promise<void> {
  const stored = await openStored(deps);
  const { registry, logger } = deps;
  if (!stored || registry.size === 0) return;
  registry.activate(registry.restoreChoice(stored, deps.vault.activeAccountId()));
  deps.emit();
  const active = registry.active();
  if (!active) return;
  try {
    await deps.cache.token(active.id, SIGN_IN);
    logger('info', 'restore.done', { providerId: active.providerId, accounts: registry.size });
  } catch (err) {
    // A refusal has already ended the account; anything else (offline, provider down)
    // keeps it, shown as offline, retried in the background.
    logger('warn', 'restore.refresh_failed', { providerId: active.providerId, errorCode: toErrorPayload(err).code });
  }
}

/** Opens every stored account that is still usable; returns what was stored (for the active-account choice), or null when the vault could not be read. */
async function openStored(deps: RestoreDeps): Promise<StoredAccount[] | null> {
  const { vault, registry, logger } = deps;
  let stored: StoredAccount[];
  try {
    stored = vault.loadAccounts();
  } catch (err) {
    logger('warn', 'restore.vault_failed', { errorCode: toErrorPayload(err).code });
    return null;
  }
  const drop = (entry: StoredAccount): void => {
    registry.vaultStep('remove_failed', () => {
      vault.removeAccount(entry.id);
    });
  };
  for (const entry of stored) {
    const provider = deps.providers.get(entry.providerId);
    if (!provider) {
      drop(entry);
      continue;
    }
    if (registry.get(entry.id)) continue;
    const tokens = storedTokens(entry, deps.clock(), deps.refreshSkewMs);
    if (!tokens) {
      // A long-lived access token (no refresh token) past its expiry: nothing left to use.
      drop(entry);
      logger('info', 'restore.access_token_expired', { providerId: entry.providerId });
      continue;
    }
    let dpopKey: DpopKey | undefined;
    if (entry.dpopKey) {
      try {
        dpopKey = await DpopKey.fromJwk(entry.dpopKey);
      } catch {
        // A key that does not import cannot prove anything: the bound token is useless.
        logger('warn', 'restore.dpop_key_unusable', { providerId: entry.providerId });
        drop(entry);
        continue;
      }
    }
    deps.open(provider, entry.user, tokens, dpopKey);
  }
  return stored;
}

/**
 * The tokens a stored entry starts with: its refresh token, or else its
 * long-lived access token while it is still valid (null once expired).
 */
function storedTokens(stored: StoredCredentials, now: number, refreshSkewMs: number): TokenSet | null {
  if (stored.refreshToken) return { tokenType: 'Bearer', refreshToken: stored.refreshToken };
  const at = stored.accessToken;
  if (!at || (at.expiresAt !== undefined && at.expiresAt - refreshSkewMs <= now)) return null;
  return { accessToken: at.token, tokenType: at.type, ...(at.expiresAt !== undefined ? { expiresAt: at.expiresAt } : {}) };
}

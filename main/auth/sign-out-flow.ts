/**
 * The sign-out choreography: an account is cleared locally first (memory,
 * token cache, vault) so the window shows the person signed out at once; its
 * revocation is kept before any wait (quitting must not lose it), waits only
 * for a refresh grant in flight (which may rotate the token to revoke), and
 * is retried later when it fails. Tokens the app obtained but will never use
 * are revoked the same way. What is sent to the provider is sign-out.ts's.
 */
import type * as client from 'openid-client';
import type { Account, AccountRegistry } from './accounts';
import type { ProviderConfig } from './config';
import type { EndedGrant } from './refresh-token-holder';
import type { RevocationRetry } from './revocation-retry';
import { foldRevocation, type ViewFacts } from './session-view';
import { revokeAndEndSession, revokeTokens, type RevocationOutcome, type TokensToRevoke } from './sign-out';
import type { TokenCache } from './token-cache';
import type { Logger, UrlOpener } from './types';

export interface SignOutFlowDeps {
  registry: AccountRegistry;
  cache: TokenCache;
  revocations: RevocationRetry;
  facts: ViewFacts;
  logger: Logger;
  openUrl: UrlOpener;
  /** How long sign-out waits for a grant in flight: the grant's own timeout. */
  grantTimeoutMs: number;
  config(provider: ProviderConfig): Promise<client.Configuration>;
  emit(): void;
}

/** What an account left locally: its tokens to revoke, and `settled`, the refresh token once a grant in flight has settled. */
interface Ended {
  tokens: TokensToRevoke & { idToken?: string };
  settled: Promise<EndedGrant>;
}

export class SignOutFlow {
  constructor(private readonly deps: SignOutFlowDeps) {}

  /**
   * Forgets an account locally (memory, token cache, vault) at once. When it was the active one,
   * another account (if any) becomes active unless `activateNext` is false (registry rules).
   */
  endLocally(account: Account, opts: { clearVault?: boolean; activateNext?: boolean; late?: (left: EndedGrant) => void } = {}): Ended {
    // A replaced account (the same person signed in again) leaves the new one's tokens alone.
    const cached = this.deps.registry.isCurrent(account) ? this.deps.cache.end(account.id) : { apis: [] };
    const refreshToken = account.grant.current;
    // Bounded by the grant's own timeout, so sign-out never hangs.
    const settled = account.grant.end(this.deps.grantTimeoutMs, opts.late);
    this.deps.registry.remove(account, opts);
    const tokens = {
      ...(refreshToken !== undefined ? { refreshToken } : {}),
      ...(cached.signIn !== undefined ? { accessToken: cached.signIn } : {}),
      ...(account.idToken !== undefined ? { idToken: account.idToken } : {}),
      apiAccessTokens: cached.apis,
    };
    return { tokens, settled };
  }

  /** Ends one account: local state first, then revocation at its provider (if still configured). */
  async signOut(account: Account, provider: ProviderConfig | undefined): Promise<void> {
    const { deps } = this;
    // The window shows the person signed out now; only the revocation waits for a grant in flight.
    const ended = this.endLocally(
      account,
      provider
        ? {
            late: (left) => {
              this.#revokeLate(provider, left);
            },
          }
        : {},
    );
    deps.emit();
    if (!provider) return;
    // Kept before any wait: quitting while sign-out waits must not lose the revocation.
    const held = deps.revocations.hold(provider.id, ended.tokens);
    const settled = await ended.settled;
    const tokens = {
      ...ended.tokens,
      ...(settled.refreshToken !== undefined ? { refreshToken: settled.refreshToken } : {}),
      replacedRefreshTokens: settled.replaced,
      apiAccessTokens: [...(ended.tokens.apiAccessTokens ?? []), ...settled.accessTokens],
    };
    const outcome = await revokeAndEndSession(provider, tokens, { config: () => deps.config(provider), openUrl: deps.openUrl, logger: deps.logger });
    const kept = outcome === 'failed' && deps.revocations.keep(provider.id, tokens, held);
    if (outcome !== 'failed' && held !== undefined) deps.revocations.release(held);
    // Unless an account is still (or again) active, the signed-out state says how the provider took it.
    if (!deps.registry.active() && !deps.facts.signingIn) {
      deps.facts.revocation = foldRevocation(deps.facts.revocation, outcome, kept);
      deps.emit();
    }
  }

  /** Revokes tokens the app obtained but will never use, in the background; kept for retry when that fails. */
  revokeUnused(provider: ProviderConfig, tokens: TokensToRevoke, event: string): void {
    this.deps.logger('info', event, { providerId: provider.id });
    void this.deps
      .config(provider)
      .then((config) => revokeTokens(provider, config, tokens, this.deps.logger))
      .catch((): RevocationOutcome => 'failed')
      .then((outcome) => {
        if (outcome === 'failed') this.deps.revocations.keep(provider.id, tokens);
      });
  }

  /**
   * A grant in flight at sign-out answered after sign-out stopped waiting: what it
   * brought is revoked too (kept for retry when that fails), never used.
   */
  #revokeLate(provider: ProviderConfig, left: EndedGrant): void {
    this.revokeUnused(
      provider,
      {
        ...(left.refreshToken !== undefined ? { refreshToken: left.refreshToken } : {}),
        replacedRefreshTokens: left.replaced,
        apiAccessTokens: left.accessTokens,
      },
      'sign_out.late_grant',
    );
  }
}

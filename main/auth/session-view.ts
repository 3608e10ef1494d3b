/**
 * The sign-in state the renderer sees (`SessionState`), kept apart from the
 * parts that change it (as GitHub Desktop keeps its app state apart from its
 * stores): the few facts the core records (`ViewFacts`) and pure functions
 * that turn them into a state.
 */
import type { AccountSummary, BrowserSignInPrompt, DeviceSignInPrompt, RevocationState, SessionState, StorageStatus, UserInfo } from './types';

/** What the core records for the view, beside the accounts themselves. */
export interface ViewFacts {
  /** The newest sign-in waiting for the browser (`state` is '' until its request is built). */
  signingIn: { state: string; providerId: string; browser?: BrowserSignInPrompt } | null;
  /** A sign-in on another device (RFC 8628): what the window shows, once the provider has answered. */
  device: DeviceSignInPrompt | undefined;
  /** Why the active account ended when it was not the person's own sign-out. */
  endReason: { code: string; message: string } | undefined;
  /** How the person's last sign-out went at the provider (shown while signed out). */
  revocation: RevocationState | undefined;
}

export function initialFacts(): ViewFacts {
  return { signingIn: null, device: undefined, endReason: undefined, revocation: undefined };
}

/** The state for these facts. Connectivity is per account: the state shows the active account's; `accounts` shows each one's. */
export function sessionState(
  facts: ViewFacts,
  storage: StorageStatus,
  accounts: AccountSummary[],
  active: { providerId: string; user: UserInfo; offline: boolean } | undefined,
): SessionState {
  if (facts.signingIn) {
    const device = facts.device ? { device: { ...facts.device } } : {};
    const browser = facts.signingIn.browser ? { browser: { ...facts.signingIn.browser } } : {};
    return { status: 'signing_in', storage, providerId: facts.signingIn.providerId, ...device, ...browser, accounts };
  }
  if (active) {
    return {
      status: 'signed_in',
      storage,
      providerId: active.providerId,
      user: { ...active.user },
      connectivity: active.offline ? 'offline' : 'online',
      accounts,
    };
  }
  return {
    status: 'signed_out',
    storage,
    providerId: null,
    ...(facts.endReason ? { reason: facts.endReason } : {}),
    ...(facts.revocation ? { revocation: { ...facts.revocation } } : {}),
    accounts,
  };
}

/**
 * A sign-out's revocation outcome folded into the one shown. Several
 * sign-outs at once (signOutAll): a failure is not hidden by another
 * account's success.
 */
export function foldRevocation(earlier: RevocationState | undefined, outcome: RevocationState['outcome'], kept: boolean): RevocationState {
  const failed = earlier?.outcome === 'failed' ? earlier : undefined;
  return failed && outcome !== 'failed' ? failed : { outcome, retrying: kept || (failed?.retrying ?? false) };
}

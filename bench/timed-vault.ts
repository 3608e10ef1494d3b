/**
 * The real vault behind the core's `AccountVault` interface, with the time
 * spent reading (and decrypting) and writing it added up, so a measurement
 * can say how much of it was the vault.
 */
import type { AccountVault } from '../main/auth/auth-core';
import type { Vault } from '../main/auth/vault';

export interface TimedVault {
  vault: AccountVault;
  readonly readMs: number;
  readonly writeMs: number;
  reset(): void;
}

export function timedVault(inner: Vault): TimedVault {
  let readMs = 0;
  let writeMs = 0;
  const timed = <T>(fn: () => T, add: (dt: number) => void): T => {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      add(performance.now() - t0);
    }
  };
  const read = (dt: number) => {
    readMs += dt;
  };
  const write = (dt: number) => {
    writeMs += dt;
  };
  return {
    vault: {
      status: () => inner.status(),
      loadAccounts: () => timed(() => inner.loadAccounts(), read),
      activeAccountId: () => timed(() => inner.activeAccountId(), read),
      saveAccount: (account, opts) => {
        timed(() => {
          inner.saveAccount(account, opts);
        }, write);
      },
      removeAccount: (id) => {
        timed(() => {
          inner.removeAccount(id);
        }, write);
      },
      setActiveAccountId: (id) => {
        timed(() => {
          inner.setActiveAccountId(id);
        }, write);
      },
    },
    get readMs() {
      return readMs;
    },
    get writeMs() {
      return writeMs;
    },
    reset() {
      readMs = 0;
      writeMs = 0;
    },
  };
}

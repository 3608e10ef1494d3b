/**
 * The real auth core as the integration tests (and the bench) wire it: a
 * vault in a JSON file under `dir`, encrypted by the AES-GCM test cipher, a
 * clock the test can move, and the person's session changes recorded. The
 * caller brings the configuration and the system browser (`openUrl`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SCOPES, DEMO_SCHEME } from '../../main/app-config';
import { createAuthCore, type AccountVault, type AuthCoreOptions } from '../../main/auth/auth-core';
import { parseAppConfig, type ApiEntry, type AppConfig } from '../../main/auth/config';
import { DiscoveryStore } from '../../main/auth/discovery-store';
import { JsonFileStore } from '../../main/auth/json-file-store';
import type { AuthCore, SessionState } from '../../main/auth/types';
import { createTestCipher, type TestCipher } from './aes-cipher';
import { TestVault } from './test-vault';

/** The app's default private-use scheme, also used by the example profiles. */
export const SCHEME = DEMO_SCHEME;
export const REDIRECT_URI = `${SCHEME}:/callback`;

/** What a suite changes in that one provider: its name, or explicit endpoints instead of discovery (e.g. no revocation endpoint). */
export interface DemoProviderOverrides {
  id?: string;
  displayName?: string;
  endpoints?: Record<string, string>;
  scopes?: string[];
  /** APIs with their own token (the demo provider's `apis`). */
  apis?: ApiEntry[];
}

/** One provider `demo` for a running demo provider (or its child-process twin in the bench). */
export function demoTestConfig(demo: { issuer: string; clientId: string; apiBaseUrl: string }, overrides: DemoProviderOverrides = {}): AppConfig {
  return parseAppConfig({
    scheme: SCHEME,
    providers: [
      { id: 'demo', displayName: 'Demo', issuer: demo.issuer, clientId: demo.clientId, scopes: DEFAULT_SCOPES, apiBaseUrls: [demo.apiBaseUrl], ...overrides },
    ],
  });
}

export interface CoreRigOptions extends Omit<AuthCoreOptions, 'vault' | 'clock' | 'openUrl'> {
  /** The system browser; it also gets the rig's core, to hand it the redirect a scripted login ends with. */
  openUrl: (url: string, core: AuthCore) => Promise<void>;
  /** Where the vault file goes (a fresh name per rig unless `storePath` is given). */
  dir: string;
  storePath?: string;
  /** A cipher shared with an earlier rig (a restart), or one set to fail. */
  cipher?: TestCipher;
  /** Wraps the real vault, e.g. to time it. */
  wrapVault?: (vault: TestVault) => AccountVault;
}

export interface CoreRig {
  core: AuthCore;
  vault: TestVault;
  /** Client registrations and APIs connected by URL, in the same file as the vault. */
  discovery: DiscoveryStore;
  cipher: TestCipher;
  storePath: string;
  /** Every state the core announced, in order. */
  states: SessionState[];
  /** Moves the core's clock (a negative amount moves it back: a computer whose clock is behind). */
  advance(ms: number): void;
  /** The vault file as written to disk ('' before the first write). */
  rawVault(): string;
}

export function startCoreRig(opts: CoreRigOptions): Promise<CoreRig> {
  const { dir, storePath: givenPath, cipher: givenCipher, wrapVault, openUrl, ...coreOptions } = opts;
  let offset = 0;
  const storePath = givenPath ?? path.join(dir, `vault-${Math.random().toString(36).slice(2)}.json`);
  const cipher = givenCipher ?? createTestCipher();
  const store = new JsonFileStore(storePath);
  const vault = new TestVault({ cipher, store, ...(coreOptions.logger ? { logger: coreOptions.logger } : {}) });
  // As the app wires it (main/index.ts): registrations and connected APIs beside the vault, same cipher and file.
  const discovery = new DiscoveryStore({ cipher, store, status: () => vault.status(), ...(coreOptions.logger ? { logger: coreOptions.logger } : {}) });
  const core: AuthCore = createAuthCore({
    discovery,
    ...coreOptions,
    vault: wrapVault ? wrapVault(vault) : vault,
    clock: () => Date.now() + offset,
    openUrl: (url) => openUrl(url, core),
  });
  const states: SessionState[] = [];
  core.onSessionChanged((s) => states.push(s));
  return Promise.resolve<CoreRig>({
    core,
    vault,
    discovery,
    cipher,
    storePath,
    states,
    advance: (ms) => {
      offset += ms;
    },
    rawVault: () => {
      try {
        return readFileSync(storePath, 'utf8');
      } catch {
        return '';
      }
    },
  });
}

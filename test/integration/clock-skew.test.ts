/**
 * Clock skew between this computer and the identity provider, against the
 * real oidc-provider (its ID tokens carry iat/exp from its own clock). The
 * core's clock is injected to play a computer whose time is off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../main/auth/config';
import type { AuthCore } from '../../main/auth/types';
import type { TestVault as Vault } from '../helpers/test-vault';
import { startDemoProvider, type DemoProvider } from '../../main/demo/demo-provider';
import { demoTestConfig, REDIRECT_URI, SCHEME, startCoreRig } from '../helpers/core-rig';
import { loginOverHttp } from '../helpers/http-login';

let demo: DemoProvider;
let config: AppConfig;
let dir: string;
let cores: AuthCore[] = [];
/** Closes what `beforeAll` started: nothing if it returned early or failed part-way. */
const closeAfterAll: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  demo = await startDemoProvider({ redirectUris: [REDIRECT_URI] });
  closeAfterAll.push(() => demo.close());
  config = demoTestConfig(demo);
  dir = mkdtempSync(path.join(tmpdir(), 'clock-skew-'));
});
afterAll(async () => {
  for (const close of closeAfterAll) await close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const c of cores) await c.dispose();
  cores = [];
});

async function coreWithClockOff(offsetMs: number, clockToleranceSeconds?: number): Promise<{ core: AuthCore; vault: Vault }> {
  const rig = await startCoreRig({
    dir,
    config,
    ...(clockToleranceSeconds !== undefined ? { clockToleranceSeconds } : {}),
    openUrl: async (url, core) => {
      core.handleRedirect(await loginOverHttp(url, demo.credentials, SCHEME));
    },
  });
  rig.advance(offsetMs);
  cores.push(rig.core);
  return { core: rig.core, vault: rig.vault };
}

const MIN = 60_000;

describe('clock skew', () => {
  it.each([
    ['5 minutes behind', -5 * MIN],
    ['5 minutes ahead', 5 * MIN],
    ['9 minutes behind', -9 * MIN],
  ])('this computer %s the provider: still signs in (default tolerance 10 minutes) and calls the API', async (_label, offset) => {
    const { core } = await coreWithClockOff(offset);
    await expect(core.signIn()).resolves.toMatchObject({ status: 'signed_in' });
    await expect(core.request({ method: 'GET', path: '/me' })).resolves.toMatchObject({ status: 200 });
    await core.signOut();
  });

  it.each([
    ['20 minutes behind (the ID token looks issued in the future)', -20 * MIN],
    ['2 hours ahead (the ID token looks expired)', 120 * MIN],
  ])('this computer %s: clock_skew saying to check the clock, nothing stored', async (_label, offset) => {
    const { core, vault } = await coreWithClockOff(offset);
    await expect(core.signIn()).rejects.toMatchObject({ code: 'clock_skew', message: expect.stringMatching(/check the computer's clock/i) as unknown });
    expect(core.getSession().status).toBe('signed_out');
    expect(vault.load('demo')).toBeNull();
  });

  it('the tolerance is configurable: 60 s makes a 5-minute skew an error', async () => {
    const { core } = await coreWithClockOff(-5 * MIN, 60);
    await expect(core.signIn()).rejects.toMatchObject({ code: 'clock_skew' });
  });
});

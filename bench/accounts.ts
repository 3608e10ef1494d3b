/**
 * 7. Accounts and a token per API: start-up with 100 stored accounts (only
 * the active one refreshed), switching the active account, and a refresh
 * storm per (account, API) — each against a floor measured in the same run.
 */
import path from 'node:path';
import * as client from 'openid-client';
import { createAuthCore } from '../main/auth/auth-core';
import { parseAppConfig, type AppConfig } from '../main/auth/config';
import { JsonFileStore } from '../main/auth/json-file-store';
import type { AuthCore } from '../main/auth/types';
import { Vault } from '../main/auth/vault';
import { createTestCipher } from '../test/helpers/aes-cipher';
import { loginOverHttp } from '../test/helpers/http-login';
import { providerTimer } from './provider-timer';
import type { BenchEnv } from './sections';
import { compared, interleave, single, type Metric } from './stats';
import { timedVault } from './timed-vault';

type Metrics = Record<string, Metric>;
const now = () => performance.now();

function accountsConfig(env: BenchEnv): AppConfig {
  const { demo } = env;
  const { contacts, calendar } = demo.apis;
  return parseAppConfig({
    scheme: env.scheme,
    providers: [
      {
        id: 'demo',
        displayName: 'Demo',
        issuer: demo.issuer,
        clientId: demo.clientId,
        // Both APIs granted at sign-in: the storm measures token acquisition, not consent.
        scopes: [...env.scope.split(' '), ...contacts.scopes, ...calendar.scopes],
        apiBaseUrls: [demo.apiBaseUrl],
        apis: [contacts, calendar].map(({ id, baseUrl, resource, scopes }) => ({ id, baseUrl, resource, scopes })),
      },
    ],
  });
}

export async function accountsBench(env: BenchEnv): Promise<Metrics> {
  const { demo, bare } = env;
  const config = accountsConfig(env);
  const { contacts, calendar } = demo.apis;
  const cipher = createTestCipher();
  const out: Metrics = {};

  // --- a core with two people signed in, for the storm -----------------------
  let offset = 0;
  let person = demo.credentials;
  const stormFile = path.join(env.dir, 'accounts-storm.json');
  const core: AuthCore = createAuthCore({
    config,
    vault: new Vault({ cipher, store: new JsonFileStore(stormFile) }),
    clock: () => Date.now() + offset,
    openUrl: async (url) => {
      if (!core.handleRedirect(await loginOverHttp(url, person, env.scheme))) throw new Error('the core ignored a genuine callback');
    },
  });
  await core.signIn('demo');
  person = demo.colleague;
  await core.signIn('demo', { prompt: 'login' });
  const [first, second] = ['demo:demo-user', 'demo:demo-colleague'];

  // --- refresh storm per (account, API) ---------------------------------------
  const CALLS = 200;
  const perKey: number[] = [];
  const storm = async () => {
    offset += 2 * 3600 * 1000;
    const before = (await demo.counters()).refreshByResource;
    const t0 = now();
    const answers = await Promise.all([
      ...Array.from({ length: CALLS }, () => core.request({ method: 'GET', path: '/me', api: 'contacts', accountId: first })),
      ...Array.from({ length: CALLS }, () => core.request({ method: 'GET', path: '/me', api: 'calendar', accountId: second })),
    ]);
    const dt = now() - t0;
    const after = (await demo.counters()).refreshByResource;
    perKey.push((after[contacts.resource] ?? 0) - (before[contacts.resource] ?? 0), (after[calendar.resource] ?? 0) - (before[calendar.resource] ?? 0));
    if (!answers.every((a) => a.status === 200)) throw new Error('a call failed during the per-API storm');
    return dt;
  };
  const resources = [contacts.resource, calendar.resource];
  const bareTokens = [
    (await bare.signIn(config.providers[0]!.scopes.join(' '), resources)).refresh_token,
    (await bare.signIn(config.providers[0]!.scopes.join(' '), resources)).refresh_token,
  ];
  if (bareTokens.some((t) => !t)) throw new Error('the provider issued no refresh token');
  const floorStorm = async () => {
    const t0 = now();
    const [a, b] = await Promise.all(
      [contacts, calendar].map((api, i) =>
        client.refreshTokenGrant(bare.config, bareTokens[i]!, { resource: api.resource, scope: api.scopes.join(' ') }).then((r) => {
          bareTokens[i] = r.refresh_token ?? bareTokens[i];
          return r.access_token;
        }),
      ),
    );
    const answers = await Promise.all([
      ...Array.from({ length: CALLS }, () => fetch(`${contacts.baseUrl}/me`, { headers: { authorization: `Bearer ${a}` } })),
      ...Array.from({ length: CALLS }, () => fetch(`${calendar.baseUrl}/me`, { headers: { authorization: `Bearer ${b}` } })),
    ]);
    await Promise.all(answers.map((r) => r.text()));
    const dt = now() - t0;
    if (!answers.every((r) => r.status === 200)) throw new Error('a bare call failed in the per-API storm floor');
    return dt;
  };
  await interleave(2, storm, floorStorm);
  perKey.length = 0;
  const storms = await interleave(env.n(16, 4), storm, floorStorm);
  env.progress(`accounts: ${storms.a.length} per-API storms`);
  out.api_refresh_storm_refreshes = single(Math.max(...perKey), {
    unit: `refresh requests per (account, API) key per storm of ${CALLS} calls on each of 2 keys (worst of ${perKey.length} keys × storms; fewest ${Math.min(...perKey)})`,
    target: { limit: 1, on: 'value', op: '==' },
    floor: 1,
  });
  out.api_refresh_storm_time = compared(storms.a, storms.b, {
    unit: `ms for ${2 * CALLS} calls`,
    note: `${CALLS} concurrent calls on contacts as one person and ${CALLS} on calendar as another, both API tokens expired; floor: two bare refreshTokenGrant with resource+scope in parallel + ${2 * CALLS} bare fetches`,
  });
  await core.signOutAll();
  await core.dispose();

  // --- restore with 100 stored accounts ----------------------------------------
  const realToken = (await bare.signIn(env.scope)).refresh_token;
  if (!realToken) throw new Error('the provider issued no refresh token');
  const seedVault = (file: string, count: number) => {
    const seed = new Vault({ cipher, store: new JsonFileStore(file) });
    for (let i = 0; i < count; i += 1) {
      // Only the active account's token is real: a refresh of any other one would fail the run.
      const active = i === count - 1;
      seed.saveAccount(
        {
          id: `demo:person-${i}`,
          providerId: 'demo',
          refreshToken: active ? realToken : `${realToken.slice(0, -6)}${String(i).padStart(6, '0')}`,
          user: { sub: `person-${i}`, name: `Person ${i}`, email: `person-${i}@example.test` },
          savedAt: Date.now(),
        },
        { active },
      );
    }
  };
  const hundred = path.join(env.dir, 'accounts-100.json');
  const one = path.join(env.dir, 'accounts-1.json');
  const activeIn = (file: string) => (file === hundred ? 'demo:person-99' : 'demo:person-0');
  seedVault(hundred, 100);
  const timer = providerTimer(demo);
  const reads: number[] = [];
  const restore = (file: string, count: number) => async () => {
    timer.reset();
    const before = (await demo.counters()).refreshToken;
    const t0 = now();
    const vault = timedVault(new Vault({ cipher, store: new JsonFileStore(file) }));
    const restoring = createAuthCore({ config, vault: vault.vault, fetch: timer.fetch, openUrl: async () => {} });
    const state = await restoring.restore();
    const dt = now() - t0 - timer.spentMs;
    const refreshed = (await demo.counters()).refreshToken - before;
    if (state.status !== 'signed_in' || state.accounts?.length !== count || refreshed !== 1) {
      throw new Error(`restore of ${count} accounts: ${state.status}, ${state.accounts?.length} accounts, ${refreshed} refreshes`);
    }
    if (count === 100) reads.push(vault.readMs);
    // Each restore rotates the refresh token: hand the new one to the other file, so both sides restore a live account.
    const rotated = new Vault({ cipher, store: new JsonFileStore(file) }).loadAccounts().find((a) => a.id === activeIn(file))!;
    const other = file === hundred ? one : hundred;
    new Vault({ cipher, store: new JsonFileStore(other) }).saveAccount(
      { ...rotated, id: activeIn(other), user: { sub: activeIn(other).slice('demo:'.length) } },
      { active: true },
    );
    await restoring.dispose();
    return dt;
  };
  // The floor's vault: one account, with the same live refresh token.
  new Vault({ cipher, store: new JsonFileStore(one) }).saveAccount(
    {
      ...new Vault({ cipher, store: new JsonFileStore(hundred) }).loadAccounts().find((a) => a.id === activeIn(hundred))!,
      id: activeIn(one),
      user: { sub: 'person-0' },
    },
    { active: true },
  );
  const r100 = restore(hundred, 100);
  const r1 = restore(one, 1);
  await interleave(2, r100, r1);
  reads.length = 0;
  const restores = await interleave(env.n(40, 6), r100, r1);
  env.progress(`accounts: ${restores.a.length} restores of 100 accounts`);
  out.restore_100_accounts = compared(restores.a, restores.b, {
    unit: 'ms',
    note: "start-up with 100 stored accounts: read, validate and decrypt every entry (the account list needs names), create 100 accounts, refresh only the active one (checked: exactly 1 refresh), minus the provider's time; floor: the same path with the active account alone",
    parts: { vault_read: reads },
  });

  // --- switching the active account --------------------------------------------
  const switching = createAuthCore({ config, vault: new Vault({ cipher, store: new JsonFileStore(hundred) }), openUrl: async () => {} });
  await switching.restore();
  const ids = switching.listAccounts().map((a) => a.id);
  const plainStore = new JsonFileStore(path.join(env.dir, 'accounts-switch-floor.json'));
  const content = new JsonFileStore(hundred).get('vault');
  let k = 0;
  const doSwitch = async () => {
    const id = ids[k++ % ids.length]!;
    const t0 = now();
    const state = await switching.setActiveAccount(id);
    const dt = now() - t0;
    if (state.status !== 'signed_in' || !state.accounts?.find((a) => a.id === id)?.active) throw new Error('the switch did not take');
    return dt;
  };
  const floorWrite = () => {
    const t0 = now();
    plainStore.set('vault', content);
    return Promise.resolve(now() - t0);
  };
  await interleave(3, doSwitch, floorWrite);
  const sw = await interleave(env.n(60, 10), doSwitch, floorWrite);
  env.progress(`accounts: ${sw.a.length} switches`);
  out.account_switch = compared(sw.a, sw.b, {
    unit: 'ms',
    note: 'setActiveAccount among 100 accounts: the active pointer written durably to the vault, the session state (with the account list) built and announced; no network (the new account refreshes on its first call); floor: one atomic durable JsonFileStore write of the same vault file',
  });
  await switching.dispose();
  return out;
}

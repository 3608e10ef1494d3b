/**
 * The six measurements of `npm run bench`. Each returns metrics keyed as in
 * bench/results.json; each checks the outcome it measures (a call that fails
 * is an error, not a fast sample).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as client from 'openid-client';
import { createAuthCore } from '../main/auth/auth-core';
import { parseAppConfig, type AppConfig } from '../main/auth/config';
import { JsonFileStore } from '../main/auth/json-file-store';
import { Vault } from '../main/auth/vault';
import { TestVault } from '../test/helpers/test-vault';
import { createTestCipher } from '../test/helpers/aes-cipher';
import type { BareClient } from './bare-client';
import { isApiSuccess, type CoreHarness } from './core-harness';
import { providerTimer } from './provider-timer';
import { timedVault } from './timed-vault';
import type { RemoteDemo } from './remote-demo';
import { compared, interleave, round, single, type Metric } from './stats';

export interface BenchEnv {
  demo: RemoteDemo;
  harness: CoreHarness;
  bare: BareClient;
  /** Scaled iteration count: `full` normally, `quick` with --quick. */
  n(full: number, quick: number): number;
  dir: string;
  scheme: string;
  scope: string;
  /** Prints progress to stderr (the table goes to stdout). */
  progress(message: string): void;
}

type Metrics = Record<string, Metric>;
const now = () => performance.now();

/** 3. Callback arrived → session persisted, minus the provider's time, vs a bare `authorizationCodeGrant` minus its token endpoint's time. */
export async function signInOverhead(env: BenchEnv): Promise<Metrics> {
  const { harness, bare } = env;
  const cipher = createTestCipher();
  const plainStore = new JsonFileStore(path.join(env.dir, 'bare-sign-in.json'));
  const bareGrant = async () => {
    const a = await bare.authorize(env.scope);
    bare.timer.reset();
    const t0 = now();
    const tokens = await client.authorizationCodeGrant(bare.config, a.callback, {
      pkceCodeVerifier: a.verifier,
      expectedState: a.state,
      expectedNonce: a.nonce,
      idTokenExpected: true,
    });
    const totalMs = now() - t0;
    if (!tokens.access_token || !tokens.refresh_token) throw new Error('bare grant returned no access or refresh token');
    // The least a persisting client must do: encrypt the refresh token and write it atomically and durably.
    const p0 = now();
    const ciphertext = Buffer.from(cipher.encrypt(JSON.stringify({ refreshToken: tokens.refresh_token, user: { sub: 'demo-user' } }))).toString('base64');
    plainStore.set('vault', { version: 1, entries: { demo: { ciphertext, savedAt: Date.now() } }, lastProviderId: 'demo' });
    return { totalMs, localMs: totalMs - bare.timer.tokenMs, persistMs: now() - p0 };
  };
  for (let i = 0; i < 3; i += 1) {
    await harness.signIn();
    await bareGrant();
  }
  const rounds = env.n(60, 8);
  const ours: Awaited<ReturnType<CoreHarness['signIn']>>[] = [];
  const floor: Awaited<ReturnType<typeof bareGrant>>[] = [];
  for (let i = 0; i < rounds; i += 1) {
    if (i % 2 === 0) {
      ours.push(await harness.signIn());
      floor.push(await bareGrant());
    } else {
      floor.push(await bareGrant());
      ours.push(await harness.signIn());
    }
  }
  env.progress(`sign-in: ${rounds} + ${rounds} code exchanges`);
  const localMs = ours.map((s) => s.localMs);
  const writeMs = ours.map((s) => s.vaultWriteMs);
  return {
    sign_in_overhead: compared(
      localMs,
      floor.map((s) => s.localMs),
      {
        unit: 'ms',
        target: { limit: 1.2, on: 'ratio' },
        note: "callback handed to the core → session persisted, minus the token and userinfo endpoints' time; floor: bare authorizationCodeGrant minus its token endpoint time",
        parts: { vault_write: writeMs, rest: ours.map((s) => s.localMs - s.vaultWriteMs) },
      },
    ),
    sign_in_vault_write: compared(writeMs, null, {
      unit: 'ms',
      note: 'part of sign_in_overhead: read + validate the vault, encrypt, atomic durable write (temp file, fsync, rename, fsync dir)',
    }),
    sign_in_vs_persisting_floor: compared(
      localMs,
      floor.map((s) => s.localMs + s.persistMs),
      {
        unit: 'ms',
        note: 'sign_in_overhead against a floor that also persists: bare grant + encrypt the refresh token + one atomic durable JsonFileStore write',
      },
    ),
    sign_in_total: compared(
      ours.map((s) => s.totalMs),
      floor.map((s) => s.totalMs),
      {
        unit: 'ms',
        note: 'end to end: callback → persisted incl. the token and userinfo requests; floor: bare grant incl. its token request',
      },
    ),
  };
}

/** 1. The main-process request path (IPC handler → core → fetch → V8 serialisation) vs a bare fetch with the same header. */
export async function apiCalls(env: BenchEnv): Promise<Metrics> {
  const { harness, demo } = env;
  const header = harness.timer.captureAuthorization();
  if (!isApiSuccess(await harness.callApi())) throw new Error('API call through the core failed');
  const authorization = await header;
  const url = `${demo.apiBaseUrl}/hello`;
  const bareCall = async () => {
    const res = await fetch(url, { headers: { authorization } });
    return res.text();
  };
  const timeOurs = async () => {
    const t0 = now();
    const answer = await harness.callApi();
    const dt = now() - t0;
    if (!isApiSuccess(answer)) throw new Error('API call through the core failed');
    return dt;
  };
  const timeBare = async () => {
    const t0 = now();
    const text = await bareCall();
    const dt = now() - t0;
    if (!text.includes('Hello')) throw new Error('bare API call failed');
    return dt;
  };
  await interleave(env.n(300, 50), timeOurs, timeBare);

  const seq = await interleave(env.n(2000, 200), timeOurs, timeBare);
  env.progress(`api: ${seq.a.length} + ${seq.b.length} sequential calls`);

  // Concurrency 32: blocks alternate between the two sides; each call's latency is one sample.
  const c32 = { a: [] as number[], b: [] as number[] };
  const total = env.n(2000, 200);
  const blocks = env.n(20, 4);
  const block = async (fn: () => Promise<number>, into: number[], count: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (started < count) {
          started += 1;
          into.push(await fn());
        }
      }),
    );
  };
  for (let b = 0; b < blocks; b += 1) {
    const per = total / blocks;
    if (b % 2 === 0) {
      await block(timeOurs, c32.a, per);
      await block(timeBare, c32.b, per);
    } else {
      await block(timeBare, c32.b, per);
      await block(timeOurs, c32.a, per);
    }
  }
  env.progress(`api: ${c32.a.length} + ${c32.b.length} calls at concurrency 32`);
  return {
    api_call_seq: compared(seq.a, seq.b, {
      unit: 'ms per call',
      target: { limit: 1.1, on: 'ratio' },
      note: 'api:request IPC handler (sender check, payload validation) → core (token from memory, allow-list, header) → fetch → answer serialised with V8 structured clone as Electron IPC does; floor: fetch + text() of the same URL with the same header',
    }),
    api_call_c32: compared(c32.a, c32.b, {
      unit: 'ms per call',
      target: { limit: 1.1, on: 'ratio' },
      note: `the same, 32 calls in flight; ${blocks} blocks of ${total / blocks} calls per side, alternating`,
    }),
  };
}

/** 2. 200 concurrent calls with an expired access token: one refresh, and the time vs one bare refresh + 200 bare fetches. */
export async function refreshStorm(env: BenchEnv): Promise<Metrics> {
  const { harness, bare, demo } = env;
  let refreshToken = (await bare.signIn(env.scope)).refresh_token;
  if (!refreshToken) throw new Error('the provider issued no refresh token');
  const url = `${demo.apiBaseUrl}/hello`;
  const CALLS = 200;
  const refreshCounts: number[] = [];
  const ours = async () => {
    harness.expireAccessToken();
    const before = (await demo.counters()).refreshToken;
    const t0 = now();
    const answers = await Promise.all(Array.from({ length: CALLS }, () => harness.callApi()));
    const dt = now() - t0;
    refreshCounts.push((await demo.counters()).refreshToken - before);
    if (!answers.every(isApiSuccess)) throw new Error('a call failed during the refresh storm');
    return dt;
  };
  const floor = async () => {
    const t0 = now();
    const refreshed = await client.refreshTokenGrant(bare.config, refreshToken!);
    refreshToken = refreshed.refresh_token ?? refreshToken;
    const texts = await Promise.all(
      Array.from({ length: CALLS }, () => fetch(url, { headers: { authorization: `Bearer ${refreshed.access_token}` } }).then((r) => r.text())),
    );
    const dt = now() - t0;
    if (!texts.every((t) => t.includes('Hello'))) throw new Error('a bare call failed');
    return dt;
  };
  await interleave(2, ours, floor);
  refreshCounts.length = 0;
  const storms = await interleave(env.n(20, 4), ours, floor);
  env.progress(`refresh storm: ${storms.a.length} storms of ${CALLS}`);
  const worst = Math.max(...refreshCounts);
  return {
    refresh_storm_refreshes: single(worst, {
      unit: `refresh requests seen by the provider per ${CALLS} concurrent calls (worst of ${refreshCounts.length} storms)`,
      target: { limit: 1, on: 'value', op: '==' },
      floor: 1,
    }),
    refresh_storm_time: compared(storms.a, storms.b, {
      unit: `ms for ${CALLS} calls`,
      note: `${CALLS} concurrent calls through the IPC handler with an expired access token, all answered; floor: one bare refreshTokenGrant + ${CALLS} bare fetches`,
    }),
  };
}

/**
 * 4. Start-up restore with 1, 10 and 100 stored accounts: the app's own path
 * (open the store, read and decrypt the vault, restore the last session,
 * refresh it and persist the rotated token) minus the provider's time, vs
 * `JSON.parse(readFileSync())` of the same file. `vault_load_all_N` decrypts
 * every entry, as an account list would.
 */
export async function startupRestore(env: BenchEnv): Promise<Metrics> {
  const { demo, bare } = env;
  const out: Metrics = {};
  const cipher = createTestCipher();
  for (const count of [1, 10, 100]) {
    const ids = Array.from({ length: count }, (_, i) => `account-${i}`);
    const config: AppConfig = parseAppConfig({
      scheme: env.scheme,
      providers: ids.map((id) => ({
        id,
        displayName: id,
        issuer: demo.issuer,
        clientId: demo.clientId,
        scopes: env.scope.split(' '),
        apiBaseUrls: [demo.apiBaseUrl],
      })),
    });
    const file = path.join(env.dir, `restore-${count}.json`);
    const seed = new TestVault({ cipher, store: new JsonFileStore(file) });
    const user = { sub: 'demo-user', name: 'Demo User', email: 'demo@example.test' };
    // Every account has an entry; the last one saved (a real refresh token) is the one restored.
    const realToken = (await bare.signIn(env.scope)).refresh_token;
    if (!realToken) throw new Error('the provider issued no refresh token');
    for (const [i, id] of ids.entries()) {
      const refreshToken = i === count - 1 ? realToken : `${realToken.slice(0, -6)}${String(i).padStart(6, '0')}`;
      seed.save({ providerId: id, refreshToken, user: { ...user, sub: `${user.sub}-${i}` }, savedAt: Date.now() });
    }

    const timer = providerTimer(demo);
    const reads: number[] = [];
    const writes: number[] = [];
    const restore = async () => {
      timer.reset();
      const t0 = now();
      const vault = timedVault(new Vault({ cipher, store: new JsonFileStore(file) }));
      const core = createAuthCore({ config, vault: vault.vault, fetch: timer.fetch, openUrl: async () => {} });
      const state = await core.restore();
      const dt = now() - t0 - timer.spentMs;
      if (state.status !== 'signed_in' || state.providerId !== ids[count - 1]) throw new Error(`restore of ${count} accounts ended ${state.status}`);
      reads.push(vault.readMs);
      writes.push(vault.writeMs);
      await core.dispose();
      return dt;
    };
    const plain = (): Promise<number> => {
      const t0 = now();
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { vault?: { entries?: object } };
      const dt = now() - t0;
      if (Object.keys(parsed.vault?.entries ?? {}).length !== count) return Promise.reject(new Error('the vault file lost entries'));
      return Promise.resolve(dt);
    };
    const loadAll = (): Promise<number> => {
      const t0 = now();
      const loaded = new TestVault({ cipher, store: new JsonFileStore(file) }).loadAll();
      const dt = now() - t0;
      if (loaded.length !== count) return Promise.reject(new Error(`loadAll returned ${loaded.length} of ${count}`));
      return Promise.resolve(dt);
    };
    await interleave(3, restore, plain);
    reads.length = 0;
    writes.length = 0;
    const r = await interleave(env.n(60, 10), restore, plain);
    const l = await interleave(env.n(60, 10), loadAll, plain);
    out[`restore_${count}`] = compared(r.a, r.b, {
      unit: 'ms',
      note: "the app start-up path: new file store + vault + core, restore() = read and decrypt the last session, refresh it (response handling, rotated token written durably), minus the provider's time; floor: JSON.parse(readFileSync) of the same file",
      parts: { vault_read: reads, vault_write: writes },
    });
    out[`vault_load_all_${count}`] = compared(l.a, l.b, {
      unit: 'ms',
      note: 'TestVault.loadAll() (test/helpers): read, validate and decrypt every entry (an account list; not on the start-up path)',
    });
    env.progress(`restore: ${count} accounts`);
  }
  return out;
}

/** 5. JS + CSS of the production renderer build, gzipped (level 9) file by file, as served. */
export function rendererBundle(rendererDir: string): Metrics {
  let gz = 0;
  let raw = 0;
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(?:m?js|css)$/.test(name)) {
        const bytes = readFileSync(p);
        raw += bytes.length;
        gz += gzipSync(bytes, { level: 9 }).length;
        files.push(path.relative(rendererDir, p));
      }
    }
  };
  walk(rendererDir);
  if (files.length === 0) throw new Error(`no JS or CSS under ${rendererDir}: run npm run build`);
  return {
    renderer_gzip_bytes: single(gz, {
      unit: 'bytes',
      target: { limit: 50 * 1024, on: 'value' },
      note: `${files.length} files (${files.join(', ')}), ${raw} bytes before gzip`,
    }),
  };
}

/** 6. Heap growth of the core after 10,000 API calls and 1,000 refreshes, after GC. */
export async function heapGrowth(env: BenchEnv): Promise<Metrics> {
  const { harness, demo } = env;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const settle = async () => {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    return process.memoryUsage().heapUsed;
  };
  const calls = env.n(10_000, 1_000);
  const refreshes = env.n(1_000, 100);
  const every = calls / refreshes;
  const run = async (count: number) => {
    for (let i = 0; i < count; i += 1) {
      if (i % every === 0) harness.expireAccessToken();
      if (!isApiSuccess(await harness.callApi())) throw new Error('API call failed in the memory run');
    }
  };
  // Warm up: JIT, connection pool and lazily built caches are not a leak.
  await run(500);
  const before = (await demo.counters()).refreshToken;
  const heap0 = await settle();
  const checkpoints: number[] = [];
  for (let part = 0; part < 4; part += 1) {
    await run(calls / 4);
    checkpoints.push(await settle());
  }
  const done = (await demo.counters()).refreshToken - before;
  if (done < refreshes) throw new Error(`only ${done} refreshes reached the provider`);
  const mb = (bytes: number) => round(bytes / (1024 * 1024), 3);
  const growth = mb(checkpoints[3]! - heap0);
  env.progress(`memory: ${calls} calls, ${done} refreshes`);
  return {
    heap_growth_mb: single(growth, {
      unit: 'MB',
      target: { limit: 5, on: 'value' },
      note: `heapUsed after GC, after ${calls} calls and ${done} refreshes, against a baseline taken after warm-up; growth at each quarter: ${checkpoints.map((c) => mb(c - heap0)).join(' / ')} MB`,
    }),
  };
}

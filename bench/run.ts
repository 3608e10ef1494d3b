/**
 * `npm run bench`: the cost of the auth layer against its floor, measured in
 * one run against the real oidc-provider and demo API on loopback. Prints a
 * table and writes bench/results.json. Measured and floor runs are
 * interleaved (ABAB) so machine noise hits both alike.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as client from 'openid-client';
import { createAuthCore } from '../main/auth/auth-core';
import { parseAppConfig, type AppConfig } from '../main/auth/config';
import { JsonFileStore } from '../main/auth/json-file-store';
import type { AuthCore, FetchLike } from '../main/auth/types';
import { Vault } from '../main/auth/vault';
import { fork } from 'node:child_process';
import type { DemoCounters } from '../main/demo/demo-provider';
import { registerIpcHandlers } from '../main/ipc/handlers';
import { createTestCipher } from '../test/helpers/aes-cipher';
import { InMemoryIpcMain, TRUSTED_EVENT } from '../test/helpers/ipc-harness';
import { loginOverHttp } from '../test/helpers/http-login';

const SCHEME = 'com.example.desktop';
const REDIRECT = `${SCHEME}:/callback`;
const QUICK = process.argv.includes('--quick');
const N = (full: number, quick: number) => (QUICK ? quick : full);

interface Metric {
  value: number;
  floor: number | null;
  ratio: number | null;
  target: string | null;
  unit: string;
  min?: number;
  median?: number;
  p99?: number;
  floorMin?: number;
  floorMedian?: number;
  floorP99?: number;
}

const results: Record<string, Metric> = {};
const now = () => performance.now();

function stats(samples: number[]): { min: number; median: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { min: s[0]!, median: at(0.5), p99: at(0.99) };
}

function record(key: string, measured: number[], floor: number[] | null, unit: string, target: string | null): void {
  const m = stats(measured);
  const f = floor ? stats(floor) : null;
  results[key] = {
    value: round(m.median),
    floor: f ? round(f.median) : null,
    ratio: f && f.median > 0 ? round(m.median / f.median, 3) : null,
    target,
    unit,
    min: round(m.min),
    median: round(m.median),
    p99: round(m.p99),
    ...(f ? { floorMin: round(f.min), floorMedian: round(f.median), floorP99: round(f.p99) } : {}),
  };
}

const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;

/** A fetch that reports how long the provider's endpoints took, so that network time can be subtracted. */
interface RemoteDemo {
  issuer: string;
  apiBaseUrl: string;
  clientId: string;
  credentials: { username: string; password: string };
  counters(): Promise<DemoCounters>;
  close(): Promise<void>;
}

async function startRemoteDemo(): Promise<RemoteDemo> {
  const child = fork(path.join(import.meta.dirname, 'demo-server.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo server: no ${type} in time`)), 30_000);
      const onMessage = (msg: { type: string } & T) => {
        if (msg.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(msg);
      };
      child.on('message', onMessage);
    });
  const info = await next<{ issuer: string; apiBaseUrl: string; clientId: string; credentials: { username: string; password: string } }>('ready');
  return {
    ...info,
    counters: async () => {
      const reply = next<{ counters: DemoCounters }>('counters');
      child.send({ type: 'counters' });
      return (await reply).counters;
    },
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      child.kill();
    },
  };
}

function timedFetch(provider: { issuer: string; apiBaseUrl: string }): { fetch: FetchLike; spent: { token: number; userinfo: number }; lastBearer: () => string } {
  const spent = { token: 0, userinfo: 0 };
  let bearer = '';
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(provider.apiBaseUrl)) {
      // The API path is what is measured: pass it through untouched.
      bearer = new Headers(init?.headers).get('authorization') ?? bearer;
      return fetch(input, init);
    }
    const t0 = now();
    const res = await fetch(input, init);
    const body = await res.arrayBuffer();
    const dt = now() - t0;
    if (url === `${provider.issuer}/token`) spent.token += dt;
    if (url === `${provider.issuer}/me`) spent.userinfo += dt;
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }) as FetchLike;
  return { fetch: f, spent, lastBearer: () => bearer };
}

async function main(): Promise<void> {
  const demo = await startRemoteDemo();
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-'));
  try {
    const config: AppConfig = parseAppConfig({
      scheme: SCHEME,
      providers: [{ id: 'demo', displayName: 'Demo', issuer: demo.issuer, clientId: demo.clientId, scopes: ['openid', 'profile', 'email', 'offline_access'], apiBaseUrls: [demo.apiBaseUrl] }],
    });
    const cipher = createTestCipher();
    let clockOffset = 0;
    const timed = timedFetch(demo);
    let callbackAt = 0;
    const vault = new Vault({ cipher, store: new JsonFileStore(path.join(dir, 'vault.json')) });
    // The durable write (encrypt, temp file, fsync, rename, fsync dir) is reported on its own.
    let vaultWrite = 0;
    const save = vault.save.bind(vault);
    vault.save = (session) => {
      const t0 = now();
      save(session);
      vaultWrite += now() - t0;
    };
    const core: AuthCore = await createAuthCore({
      config,
      vault,
      fetch: timed.fetch,
      clock: () => Date.now() + clockOffset,
      openUrl: async (url) => {
        const callback = await loginOverHttp(url, demo.credentials, SCHEME);
        timed.spent.token = 0;
        timed.spent.userinfo = 0;
        vaultWrite = 0;
        callbackAt = now();
        core.handleRedirect(callback);
      },
    });
    const ipc = new InMemoryIpcMain();
    registerIpcHandlers({ ipcMain: ipc, core, isTrustedSender: () => true });
    const bare = await client.discovery(new URL(demo.issuer), demo.clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
      execute: [client.allowInsecureRequests],
    });

    // --- 3. sign-in overhead -------------------------------------------------
    const signIns = N(30, 5);
    const ours: number[] = [];
    const writes: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < signIns; i += 1) {
      await core.signIn();
      ours.push(now() - callbackAt - timed.spent.token - timed.spent.userinfo);
      writes.push(vaultWrite);
      // Floor: a bare openid-client code exchange, minus its own token-endpoint wait.
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(bare, {
        redirect_uri: REDIRECT,
        scope: 'openid profile email offline_access',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const cb = await loginOverHttp(url.href, demo.credentials, SCHEME);
      const bareTimed = timedFetch(demo);
      bare[client.customFetch] = bareTimed.fetch as client.CustomFetch;
      const t0 = now();
      await client.authorizationCodeGrant(bare, new URL(cb), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
      floor.push(now() - t0 - bareTimed.spent.token);
    }
    record('sign_in_overhead', ours, floor, 'ms', '<= 1.2x');
    record('sign_in_vault_write', writes, null, 'ms (part of sign_in_overhead)', null);
    const bareRefreshToken = await (async () => {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(bare, { redirect_uri: REDIRECT, scope: 'openid offline_access', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
      const cb = await loginOverHttp(url.href, demo.credentials, SCHEME);
      return (await client.authorizationCodeGrant(bare, new URL(cb), { pkceCodeVerifier: verifier, expectedState: state })).refresh_token!;
    })();
    let bareRt = bareRefreshToken;

    // --- 1. API call path vs bare fetch --------------------------------------
    const apiUrl = `${demo.apiBaseUrl}/hello`;
    const viaIpc = async () => JSON.stringify(await ipc.invoke('api:request', { method: 'GET', path: '/hello' }, TRUSTED_EVENT));
    await viaIpc();
    const header = timed.lastBearer();
    const bareCall = async () => {
      const res = await fetch(apiUrl, { headers: { authorization: header } });
      const body = await res.text();
      return JSON.stringify({ ok: true, data: { status: res.status, headers: { 'content-type': res.headers.get('content-type') }, body } });
    };
    const timeOne = async (fn: () => Promise<string>) => {
      const t0 = now();
      const out = await fn();
      if (!out.includes('Hello')) throw new Error('unexpected API answer');
      return now() - t0;
    };
    for (let i = 0; i < 100; i += 1) await timeOne(i % 2 ? viaIpc : bareCall);
    const seq = N(2000, 200);
    const seqOurs: number[] = [];
    const seqFloor: number[] = [];
    for (let i = 0; i < seq; i += 1) {
      // ABBA so neither side always goes first.
      if (i % 2 === 0) {
        seqOurs.push(await timeOne(viaIpc));
        seqFloor.push(await timeOne(bareCall));
      } else {
        seqFloor.push(await timeOne(bareCall));
        seqOurs.push(await timeOne(viaIpc));
      }
    }
    record('api_call_seq', seqOurs, seqFloor, 'ms', '<= 1.10x');

    const concurrent = async (fn: () => Promise<string>, total: number, width: number, into: number[]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: width }, async () => {
          while (next < total) {
            next += 1;
            into.push(await timeOne(fn));
          }
        }),
      );
    };
    const c32Ours: number[] = [];
    const c32Floor: number[] = [];
    const blocks = 10;
    for (let b = 0; b < blocks; b += 1) {
      const per = N(2000, 200) / blocks;
      if (b % 2 === 0) {
        await concurrent(viaIpc, per, 32, c32Ours);
        await concurrent(bareCall, per, 32, c32Floor);
      } else {
        await concurrent(bareCall, per, 32, c32Floor);
        await concurrent(viaIpc, per, 32, c32Ours);
      }
    }
    record('api_call_c32', c32Ours, c32Floor, 'ms', '<= 1.10x');

    // --- 2. refresh storm --------------------------------------------------
    const storms = N(10, 3);
    const stormOurs: number[] = [];
    const stormFloor: number[] = [];
    const refreshCounts: number[] = [];
    for (let s = 0; s < storms; s += 1) {
      clockOffset += 2 * 3600 * 1000;
      const before = (await demo.counters()).refreshToken;
      const t0 = now();
      const answers = await Promise.all(Array.from({ length: 200 }, () => ipc.invoke('api:request', { method: 'GET', path: '/hello' }, TRUSTED_EVENT)));
      stormOurs.push(now() - t0);
      refreshCounts.push((await demo.counters()).refreshToken - before);
      if (!answers.every((a) => (a as { ok: boolean }).ok)) throw new Error('a call failed during the refresh storm');
      const f0 = now();
      const refreshed = await client.refreshTokenGrant(bare, bareRt);
      bareRt = refreshed.refresh_token ?? bareRt;
      await Promise.all(Array.from({ length: 200 }, () => fetch(apiUrl, { headers: { authorization: `Bearer ${refreshed.access_token}` } }).then((r) => r.text())));
      stormFloor.push(now() - f0);
    }
    record('refresh_storm_time', stormOurs, stormFloor, 'ms', null);
    results.refresh_storm_refreshes = {
      value: Math.max(...refreshCounts),
      floor: 1,
      ratio: Math.max(...refreshCounts),
      target: '== 1',
      unit: 'refresh requests per 200 calls',
    };

    // --- 4. start-up restore --------------------------------------------------
    for (const n of [1, 10, 100]) {
      const file = path.join(dir, `restore-${n}.json`);
      const vault = new Vault({ cipher, store: new JsonFileStore(file) });
      for (let i = 0; i < n; i += 1) vault.save({ providerId: `p${i}`, refreshToken: `rt-${i}-${'x'.repeat(40)}`, user: { sub: `u${i}`, name: 'Demo User', email: 'demo@example.test' }, savedAt: Date.now() });
      const measured: number[] = [];
      const plain: number[] = [];
      for (let r = 0; r < N(200, 30); r += 1) {
        const t0 = now();
        const loaded = new Vault({ cipher, store: new JsonFileStore(file) }).loadAll();
        measured.push(now() - t0);
        if (loaded.length !== n) throw new Error('restore lost entries');
        const p0 = now();
        JSON.parse(readFileSync(file, 'utf8'));
        plain.push(now() - p0);
      }
      record(`restore_${n}`, measured, plain, 'ms', null);
    }

    // --- 5. renderer bundle ----------------------------------------------------
    const rendererDir = path.join(import.meta.dirname, '..', 'dist', 'renderer');
    let gz = 0;
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = path.join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(js|css)$/.test(e)) gz += gzipSync(readFileSync(p), { level: 9 }).length;
      }
    };
    walk(rendererDir);
    results.renderer_gzip_bytes = { value: gz, floor: null, ratio: null, target: '<= 51200', unit: 'bytes' };

    // --- 6. memory ---------------------------------------------------------------
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with node --expose-gc');
    for (let i = 0; i < 200; i += 1) await viaIpc();
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const calls = N(10_000, 1000);
    const refreshes = N(1000, 100);
    const every = Math.floor(calls / refreshes);
    const refreshBefore = (await demo.counters()).refreshToken;
    for (let i = 0; i < calls; i += 1) {
      if (i % every === 0) clockOffset += 2 * 3600 * 1000;
      await viaIpc();
    }
    gc();
    await new Promise((r) => setTimeout(r, 50));
    gc();
    const growth = (process.memoryUsage().heapUsed - heap0) / (1024 * 1024);
    results.heap_growth_mb = { value: round(growth, 3), floor: null, ratio: null, target: '<= 5', unit: `MB after ${calls} calls and ${(await demo.counters()).refreshToken - refreshBefore} refreshes` };

    await core.signOut();
    await core.dispose();
  } finally {
    await demo.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const outFile = path.join(import.meta.dirname, 'results.json');
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  const rows = Object.entries(results).map(([k, m]) => ({
    metric: k,
    'min / median / p99': m.median !== undefined ? `${m.min} / ${m.median} / ${m.p99}` : String(m.value),
    floor: m.floorMedian !== undefined ? `${m.floorMin} / ${m.floorMedian} / ${m.floorP99}` : m.floor ?? '',
    ratio: m.ratio ?? '',
    target: m.target ?? '',
    unit: m.unit,
  }));
  console.table(rows);
  console.log(`wrote ${outFile}${QUICK ? ' (quick mode: fewer runs)' : ''}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

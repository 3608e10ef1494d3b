/**
 * `npm run bench`: the cost of the auth layer against its floor, measured in
 * one run against the real oidc-provider and demo API on loopback (in a child
 * process, as a remote provider would be). Prints a table (and the same as
 * Markdown) and writes bench/results.json: per metric `{ value, floor, ratio,
 * target, unit }` plus min / median / p99 of both sides.
 *
 *   node --expose-gc --import tsx bench/run.ts [--quick] [--only=api,dpop,refresh,sign-in,connect,restore,accounts,bundle,memory,start,package]
 *
 * `start` (main_start_ratio) and `package` (asar_bytes, asar_files, npm_pack_bytes,
 * npm_pack_files) need no provider: bench/main-start.ts, bench/package-size.ts and
 * bench/npm-pack-size.ts.
 *
 * Measured and floor runs are interleaved (ABBA) so drift hits both alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { accountsBench } from './accounts';
import { DEFAULT_SCOPES } from '../main/app-config';
import { demoTestConfig, REDIRECT_URI, SCHEME } from '../test/helpers/core-rig';
import { startBareClient } from './bare-client';
import { connectDiscovery } from './connect';
import { startCoreHarness, type CoreHarness } from './core-harness';
import { apiCallsDpop } from './dpop';
import { startRemoteDemo, type RemoteDemo } from './remote-demo';
import { mainStart } from './main-start';
import { npmPackSize } from './npm-pack-size';
import { packageSize } from './package-size';
import { markdownTable, rows } from './report';
import { apiCalls, heapGrowth, refreshStorm, rendererBundle, signInOverhead, startupRestore, type BenchEnv } from './sections';
import type { Metric } from './stats';

const SCOPE = DEFAULT_SCOPES.join(' ');
const SECTIONS = ['sign-in', 'connect', 'api', 'dpop', 'refresh', 'restore', 'accounts', 'bundle', 'memory', 'start', 'package'] as const;
type Section = (typeof SECTIONS)[number];

function parseArgs(argv: readonly string[]): { quick: boolean; only: Set<Section> } {
  const quick = argv.includes('--quick');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  if (!onlyArg) return { quick, only: new Set(SECTIONS) };
  const names = onlyArg.slice('--only='.length).split(',');
  for (const n of names) if (!(SECTIONS as readonly string[]).includes(n)) throw new Error(`unknown section ${n}; known: ${SECTIONS.join(', ')}`);
  return { quick, only: new Set(names as Section[]) };
}

/** The order of the list, so the table reads the same every run. */
const ORDER = [
  'api_call',
  'refresh_storm',
  'api_refresh_storm',
  'sign_in',
  'restore',
  'account_switch',
  'vault_load_all',
  'renderer',
  'heap',
  'main_start',
  'asar',
  'npm_pack',
];
const rank = (key: string) => {
  const i = ORDER.findIndex((prefix) => key.startsWith(prefix));
  return i === -1 ? ORDER.length : i;
};

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const progress = (message: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
  const results: Record<string, Metric> = {};
  const dir = mkdtempSync(path.join(tmpdir(), 'oidc-desktop-bench-'));
  let demo: RemoteDemo | undefined;
  let harness: CoreHarness | undefined;
  try {
    if (only.has('bundle')) Object.assign(results, rendererBundle(path.join(import.meta.dirname, '..', 'dist', 'renderer')));
    if (only.has('start')) {
      progress('main process start-up (fresh processes)');
      Object.assign(results, await mainStart(mkdtempSync(path.join(dir, 'start-')), quick ? 20 : 30));
    }
    if (only.has('package')) {
      progress('package size (electron-builder --linux dir, stub Electron)');
      Object.assign(results, await packageSize(mkdtempSync(path.join(dir, 'package-'))));
      progress('npm package size (npm pack ./dist-pkg)');
      Object.assign(results, npmPackSize());
    }
    const network = [...only].some((s) => s !== 'bundle' && s !== 'start' && s !== 'package');
    if (network) {
      demo = await startRemoteDemo(REDIRECT_URI);
      // The Bearer path (its floor re-sends the same header); DPoP has its own section with its own floor.
      const base = demoTestConfig(demo);
      // The fast API (no introspection) is the provider's second API base URL: `api: 1`.
      const fastApi = demo.fastApiBaseUrl;
      const config = { ...base, providers: base.providers.map((p) => ({ ...p, apiBaseUrls: [...p.apiBaseUrls, fastApi], dpop: 'off' as const })) };
      harness = await startCoreHarness(demo, config, dir, SCHEME);
      const bare = await startBareClient(demo, REDIRECT_URI, SCHEME);
      const env: BenchEnv = { demo, harness, bare, n: (full, q) => (quick ? q : full), dir, scheme: SCHEME, scope: SCOPE, progress };
      // Every section after sign-in needs a signed-in core.
      await harness.signIn();
      if (only.has('sign-in')) Object.assign(results, await signInOverhead(env));
      if (only.has('connect')) Object.assign(results, await connectDiscovery(env));
      if (only.has('api')) Object.assign(results, await apiCalls(env));
      if (only.has('dpop')) Object.assign(results, await apiCallsDpop(env));
      if (only.has('refresh')) Object.assign(results, await refreshStorm(env));
      if (only.has('restore')) Object.assign(results, await startupRestore(env));
      if (only.has('accounts')) Object.assign(results, await accountsBench(env));
      if (only.has('memory')) Object.assign(results, await heapGrowth(env));
    }
  } finally {
    await harness?.close().catch(() => {});
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const ordered = Object.fromEntries(
    // A stable sort: within a group, the order the section wrote them.
    Object.entries(results).sort(([a], [b]) => rank(a) - rank(b)),
  );
  const seconds = (performance.now() - started) / 1000;
  const outFile = path.join(import.meta.dirname, 'results.json');
  writeFileSync(outFile, `${JSON.stringify(ordered, null, 2)}\n`);
  console.table(rows(ordered).map((r) => Object.fromEntries(Object.entries(r).filter(([key]) => key !== 'unit'))));
  console.log(`\n${markdownTable(ordered)}\n`);
  const missed = Object.entries(ordered)
    .filter(([, m]) => m.pass === false)
    .map(([k]) => k);
  console.log(
    `${quick ? 'quick run (fewer iterations), ' : ''}${seconds.toFixed(0)} s on ${cpus().length} CPUs, Node ${process.version}; wrote ${path.relative(process.cwd(), outFile)}` +
      (missed.length ? `; targets missed: ${missed.join(', ')}` : '; all targets met'),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

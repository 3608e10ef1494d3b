#!/usr/bin/env node
// The static security gate: Electronegativity over main/, preload/ and
// renderer/ together (its global checks — navigation limits, permission
// handler, CSP — must see the whole app at once), failing on any finding of
// MEDIUM severity or above that has no written justification in
// electronegativity-allow.json. Electronegativity itself always exits 0.
//
// Five checks, each printed as ✓/✗ and counted in the last line,
// `electronegativity: N passed, N failed`, which scripts/test-all.mjs adds to
// the test summary:
//   1. every file parsed — a file the scanner cannot parse is a file nobody
//      scanned, so a parse error fails the gate instead of passing silently;
//   2. canary — the same scanner, same options, must flag a known-insecure
//      window (nodeIntegration on, contextIsolation off, webSecurity off, …):
//      proof that a clean app scan means "looked and found nothing", not
//      "looked at nothing";
//   3. no unjustified MEDIUM+ finding in the app;
//   4. every allow-list entry is well formed (check, file, reason, an existing
//      proof test file and test name) and still matches a finding — stale
//      entries are removed, not left to excuse a future regression. An entry
//      is { check, file, match?, max?, reason, proof, test }: `match` is a
//      substring of the flagged line, `max` (default 1) how many findings it
//      may excuse;
//   5. no inline `eng-disable` comment: Electronegativity would hide the
//      finding without a reason; justifications live in the allow file only.
//
// Results are also written as SARIF to test-results/electronegativity.sarif
// (for code-scanning upload). Usage: `npm run security:scan`
// (= node security/electronegativity-gate.mjs); needs `npm ci --prefix security`.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const SCANNED_DIRS = ['main', 'preload', 'renderer'];
const GATED = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);
// Asks GitHub for Electron's release list: needs the internet, which CI here
// does not have, and answers a different question (is Electron current?),
// which the lockfile and Dependabot answer better.
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];
const TIME_LIMIT_MS = 120_000;

let passed = 0;
let failed = 0;
function result(ok, title, details = []) {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`  ${ok ? '✓' : '✗'} ${title}`);
  for (const d of details) console.log(`      ${d}`);
}
function finish() {
  console.log(`electronegativity: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

const require = createRequire(path.join(here, 'package.json'));

/**
 * The scan makes no network request. Electronegativity fetches translations
 * with got at start (dist/locales/i18n.js; its catch falls back to the bundled
 * ones), and where there is no internet got 11's retry after the failure
 * throws from a timer (sindresorhus/got#1489), which on Node 24 kills the
 * scan before it starts. Its got answers every request with an error at once;
 * the only other user, AvailableSecurityFixesGlobalCheck, is excluded anyway.
 */
function keepScanOffline() {
  let gotPath;
  try {
    gotPath = require.resolve('got', { paths: [path.dirname(require.resolve('@doyensec/electronegativity/package.json'))] });
  } catch {
    return; // not installed: reported below
  }
  const offline = () => Promise.reject(new Error('the security scan makes no network requests'));
  const got = Object.assign(offline, { get: offline, head: offline, post: offline, extend: () => got });
  require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: got, children: [], paths: [] };
}
keepScanOffline();

let electronegativity;
try {
  electronegativity = require('@doyensec/electronegativity');
} catch {
  console.error('electronegativity is not installed: run `npm ci --prefix security`');
  failed += 1;
  finish();
}
const scannerVersion = require('@doyensec/electronegativity/package.json').version;

// A hung scan must not hang the test run.
setTimeout(() => {
  console.error(`electronegativity did not finish within ${TIME_LIMIT_MS / 1000} s`);
  failed += 1;
  finish();
}, TIME_LIMIT_MS);

/** The installed Electron's version (what the app really runs), else the declared range's floor. */
function electronVersion() {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')).version;
  } catch {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const range = pkg.devDependencies?.electron ?? pkg.dependencies?.electron ?? '';
    return /\d+\.\d+\.\d+/.exec(range)?.[0] ?? '45.0.0';
  }
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}

const SCANNABLE = /\.(ts|tsx|js|mjs|cjs|jsx|html|htm)$/;
const INLINE_DISABLE = /eng-disable/i;

// What a window must never look like; every check the allow file excuses in
// the app is here too, so each is shown to be alive.
const CANARY = `import { app, BrowserWindow, shell } from 'electron';
export function insecureWindow(untrusted: string): BrowserWindow {
  const win = new BrowserWindow({
    webPreferences: { nodeIntegration: true, contextIsolation: false, webSecurity: false, allowRunningInsecureContent: true },
  });
  void shell.openExternal(untrusted);
  app.setAsDefaultProtocolClient('canary');
  return win;
}
`;
const CANARY_EXPECTED = [
  'NODE_INTEGRATION_JS_CHECK',
  'CONTEXT_ISOLATION_JS_CHECK',
  'SANDBOX_JS_CHECK',
  'WEB_SECURITY_JS_CHECK',
  'INSECURE_CONTENT_JS_CHECK',
  'AUXCLICK_JS_CHECK',
  'OPEN_EXTERNAL_JS_CHECK',
  'PROTOCOL_HANDLER_JS_CHECK',
  'LIMIT_NAVIGATION_GLOBAL_CHECK',
  'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
  'CSP_GLOBAL_CHECK',
];

const work = mkdtempSync(path.join(tmpdir(), 'electronegativity-'));
try {
  const version = electronVersion();
  const appDir = path.join(work, 'app');
  const inlineDisables = [];
  let fileCount = 0;
  for (const dir of SCANNED_DIRS) {
    cpSync(path.join(root, dir), path.join(appDir, dir), { recursive: true, filter: (src) => !src.split(path.sep).includes('node_modules') });
  }
  for (const file of walk(appDir)) {
    if (!SCANNABLE.test(file)) continue;
    fileCount += 1;
    const text = readFileSync(file, 'utf8');
    if (INLINE_DISABLE.test(text)) {
      inlineDisables.push(path.relative(appDir, file));
      // Neutralised in the scanned copy so the finding it would hide shows up.
      writeFileSync(file, text.replace(/eng-disable/gi, 'eng-disable-ignored'));
    }
  }
  const canaryDir = path.join(work, 'canary');
  mkdirSync(canaryDir);
  writeFileSync(path.join(canaryDir, 'insecure-window.ts'), CANARY);

  mkdirSync(path.join(root, 'test-results'), { recursive: true });
  const sarif = path.join(root, 'test-results', 'electronegativity.sarif');
  const options = (input, output) => ({
    input,
    electronVersionOverride: version,
    excludeFromScan: [...EXCLUDED_CHECKS],
    isRelative: true,
    ...(output ? { output, isSarif: true } : {}),
  });
  const started = Date.now();
  const scan = await electronegativity(options(appDir, sarif));
  const canary = await electronegativity(options(canaryDir));
  console.log(
    `electronegativity ${scannerVersion}: ${scan.atomicChecks} atomic + ${scan.globalChecks} global checks over ${SCANNED_DIRS.map((d) => `${d}/`).join(', ')} ` +
      `(${fileCount} files, Electron ${version}) in ${((Date.now() - started) / 1000).toFixed(1)} s; SARIF: ${path.relative(root, sarif)}`,
  );

  // 1. parse errors
  const parseErrors = scan.errors.filter((e) => !e.tolerable);
  result(
    parseErrors.length === 0 && fileCount > 0,
    `every file parsed (${fileCount} files)`,
    parseErrors.map((e) => `${path.relative(appDir, e.file)}: ${e.message}`),
  );

  // 2. canary
  const canaryIds = new Set(canary.issues.map((i) => i.id));
  const missing = CANARY_EXPECTED.filter((id) => !canaryIds.has(id));
  result(missing.length === 0 && canary.errors.length === 0, `canary: a known-insecure window is flagged by ${CANARY_EXPECTED.length} checks`, [
    ...missing.map((id) => `not flagged: ${id}`),
    ...canary.errors.map((e) => `canary parse error: ${e.message}`),
  ]);

  // 3. findings against the allow list
  const allowPath = path.join(here, 'electronegativity-allow.json');
  const allow = JSON.parse(readFileSync(allowPath, 'utf8'));
  const findings = scan.issues.map((i) => ({
    check: i.id,
    severity: i.severity.name,
    confidence: i.confidence.name,
    // The scanner reports path.relative(): backslashes on Windows, while the allow file uses '/'.
    file: i.file.split(path.sep).join('/'),
    line: i.location.line,
    sample: typeof i.sample === 'string' ? i.sample.trim() : '',
  }));
  const gated = findings.filter((f) => GATED.has(f.severity));
  const matches = (entry, f) => entry.check === f.check && entry.file === f.file && (entry.match === undefined || f.sample.includes(entry.match));
  // An entry excuses at most `max` findings (default 1): a second window or
  // opener added to an already-excused file is a new finding, not covered.
  const used = new Map();
  const unjustified = [];
  const justified = [];
  for (const f of gated) {
    const entry = allow.find((a) => matches(a, f) && (used.get(a) ?? 0) < (a.max ?? 1));
    const where = `${f.severity} ${f.check} ${f.file}:${f.line}`;
    if (entry) {
      used.set(entry, (used.get(entry) ?? 0) + 1);
      justified.push(`justified: ${where} — ${entry.reason}`);
    } else unjustified.push(`UNJUSTIFIED: ${where}  ${f.sample.slice(0, 120)}`);
  }
  result(unjustified.length === 0, `no unjustified finding of MEDIUM or above (${gated.length} found, ${justified.length} justified)`, [
    ...unjustified,
    ...justified,
  ]);
  const low = findings.filter((f) => !GATED.has(f.severity));
  for (const f of low) console.log(`      not gated: ${f.severity} ${f.check} ${f.file}:${f.line}`);

  // 4. the allow list itself
  const problems = [];
  for (const a of allow) {
    const label = `${a.check} ${a.file}`;
    if (typeof a.check !== 'string' || typeof a.file !== 'string') problems.push(`entry without check/file: ${JSON.stringify(a)}`);
    if (typeof a.reason !== 'string' || a.reason.trim().length < 40) problems.push(`${label}: the reason must say why (at least 40 characters)`);
    if (typeof a.proof !== 'string' || !existsSync(path.join(root, a.proof))) problems.push(`${label}: "proof" must name an existing test file`);
    else if (typeof a.test !== 'string' || !readFileSync(path.join(root, a.proof), 'utf8').includes(a.test))
      problems.push(`${label}: "test" must name a test in ${a.proof}`);
    if (!used.has(a)) problems.push(`${label}: matches no finding any more — remove it`);
  }
  result(problems.length === 0, `every allow-list entry is justified by a test and still needed (${allow.length} entries)`, problems);

  // 5. inline suppressions
  result(
    inlineDisables.length === 0,
    'no inline eng-disable suppressions',
    inlineDisables.map((f) => `${f}: use security/electronegativity-allow.json instead`),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
finish();

#!/usr/bin/env node
// Runs every test runner (build, typecheck, lint, format, the API report, vitest, Playwright,
// the GitHub workflow validator, the security scan) and prints one summary
// line `tests: N passed, N failed` that sums them all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// npm and npx are .cmd scripts on Windows, which only a shell starts.
const shell = process.platform === 'win32';

mkdirSync('test-results', { recursive: true });
let failedSteps = 0;

function run(label, cmd, args) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env, shell });
  if (r.status !== 0) {
    console.log(`=== ${label} exited with ${r.status ?? r.signal}`);
    failedSteps += 1;
  }
  return r.status === 0;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const built = run('build', 'npm', ['run', '--silent', 'build']);
run('typecheck', 'npm', ['run', '--silent', 'typecheck']);

let passed = 0;
let failed = 0;
let skipped = 0;

// ESLint (typescript-eslint, strict and type-aware), Prettier and knip (in production mode: an
// export, file or dependency that only tests use, or nothing uses, fails) each count as one test;
// so does the package build, which fails when the public API differs from the committed
// api/*.api.md (scripts/build-package.ts, docs/semver.md).
for (const [label, script] of [
  ['eslint', 'lint'],
  ['prettier', 'format:check'],
  ['knip', 'knip'],
  ['api report', 'build:package'],
]) {
  if (run(label, 'npm', ['run', '--silent', script])) passed += 1;
  else failed += 1;
}

run('vitest', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json']);
const v = readJson('test-results/vitest.json');
if (v) {
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  // A suite that failed to load has no tests but is still a failure.
  const brokenSuites = (v.testResults ?? []).filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
  failed += brokenSuites;
} else {
  failed += 1;
}

if (built) {
  run('playwright', 'npx', ['playwright', 'test']);
  const p = readJson('test-results/playwright.json');
  if (p) {
    passed += p.stats.expected + (p.stats.flaky ?? 0);
    failed += p.stats.unexpected;
    skipped += p.stats.skipped;
    // A skipped spec must say why, here where CI output is read.
    const walk = (suite) => {
      for (const spec of suite.specs ?? []) {
        for (const t of spec.tests ?? []) {
          if (t.status !== 'skipped') continue;
          const reasons = (t.annotations ?? [])
            .filter((a) => a.type === 'skip')
            .map((a) => a.description)
            .filter(Boolean);
          console.log(`skipped: ${spec.title} — ${reasons.join('; ') || 'no reason given'}`);
        }
      }
      for (const child of suite.suites ?? []) walk(child);
    };
    for (const suite of p.suites ?? []) walk(suite);
  } else {
    failed += 1;
  }
} else {
  failed += 1;
}

// Every GitHub workflow against the workflow schema (action-validator, WASM from npm):
// a broken workflow fails here, not on the first push. One test per file.
const workflowDir = path.join('.github', 'workflows');
const workflows = existsSync(workflowDir) ? readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f)) : [];
if (workflows.length === 0) failed += 1;
for (const file of workflows) {
  if (run(`workflow ${file}`, 'npx', ['--no-install', 'action-validator', path.join(workflowDir, file)])) passed += 1;
  else failed += 1;
}

// Static security scan (Electronegativity, installed apart in security/).
if (!existsSync('security/node_modules/.bin/electronegativity')) run('security install', 'npm', ['ci', '--prefix', 'security', '--no-audit', '--no-fund']);
console.log('\n=== security scan: node security/electronegativity-gate.mjs');
const scan = spawnSync('node', ['security/electronegativity-gate.mjs'], { encoding: 'utf8' });
process.stdout.write(scan.stdout ?? '');
process.stderr.write(scan.stderr ?? '');
const scanLine = /electronegativity: (\d+) passed, (\d+) failed/.exec(scan.stdout ?? '');
if (scanLine) {
  passed += Number(scanLine[1]);
  failed += Number(scanLine[2]);
} else {
  failed += 1;
}

if (failedSteps > 0 && failed === 0) failed = failedSteps;
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || failedSteps > 0 ? 1 : 0);

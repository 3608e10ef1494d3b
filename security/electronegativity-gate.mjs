#!/usr/bin/env node
// Runs Electronegativity over main/, preload/ and renderer/ together (so its
// global checks see the whole app) and fails on any finding of MEDIUM
// severity or above that has no justification in electronegativity-allow.json.
// Electronegativity itself always exits 0; this script is the gate.
// Prints `electronegativity: N passed, N failed` for the test summary.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const bin = path.join(here, 'node_modules', '.bin', 'electronegativity');
if (!existsSync(bin)) {
  console.error('electronegativity is not installed: run `npm ci --prefix security`');
  console.log('electronegativity: 0 passed, 1 failed');
  process.exit(1);
}

const work = mkdtempSync(path.join(tmpdir(), 'electronegativity-'));
for (const dir of ['main', 'preload', 'renderer']) cpSync(path.join(root, dir), path.join(work, dir), { recursive: true });
const csv = path.join(work, 'findings.csv');
const run = spawnSync(bin, ['-i', work, '-o', csv, '-r', '-e', '45.4.1', '-v', 'false'], { encoding: 'utf8', timeout: 120_000 });
if (!existsSync(csv)) {
  console.error(run.stdout, run.stderr);
  console.log('electronegativity: 0 passed, 1 failed');
  process.exit(1);
}

/** RFC 4180-ish CSV: quoted fields may hold commas and doubled quotes. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 1);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field.trim()), (field = '');
    else if (c === '\n') row.push(field.trim()), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field || row.length) row.push(field.trim()), rows.push(row);
  return rows;
}

const [header, ...rows] = parseCsv(readFileSync(csv, 'utf8'));
const col = (name) => header.findIndex((h) => h.trim() === name);
const findings = rows
  .filter((r) => r.length >= header.length - 1)
  .map((r) => ({ check: r[col('issue')], severity: r[col('severity')], file: r[col('filename')], location: r[col('location')] }));
rmSync(work, { recursive: true, force: true });

const allow = JSON.parse(readFileSync(path.join(here, 'electronegativity-allow.json'), 'utf8'));
const gated = findings.filter((f) => ['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity));
let passed = 0;
let failed = 0;
const used = new Set();
for (const f of gated) {
  const entry = allow.find((a) => a.check === f.check && (a.file === f.file || a.file === '*'));
  if (entry) {
    used.add(entry);
    passed += 1;
    console.log(`justified  ${f.severity.padEnd(6)} ${f.check} ${f.file}:${f.location} — ${entry.reason}`);
  } else {
    failed += 1;
    console.log(`UNJUSTIFIED ${f.severity.padEnd(6)} ${f.check} ${f.file}:${f.location}`);
  }
}
for (const a of allow) if (!used.has(a)) console.log(`note: allow entry no longer needed: ${a.check} ${a.file}`);
console.log(`${findings.length - gated.length} low/informational findings not gated`);
if (gated.length === 0) passed = 1;
console.log(`electronegativity: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

/**
 * `npm start` without an Electron binary (as on any machine that cannot reach
 * GitHub): one plain message naming the ways out, no stack trace, exit 1.
 * With a binary (here a stand-in script via ELECTRON_OVERRIDE_DIST_PATH) it
 * runs it on the app, with the exit code passed through.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { ROOT } from '../helpers/ts-program';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function runStart(env: Record<string, string>): { code: number | null; out: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ELECTRON_'))) as Record<string, string>;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, encoding: 'utf8', env: { ...clean, ...env }, timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test.skipIf(process.platform === 'win32')(
  'no binary and the download fails: one plain message with ELECTRON_MIRROR, ELECTRON_OVERRIDE_DIST_PATH and npm run preview',
  () => {
    // Port 9 (discard) on loopback: refused at once, as a blocked network would refuse.
    const { code, out } = runStart({ ELECTRON_MIRROR: 'http://127.0.0.1:9/' });
    expect(code).toBe(1);
    expect(out).toContain('the Electron binary is missing (the download failed');
    for (const way of ['ELECTRON_MIRROR=', 'ELECTRON_OVERRIDE_DIST_PATH=', 'npm run preview']) expect(out).toContain(way);
    expect(out).not.toMatch(/^\s+at /m);
    expect(out).not.toContain('npx install-electron');
  },
);

test.skipIf(process.platform === 'win32')('ELECTRON_OVERRIDE_DIST_PATH to a missing binary: says so, does not download', () => {
  const { code, out } = runStart({ ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent/electron-dist' });
  expect(code).toBe(1);
  expect(out).toContain('ELECTRON_OVERRIDE_DIST_PATH is set, but /nonexistent/electron-dist/electron does not exist');
  expect(out).not.toContain('Downloading');
});

test.skipIf(process.platform !== 'linux')('a binary there: it runs on the app directory and its exit code is npm start’s', () => {
  const dist = mkdtempSync(path.join(tmpdir(), 'electron-dist-'));
  dirs.push(dist);
  const fake = path.join(dist, 'electron');
  writeFileSync(fake, '#!/bin/sh\necho "electron $*"\nexit 3\n');
  chmodSync(fake, 0o755);
  const { code, out } = runStart({ ELECTRON_OVERRIDE_DIST_PATH: dist });
  expect(out).toContain('electron .');
  expect(code).toBe(3);
});

/**
 * Checklist (SECURITY.md "Releases are signed or fail; actions are pinned"):
 * the release guard script run for real under each OS and secret set, its
 * place in release.yml, and every GitHub Action pinned by commit SHA.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const workflowsDir = path.join(root, '.github/workflows');
const release = readFileSync(path.join(workflowsDir, 'release.yml'), 'utf8');

const MAC = { CSC_LINK: 'x', CSC_KEY_PASSWORD: 'x', APPLE_ID: 'x', APPLE_APP_SPECIFIC_PASSWORD: 'x', APPLE_TEAM_ID: 'x' };
const WIN = { WIN_CSC_LINK: 'x', WIN_CSC_KEY_PASSWORD: 'x' };

function guard(env: Record<string, string>): { status: number | null; out: string } {
  // Only PATH from the outside: a developer's own CSC_LINK must not make the test pass.
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/check-signing-secrets.mjs')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('release guard: a tag without signing secrets fails loudly', () => {
  it.each([
    ['macOS', {}, /::error::Signing secrets missing on macOS: CSC_LINK, CSC_KEY_PASSWORD, APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID/],
    ['macOS', { ...MAC, APPLE_TEAM_ID: '' }, /::error::Signing secrets missing on macOS: APPLE_TEAM_ID\./],
    ['Windows', {}, /::error::Signing secrets missing on Windows: WIN_CSC_LINK, WIN_CSC_KEY_PASSWORD/],
    ['Plan9', MAC, /::error::Unknown RUNNER_OS/],
  ])('%s with %o → exit 1 naming what is missing', (os, secrets, message) => {
    const r = guard({ RUNNER_OS: os, ...secrets });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(message);
  });

  it.each([
    ['macOS', MAC],
    ['Windows', WIN],
    ['Linux', {}],
  ])('%s with every secret it needs → exit 0', (os, secrets) => {
    expect(guard({ RUNNER_OS: os, ...secrets }).status).toBe(0);
  });

  it('an explicit unsigned test build passes with a warning; anything but true does not', () => {
    const ok = guard({ RUNNER_OS: 'macOS', UNSIGNED: 'true' });
    expect(ok.status).toBe(0);
    expect(ok.out).toMatch(/::warning::UNSIGNED test build on macOS.*Do not publish/);
    // What a tag push gives the expression (no inputs): false.
    expect(guard({ RUNNER_OS: 'macOS', UNSIGNED: 'false' }).status).toBe(1);
    expect(guard({ RUNNER_OS: 'Windows', UNSIGNED: '' }).status).toBe(1);
  });

  it('release.yml runs the guard before the installers, with the secrets, and unsigned only from a manual run', () => {
    const guardAt = release.indexOf('run: node scripts/check-signing-secrets.mjs');
    const installersAt = release.indexOf('npx electron-builder --publish never');
    expect(guardAt).toBeGreaterThan(0);
    expect(guardAt).toBeLessThan(installersAt);
    const guardStep = release.slice(guardAt, release.indexOf('- name:', guardAt));
    expect(guardStep).toContain("UNSIGNED: ${{ github.event_name == 'workflow_dispatch' && inputs.unsigned }}");
    for (const name of Object.keys({ ...MAC, ...WIN })) expect(guardStep).toContain(`${name}: \${{ secrets.${name} }}`);
    expect(release).toMatch(/workflow_dispatch:\n\s+inputs:\n\s+unsigned:\n(?:\s+.*\n)*?\s+type: boolean\n\s+default: false/);
  });
});

describe('the package is published beside the installers, on a tag, with provenance', () => {
  const job = release.slice(release.indexOf('\n  package:\n'));
  it('a job after the installers, only for a pushed v* tag', () => {
    expect(job.length).toBeGreaterThan(20);
    expect(job).toContain("if: github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')");
    expect(job).toMatch(/\n\s+needs: installers\n/);
  });

  it('publishes dist-pkg/ with npm provenance (id-token), after the API report check and a tag/version check', () => {
    expect(job).toMatch(/permissions:\n\s+contents: read\n\s+id-token: write\n/);
    const check = job.indexOf('GITHUB_REF_NAME');
    const build = job.indexOf('run: npm run build:package');
    const publish = job.indexOf('run: npm publish ./dist-pkg --provenance --access public');
    expect(check).toBeGreaterThan(0);
    expect(build).toBeGreaterThan(check);
    expect(publish).toBeGreaterThan(build);
    expect(job.slice(publish)).toContain('NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}');
    // The root package.json stays private: `npm publish` there would ship the app's entry.
    expect((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { private?: boolean }).private).toBe(true);
  });
});

describe('GitHub Actions are pinned by commit SHA', () => {
  const files = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));
  it.each(files)('%s: every uses: is owner/repo@<40 hex> # tag', (file) => {
    const text = readFileSync(path.join(workflowsDir, file), 'utf8');
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)].map((m) => m[1]!.trim());
    expect(uses.length).toBeGreaterThan(0);
    for (const ref of uses) expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
  });
});

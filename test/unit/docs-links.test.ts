/**
 * The README is a newcomer's first page: at most 200 lines, no references to
 * this project's internal tooling, and every link in it — and in docs/ —
 * resolves: the file exists, and a `#fragment` names a heading there
 * (GitHub's heading anchors).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/ts-program';

const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_~]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const m of withoutCode.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchorOf(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every `[text](target)` and `![alt](target)` outside code, with its line. */
function links(markdown: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  let inFence = false;
  markdown.split('\n').forEach((text, i) => {
    if (text.startsWith('```')) inFence = !inFence;
    if (inFence) return;
    const prose = text.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) out.push({ target: m[1]!, line: i + 1 });
  });
  return out;
}

function broken(file: string): string[] {
  const problems: string[] = [];
  const dir = path.dirname(path.join(ROOT, file));
  for (const { target, line } of links(read(file))) {
    if (/^(https?:|mailto:)/.test(target)) continue;
    const [filePart, fragment] = target.split('#') as [string, string | undefined];
    const resolved = filePart === '' ? path.join(ROOT, file) : path.resolve(dir, decodeURIComponent(filePart));
    if (!resolved.startsWith(ROOT) || !existsSync(resolved)) {
      problems.push(`${file}:${line} → ${target}: no such file`);
      continue;
    }
    if (fragment !== undefined && statSync(resolved).isFile() && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(fragment)) {
      problems.push(`${file}:${line} → ${target}: no heading #${fragment}`);
    }
  }
  return problems;
}

const DOCS = readdirSync(path.join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);

describe('README', () => {
  const readme = read('README.md');

  test('at most 200 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  });

  test('every link resolves', () => {
    expect(links(readme).length).toBeGreaterThan(10);
    expect(broken('README.md')).toEqual([]);
  });

  test('no internal references', () => {
    for (const internal of ['.ci/run', 'seed', '../shared', 'this machine']) expect(readme, internal).not.toContain(internal);
  });

  test('the two set-up commands are there: start against the demo provider, and every test', () => {
    expect(readme).toContain('npm install && npm start   # installs, builds, starts the app against the embedded demo provider');
    expect(readme).toContain('npm test                   # builds, type-checks and runs every test');
    expect(readme).toContain('npm run preview');
  });
});

test.each(DOCS)('%s: every link resolves', (file) => {
  expect(broken(file)).toEqual([]);
});

test('the link checker itself: a missing file and a missing heading are found', () => {
  expect(anchorOf('Step-up and `device` sign-in (RFC 8628)')).toBe('step-up-and-device-sign-in-rfc-8628');
  expect(anchors('# A\n## A\n```\n# not a heading\n```\n')).toEqual(new Set(['a', 'a-1']));
  expect(links('see [x](docs/nope.md) and `[y](z)`\n```\n[w](v)\n```')).toEqual([{ target: 'docs/nope.md', line: 1 }]);
});

test('docs/screens.md lists every screenshot the e2e writes, and nothing else', () => {
  const listed = new Set([...read('docs/screens.md').matchAll(/\(screens\/([^)]+\.png)\)/g)].map((m) => m[1]));
  const files = new Set(readdirSync(path.join(ROOT, 'docs', 'screens')).filter((f) => f.endsWith('.png')));
  expect([...listed].sort()).toEqual([...files].sort());
});

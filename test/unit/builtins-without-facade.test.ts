/**
 * The main bundle's build step that loads built-ins with `process.getBuiltinModule`
 * instead of an `import` (scripts/bundle/builtins-without-facade.ts): what it writes,
 * what it refuses, and, in a fresh Node process, that the rewritten module runs the same
 * and does not load what the ES module facade would.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rewriteBuiltinImport, rewriteBuiltinImports } from '../../scripts/bundle/builtins-without-facade';

const dir = mkdtempSync(path.join(tmpdir(), 'builtins-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `code` as an ES module in a fresh Node and returns what it printed. */
function runModule(name: string, code: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, code);
  return execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 10_000 }).trim();
}

describe('rewriteBuiltinImport', () => {
  it('writes each form Rollup emits as a getBuiltinModule', () => {
    const load = (id: string) => `globalThis.process.getBuiltinModule("${id}")`;
    expect(rewriteBuiltinImport('fs', 'node:fs')).toBe(`const fs = ${load('node:fs')};`);
    expect(rewriteBuiltinImport('{ readFile, mkdir as mkdir$1 }', 'node:fs/promises')).toBe(
      `const { readFile, mkdir: mkdir$1 } = ${load('node:fs/promises')};`,
    );
    expect(rewriteBuiltinImport('fs__default, { readFileSync }', 'node:fs')).toBe(
      `const fs__default = ${load('node:fs')};\nconst { readFileSync } = fs__default;`,
    );
    expect(rewriteBuiltinImport(undefined, 'node:events')).toBe(`${load('node:events')};`);
  });

  it('refuses a namespace import, whose object is not the CommonJS exports', () => {
    expect(() => rewriteBuiltinImport('* as crypto', 'node:crypto')).toThrow(/cannot rewrite/);
    expect(() => rewriteBuiltinImports(`import * as crypto from 'node:crypto';\n`)).toThrow(/cannot rewrite/);
  });

  it('leaves imports of anything but a built-in alone', () => {
    const code = `import { app } from "electron";\nimport { n } from "./chunks/shared.js";\n`;
    expect(rewriteBuiltinImports(code)).toBe(code);
  });
});

describe('a rewritten module in Node', () => {
  const source = [
    `import crypto__default, { createHash } from 'node:crypto';`,
    `import process$1 from "node:process";`,
    `import { isDeepStrictEqual as same } from "node:util";`,
    `const hash = createHash('sha256').update('x').digest('hex');`,
    `console.log(JSON.stringify({ hash, random: crypto__default.randomBytes(4).length, pid: process$1.pid === process.pid, same: same({ a: 1 }, { a: 1 }),`,
    `  report: process.moduleLoadList.includes('NativeModule internal/process/report') }));`,
  ].join('\n');

  it('runs as the original does', () => {
    const before = JSON.parse(runModule('original.mjs', source)) as Record<string, unknown>;
    const after = JSON.parse(runModule('rewritten.mjs', rewriteBuiltinImports(source))) as Record<string, unknown>;
    expect(after).toEqual({ ...before, report: false });
    expect(after.hash).toBe('2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
  });

  it("does not run the facade's getters: importing node:process loads process.report, getBuiltinModule does not", () => {
    expect(JSON.parse(runModule('original-2.mjs', source))).toMatchObject({ report: true });
    expect(JSON.parse(runModule('rewritten-2.mjs', rewriteBuiltinImports(source)))).toMatchObject({ report: false });
  });
});

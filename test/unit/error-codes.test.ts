/**
 * Every stable error code is produced by some path in main/: a code nothing
 * raises is deleted, not documented (the renderer and README list them all).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { AUTH_ERROR_CODES } from '../../main/auth/errors';
import { ROOT } from '../helpers/ts-program';

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return name.endsWith('.ts') && rel !== 'main/auth/errors.ts' ? [readFileSync(path.join(ROOT, rel), 'utf8')] : [];
  });
}

const MAIN = sources('main').join('\n');

test.each(AUTH_ERROR_CODES)('%s is used outside errors.ts', (code) => {
  expect(MAIN).toContain(`'${code}'`);
});

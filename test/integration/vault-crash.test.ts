/**
 * Crash safety of the vault: a child process saves OLD and NEW alternately
 * and is killed with SIGKILL at random moments, 200 times. After every kill
 * the vault must be readable and hold exactly OLD or NEW — never a mix,
 * never garbage.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonFileStore } from '../../main/auth/json-file-store';
import { TestVault as Vault } from '../helpers/test-vault';
import { createTestCipher } from '../helpers/aes-cipher';
import { NEW, OLD } from '../helpers/vault-writer';

const KILLS = 200;
let dir: string;
let writer: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vault-crash-'));
  writer = path.join(dir, 'vault-writer.mjs');
  // Bundled once so each child starts in plain node in a few tens of milliseconds.
  await build({
    entryPoints: [path.resolve(import.meta.dirname, '../helpers/vault-writer.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: writer,
    logLevel: 'silent',
  });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runAndKill(file: string, key: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer], {
      env: { ...process.env, VAULT_WRITER_FILE: file, VAULT_WRITER_KEY: key },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('writer never started'));
    }, 10_000);
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
    child.once('exit', (_code, signal) => {
      clearTimeout(guard);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`writer exited on its own (${signal ?? _code})`));
    });
  });
}

describe('vault crash safety', () => {
  it(`after ${KILLS} SIGKILLs at random moments the vault is always exactly OLD or NEW`, async () => {
    const key = randomBytes(32);
    const file = path.join(dir, 'vault.json');
    const seen = { OLD: 0, NEW: 0 };
    for (let i = 0; i < KILLS; i += 1) {
      await runAndKill(file, key.toString('hex'), Math.floor(Math.random() * 15));
      const loaded = new Vault({ cipher: createTestCipher({ key }), store: new JsonFileStore(file) }).load('demo');
      expect(loaded, `after kill ${i + 1}`).not.toBeNull();
      const state = loaded!.refreshToken === OLD.refreshToken ? 'OLD' : 'NEW';
      expect(loaded).toEqual(state === 'OLD' ? OLD : NEW);
      seen[state] += 1;
    }
    // Both states were observed: the kills really landed at different moments.
    expect(seen.OLD).toBeGreaterThan(0);
    expect(seen.NEW).toBeGreaterThan(0);
    // Leftover temp files from killed writes are harmless, but never the vault itself.
    expect(readdirSync(dir).filter((f) => f === 'vault.json')).toHaveLength(1);
  }, 120_000);
});

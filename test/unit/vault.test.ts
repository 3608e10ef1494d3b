import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../main/auth/errors';
import { JsonFileStore } from '../../main/auth/json-file-store';
import type { LogLevel } from '../../main/auth/types';
import { VAULT_STORE_KEY } from '../../main/auth/vault';
import { TestVault as Vault, type StoredSession } from '../helpers/test-vault';
import { createTestCipher } from '../helpers/aes-cipher';

const TOKEN = 'rt_7f3a9c1e5b2d4f60a8b7c6d5e4f3a2b1_secret';
const EMAIL = 'ada.lovelace@example.org';
const NAME = 'Ada Lovelace';

function session(providerId = 'demo', refreshToken = TOKEN): StoredSession & { refreshToken: string } {
  return { providerId, refreshToken, user: { sub: 'user-1', name: NAME, email: EMAIL }, savedAt: 1_700_000_000_000 };
}

let dir: string;
let file: string;
let logs: { level: LogLevel; event: string; fields?: Record<string, unknown> }[];
const logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => {
  logs.push({ level, event, fields });
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vault-test-'));
  file = path.join(dir, 'vault.json');
  logs = [];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const raw = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** The vault's part of the file, parsed: the plaintext metadata the assertions read (entries stay opaque). */
interface VaultOnDisk {
  version: number;
  entries: Record<string, unknown>;
  lastProviderId?: string | null;
  activeAccountId?: string;
}
const onDisk = () => (JSON.parse(raw()) as { vault: VaultOnDisk }).vault;

function expectNoSecretsInLogs() {
  const text = JSON.stringify(logs);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(EMAIL);
}

describe('Vault with a real cipher and a real file', () => {
  it('round-trips a session through the file, in a fresh vault and store', () => {
    const cipher = createTestCipher();
    new Vault({ cipher, store: new JsonFileStore(file), logger }).save(session());
    const reopened = new Vault({ cipher, store: new JsonFileStore(file), logger });
    expect(reopened.load('demo')).toEqual(session());
    expect(reopened.loadAll()).toEqual([session()]);
    expect(reopened.status()).toEqual({ persistent: true });
  });

  it('keeps the token, the name and the email out of the plaintext on disk', () => {
    const vault = new Vault({ cipher: createTestCipher(), store: new JsonFileStore(file), logger });
    vault.save(session());
    vault.setLastProviderId('demo');
    const text = raw();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(NAME);
    expect(text).not.toContain('user-1');
    // The layout: only ciphertext and non-secret metadata.
    const data = JSON.parse(text) as Record<
      string,
      { version: number; entries: Record<string, { ciphertext: string; savedAt: number }>; lastProviderId: string }
    >;
    const v = data[VAULT_STORE_KEY]!;
    expect(v.version).toBe(1);
    expect(v.lastProviderId).toBe('demo');
    expect(Object.keys(v.entries)).toEqual(['demo']);
    expect(Object.keys(v.entries.demo!).sort()).toEqual(['ciphertext', 'savedAt']);
    expect(Buffer.from(v.entries.demo!.ciphertext, 'base64').toString('latin1')).not.toContain('refreshToken');
    expectNoSecretsInLogs();
  });

  it('remove() deletes the entry from disk', () => {
    const vault = new Vault({ cipher: createTestCipher(), store: new JsonFileStore(file), logger });
    vault.save(session('demo'));
    vault.save(session('other', 'rt_other_0000000000000000000000000000'));
    vault.remove('demo');
    expect(vault.load('demo')).toBeNull();
    expect(vault.load('other')?.refreshToken).toBe('rt_other_0000000000000000000000000000');
    expect(Object.keys(onDisk().entries)).toEqual(['other']);
  });

  it('lastProviderId is plaintext metadata that survives a restart and can be cleared', () => {
    const cipher = createTestCipher();
    new Vault({ cipher, store: new JsonFileStore(file) }).setLastProviderId('demo');
    const vault = new Vault({ cipher, store: new JsonFileStore(file) });
    expect(vault.lastProviderId()).toBe('demo');
    vault.setLastProviderId(null);
    expect(new Vault({ cipher, store: new JsonFileStore(file) }).lastProviderId()).toBeNull();
  });

  describe('corrupt disk content → signed out, app starts, nothing thrown', () => {
    const goodThenCorrupt: [string, (good: string) => string][] = [
      ['truncated file', (good) => good.slice(0, Math.floor(good.length / 2))],
      ['garbage bytes', () => '\u0000\u00ff{{{not json at all'],
      ['empty file', () => ''],
      ['JSON that is not an object', () => '[1,2,3]'],
      ['wrong schema: version 2', (good) => good.replace('"version": 1', '"version": 2')],
      ['wrong schema: entries is a string', () => JSON.stringify({ vault: { version: 1, entries: 'nope' } })],
      ['entry with a non-base64 ciphertext', () => JSON.stringify({ vault: { version: 1, entries: { demo: { ciphertext: '%%%', savedAt: 1 } } } })],
      ['entry with extra fields', () => JSON.stringify({ vault: { version: 1, entries: { demo: { ciphertext: 'AAAA', savedAt: 1, refreshToken: 'x' } } } })],
      [
        'entry with ciphertext of random bytes',
        () => JSON.stringify({ vault: { version: 1, entries: { demo: { ciphertext: Buffer.alloc(64, 7).toString('base64'), savedAt: 1 } } } }),
      ],
    ];

    it.each(goodThenCorrupt)('%s', (_name, corrupt) => {
      const cipher = createTestCipher();
      new Vault({ cipher, store: new JsonFileStore(file), logger }).save(session());
      writeFileSync(file, corrupt(raw()));

      const vault = new Vault({ cipher, store: new JsonFileStore(file), logger });
      expect(() => vault.load('demo')).not.toThrow();
      expect(vault.load('demo')).toBeNull();
      expect(vault.loadAll()).toEqual([]);
      expect(vault.lastProviderId()).toBeNull();
      // The app can sign in again over the corrupt file.
      vault.save(session());
      expect(new Vault({ cipher, store: new JsonFileStore(file) }).load('demo')).toEqual(session());
      expectNoSecretsInLogs();
    });
  });

  it('a long-lived access token (no refresh token) round-trips with its expiry, encrypted like a refresh token', () => {
    const cipher = createTestCipher();
    const AT = 'at_74639aa91e5726dc4d90ca82621aeebe028923bd';
    const longLived: StoredSession = {
      providerId: 'intandem',
      accessToken: { token: AT, type: 'bearer', expiresAt: 2_196_000_000_000 },
      user: { sub: 'u' },
      savedAt: 5,
    };
    new Vault({ cipher, store: new JsonFileStore(file), logger }).save(longLived);
    expect(raw()).not.toContain(AT);
    expect(new Vault({ cipher, store: new JsonFileStore(file), logger }).load('intandem')).toEqual(longLived);
  });

  it('with a refresh token only the refresh token is stored, never an access token beside it', () => {
    const cipher = createTestCipher();
    const both = { ...session(), accessToken: { token: 'at-not-stored', type: 'Bearer' } };
    new Vault({ cipher, store: new JsonFileStore(file), logger }).save(both);
    const entry = onDisk().entries.demo as { ciphertext: string };
    expect(cipher.decrypt(Buffer.from(entry.ciphertext, 'base64'))).not.toContain('at-not-stored');
    expect(new Vault({ cipher, store: new JsonFileStore(file), logger }).load('demo')).toEqual(session());
  });

  it('an entry written before access tokens were kept ({ refreshToken, user } only) still loads', () => {
    const cipher = createTestCipher();
    const ciphertext = Buffer.from(cipher.encrypt(JSON.stringify({ refreshToken: TOKEN, user: { sub: 'user-1', name: NAME, email: EMAIL } }))).toString(
      'base64',
    );
    writeFileSync(file, JSON.stringify({ vault: { version: 1, entries: { demo: { ciphertext, savedAt: 1_700_000_000_000 } }, lastProviderId: 'demo' } }));
    expect(new Vault({ cipher, store: new JsonFileStore(file), logger }).load('demo')).toEqual(session());
  });

  it.each([
    ['neither a refresh nor an access token', { user: { sub: 'x' } }],
    ['an access token without its type', { accessToken: { token: 't' }, user: { sub: 'x' } }],
    ['a negative expiry', { accessToken: { token: 't', type: 'Bearer', expiresAt: -1 }, user: { sub: 'x' } }],
  ])('a ciphertext with %s is dropped', (_label, secret) => {
    const cipher = createTestCipher();
    const ciphertext = Buffer.from(cipher.encrypt(JSON.stringify(secret))).toString('base64');
    writeFileSync(file, JSON.stringify({ vault: { version: 1, entries: { demo: { ciphertext, savedAt: 5 } } } }));
    expect(new Vault({ cipher, store: new JsonFileStore(file), logger }).load('demo')).toBeNull();
  });

  it('a ciphertext whose plaintext is the wrong shape is dropped', () => {
    const cipher = createTestCipher();
    const ciphertext = Buffer.from(cipher.encrypt(JSON.stringify({ refreshToken: '', user: { sub: 'x' } }))).toString('base64');
    writeFileSync(file, JSON.stringify({ vault: { version: 1, entries: { demo: { ciphertext, savedAt: 5 } } } }));
    const vault = new Vault({ cipher, store: new JsonFileStore(file), logger });
    expect(vault.load('demo')).toBeNull();
    expect(logs).toContainEqual({ level: 'warn', event: 'vault.entry_dropped', fields: { providerId: 'demo', reason: 'invalid_secret' } });
    expect(onDisk().entries).toEqual({});
  });

  describe('decrypt throws (keychain reset)', () => {
    it.each([
      ['decrypt raises', () => Object.assign(createTestCipher(), { failDecrypt: true })],
      ['a new keychain key (GCM authentication fails)', () => createTestCipher()],
    ])('%s → entry dropped, signed out, the next load does not throw', (_name, makeResetCipher) => {
      new Vault({ cipher: createTestCipher(), store: new JsonFileStore(file), logger }).save(session());
      const vault = new Vault({ cipher: makeResetCipher(), store: new JsonFileStore(file), logger });

      expect(vault.load('demo')).toBeNull();
      expect(logs).toContainEqual({ level: 'warn', event: 'vault.entry_dropped', fields: { providerId: 'demo', reason: 'decrypt_failed' } });
      // Dropped from disk: no crash loop on the next start.
      expect(onDisk().entries).toEqual({});
      expect(() => vault.load('demo')).not.toThrow();
      expect(vault.load('demo')).toBeNull();
      expect(logs.filter((l) => l.event === 'vault.entry_dropped')).toHaveLength(1);
      expectNoSecretsInLogs();
    });
  });

  describe('storage without real encryption', () => {
    it.each([
      ['encryption unavailable', { available: false }, 'no secure storage'],
      ['Linux basic_text backend', { backend: 'basic_text' }, 'No system keyring'],
    ])('%s → memory-only, nothing secret on disk, a plain-words notice', (_name, cipherOpts, noticeWords) => {
      const vault = new Vault({ cipher: createTestCipher(cipherOpts), store: new JsonFileStore(file), logger });
      const status = vault.status();
      expect(status.persistent).toBe(false);
      expect(status.notice).toContain(noticeWords);
      expect(status.notice).toContain('memory only');

      expect(() => {
        vault.save(session());
      }).not.toThrow();
      vault.setLastProviderId('demo');
      const text = raw();
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(NAME);
      expect(text).not.toContain('ciphertext');
      // This process still has the session; a restart does not.
      expect(vault.load('demo')).toEqual(session());
      expect(new Vault({ cipher: createTestCipher(cipherOpts), store: new JsonFileStore(file) }).load('demo')).toBeNull();
    });

    it('basic_text with allowWeakStorage opt-in → stored encrypted, persistent, with a weak-storage notice', () => {
      const cipher = createTestCipher({ backend: 'basic_text' });
      const vault = new Vault({ cipher, store: new JsonFileStore(file), allowWeakStorage: true, logger });
      expect(vault.status()).toEqual({ persistent: true, notice: expect.stringContaining('weak protection') as unknown });
      vault.save(session());
      expect(raw()).not.toContain(TOKEN);
      expect(raw()).not.toContain(EMAIL);
      expect(new Vault({ cipher, store: new JsonFileStore(file), allowWeakStorage: true }).load('demo')).toEqual(session());
    });

    it('allowWeakStorage cannot store when the OS has no encryption at all', () => {
      const vault = new Vault({ cipher: createTestCipher({ available: false }), store: new JsonFileStore(file), allowWeakStorage: true });
      expect(vault.status().persistent).toBe(false);
      vault.save(session());
      expect(raw()).not.toContain(TOKEN);
    });

    it('withdrawing the weak-storage opt-in removes the weakly stored entry on the next save', () => {
      const cipher = createTestCipher({ backend: 'basic_text' });
      new Vault({ cipher, store: new JsonFileStore(file), allowWeakStorage: true }).save(session());
      expect(raw()).toContain('ciphertext');
      const strict = new Vault({ cipher, store: new JsonFileStore(file) });
      expect(strict.load('demo')).toBeNull();
      strict.save(session('demo', 'rt_rotated_000000000000000000000000000'));
      expect(onDisk().entries).toEqual({});
    });
  });

  it('an encrypt failure is storage_error, and the message carries no secret', () => {
    const cipher = createTestCipher();
    cipher.encrypt = () => {
      throw new Error(`boom ${TOKEN}`);
    };
    const vault = new Vault({ cipher, store: new JsonFileStore(file), logger });
    let caught: unknown;
    try {
      vault.save(session());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AuthError);
    expect((caught as AuthError).code).toBe('storage_error');
    expect((caught as AuthError).message).not.toContain(TOKEN);
    expect(raw()).toBe('');
    expectNoSecretsInLogs();
  });
});

describe('Vault: failed revocations kept for a retry', () => {
  const pending = {
    id: 'rev-1',
    providerId: 'demo',
    tokens: { refreshToken: TOKEN, accessToken: 'at_secret_value' },
    firstFailedAt: 1_700_000_000_000,
    attempts: 1,
  };

  it('a vault written before revocations existed still loads, with nothing pending', () => {
    const cipher = createTestCipher();
    const before = new Vault({ cipher, store: new JsonFileStore(file) });
    before.save(session());
    // Exactly the format of the released version: one key, version 1, no revocations.
    const onDisk = JSON.parse(raw()) as Record<string, unknown>;
    expect(Object.keys(onDisk)).toEqual([VAULT_STORE_KEY]);
    const after = new Vault({ cipher, store: new JsonFileStore(file) });
    expect(after.load('demo')).toMatchObject({ refreshToken: TOKEN });
    expect(after.pendingRevocations()).toEqual([]);
  });

  it('keeps them encrypted beside the sessions, across a restart, and removes them', () => {
    const cipher = createTestCipher();
    const vault = new Vault({ cipher, store: new JsonFileStore(file), logger });
    vault.save(session());
    vault.keepRevocation(pending);
    expect(raw()).not.toContain(TOKEN);
    expect(raw()).not.toContain('at_secret_value');
    const again = new Vault({ cipher, store: new JsonFileStore(file), logger });
    expect(again.pendingRevocations()).toEqual([pending]);
    expect(again.load('demo')).toMatchObject({ refreshToken: TOKEN });
    again.keepRevocation({ ...pending, attempts: 2 });
    expect(again.pendingRevocations()).toEqual([{ ...pending, attempts: 2 }]);
    again.removeRevocation('rev-1');
    expect(again.pendingRevocations()).toEqual([]);
    expectNoSecretsInLogs();
  });

  it('an entry that no longer decrypts (keychain reset) is skipped, and garbage is ignored', () => {
    const cipher = createTestCipher();
    const vault = new Vault({ cipher, store: new JsonFileStore(file), logger });
    vault.keepRevocation(pending);
    cipher.failDecrypt = true;
    expect(vault.pendingRevocations()).toEqual([]);
    cipher.failDecrypt = false;
    writeFileSync(
      file,
      JSON.stringify({ revocations: { version: 1, entries: [{ id: '../x', providerId: 'demo', ciphertext: '!!', firstFailedAt: -1, attempts: 0 }, 42] } }),
    );
    expect(vault.pendingRevocations()).toEqual([]);
  });

  it('without real encryption nothing is written: kept in memory for this process only', () => {
    const vault = new Vault({ cipher: createTestCipher({ backend: 'basic_text' }), store: new JsonFileStore(file) });
    vault.keepRevocation(pending);
    expect(raw()).toBe('');
    expect(vault.pendingRevocations()).toEqual([pending]);
  });
});

describe('JsonFileStore', () => {
  it('writes atomically: no temp files left, the file is replaced whole', () => {
    const store = new JsonFileStore(file);
    for (let i = 0; i < 20; i++) store.set('n', i);
    expect(readdirSync(dir)).toEqual(['vault.json']);
    expect(JSON.parse(raw())).toEqual({ n: 19 });
  });

  it('a crash between temp write and rename leaves the old state readable', () => {
    const store = new JsonFileStore(file);
    store.set('a', 1);
    // What a killed process leaves behind: a half-written temp file next to the old one.
    writeFileSync(path.join(dir, '.vault.json.999.abcdef.tmp'), '{"a": 2, "b"');
    expect(new JsonFileStore(file).get('a')).toBe(1);
  });

  it('treats a missing directory as empty and creates it on write', () => {
    const nested = path.join(dir, 'a', 'b', 'store.json');
    const store = new JsonFileStore(nested);
    expect(store.get('x')).toBeUndefined();
    store.set('x', { y: 1 });
    expect(new JsonFileStore(nested).get('x')).toEqual({ y: 1 });
  });

  it('keeps a __proto__ key in the file as plain data', () => {
    writeFileSync(file, '{"__proto__": {"polluted": true}, "k": 1}');
    const store = new JsonFileStore(file);
    expect(store.get('k')).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    store.delete('k');
    expect(store.get('k')).toBeUndefined();
  });

  it.skipIf(process.platform === 'win32')('writes the file readable by its owner only', async () => {
    const { statSync } = await import('node:fs');
    new JsonFileStore(file).set('k', 1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('Vault accounts: one entry per account, migration both ways', () => {
  const account = (sub: string, providerId = 'demo', savedAt = 1_700_000_000_000) => ({
    id: `${providerId}:${sub}`,
    providerId,
    refreshToken: `rt_${providerId}_${sub}_0000000000000000`,
    user: { sub, name: `Name ${sub}`, email: `${sub}@example.org` },
    savedAt,
  });

  it('re-keys an entry of the format before accounts (same ciphertext) and makes it the active account', async () => {
    const { Vault: OldVault } = await import('../helpers/vault-before-accounts');
    const cipher = createTestCipher();
    new OldVault({ cipher, store: new JsonFileStore(file) }).save(session());
    const before = onDisk();
    expect(before.lastProviderId).toBe('demo');

    const vault = new Vault({ cipher, store: new JsonFileStore(file), logger });
    expect(vault.loadAccounts()).toEqual([{ ...session(), id: 'demo:user-1' }]);
    const after = onDisk();
    const keys = Object.keys(after.entries);
    expect(keys).toHaveLength(1);
    // Keyed by provider and a hash: the subject is not readable on disk.
    expect(keys[0]).toMatch(/^demo:[A-Za-z0-9_-]{22}$/);
    expect(raw()).not.toContain('user-1');
    expect(after.entries[keys[0]!]).toEqual(before.entries.demo);
    expect(after.activeAccountId).toBe(keys[0]);
    expect(vault.activeAccountId()).toBe('demo:user-1');
    expect(vault.load('demo')?.refreshToken).toBe(TOKEN);
    expectNoSecretsInLogs();
  });

  it('an older app reading a vault written with accounts neither crashes nor loses an account, and its own save is migrated back', async () => {
    const { Vault: OldVault } = await import('../helpers/vault-before-accounts');
    const cipher = createTestCipher();
    const vault = new Vault({ cipher, store: new JsonFileStore(file), logger });
    vault.saveAccount(account('a'));
    vault.saveAccount(account('b'), { active: true });
    expect(onDisk()).toMatchObject({ version: 1, lastProviderId: 'demo', activeAccountId: expect.stringMatching(/^demo:/) as unknown });
    expect(vault.activeAccountId()).toBe('demo:b');

    // The old reader: validates the file, finds no entry under the bare provider id, starts signed out.
    const old = new OldVault({ cipher, store: new JsonFileStore(file) });
    expect(old.lastProviderId()).toBe('demo');
    expect(old.load('demo')).toBeNull();
    // It signs in as someone else and writes: unknown top-level keys go, every entry stays.
    old.save({ providerId: 'demo', refreshToken: 'rt_old_app_c_000000000000', user: { sub: 'c' }, savedAt: 1_800_000_000_000 });
    const written = onDisk();
    expect(written.activeAccountId).toBeUndefined();
    expect(Object.keys(written.entries)).toHaveLength(3);
    expect(Object.keys(written.entries)).toContain('demo');

    // Back in this version: all three accounts, the old app's sign-in active.
    const again = new Vault({ cipher, store: new JsonFileStore(file), logger });
    expect(
      again
        .loadAccounts()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['demo:a', 'demo:b', 'demo:c']);
    expect(again.activeAccountId()).toBe('demo:c');
  });

  it('the newer entry wins when the older app saved the same person again', async () => {
    const { Vault: OldVault } = await import('../helpers/vault-before-accounts');
    const cipher = createTestCipher();
    new Vault({ cipher, store: new JsonFileStore(file) }).saveAccount(account('a', 'demo', 1000), { active: true });
    new OldVault({ cipher, store: new JsonFileStore(file) }).save({
      providerId: 'demo',
      refreshToken: 'rt_newer_000000000000',
      user: { sub: 'a' },
      savedAt: 2000,
    });
    const loaded = new Vault({ cipher, store: new JsonFileStore(file) }).loadAccounts();
    expect(loaded.map((a) => [a.id, a.refreshToken])).toEqual([['demo:a', 'rt_newer_000000000000']]);
  });

  it('removeAccount forgets one account and the active pointer with it; the others stay', () => {
    const vault = new Vault({ cipher: createTestCipher(), store: new JsonFileStore(file), logger });
    vault.saveAccount(account('a'));
    vault.saveAccount(account('b', 'other'), { active: true });
    vault.removeAccount('other:b');
    expect(vault.loadAccounts().map((a) => a.id)).toEqual(['demo:a']);
    expect(vault.activeAccountId()).toBeNull();
    expect(onDisk().lastProviderId).toBeNull();
  });

  it('keeps accounts in memory only on basic_text, and never writes them to disk', () => {
    const vault = new Vault({ cipher: createTestCipher({ backend: 'basic_text' }), store: new JsonFileStore(file), logger });
    vault.saveAccount(account('a'), { active: true });
    expect(vault.loadAccounts().map((a) => a.id)).toEqual(['demo:a']);
    expect(raw()).not.toContain('ciphertext');
    expect(vault.activeAccountId()).toBe('demo:a');
  });

  it('holds 100 accounts, one entry each, loaded in one read', () => {
    const cipher = createTestCipher();
    const vault = new Vault({ cipher, store: new JsonFileStore(file), logger });
    for (let i = 0; i < 100; i += 1) vault.saveAccount(account(`person-${i}`, i % 2 === 0 ? 'demo' : 'other'), { active: i === 42 });
    const reopened = new Vault({ cipher, store: new JsonFileStore(file), logger });
    const loaded = reopened.loadAccounts();
    expect(loaded).toHaveLength(100);
    expect(new Set(loaded.map((a) => a.refreshToken)).size).toBe(100);
    expect(reopened.activeAccountId()).toBe('demo:person-42');
    expect(raw()).not.toContain('person-42');
  });
});

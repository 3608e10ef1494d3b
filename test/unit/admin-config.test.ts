/**
 * Finding 1: where a packaged app takes a configuration override from, per OS
 * (main/platform/admin-config.ts), and that a file anyone but root can write
 * is refused. The file system and reg.exe are injected: the owner checks need
 * root-owned files this machine's tests cannot make.
 */
import { describe, expect, it } from 'vitest';
import { adminConfigLocation, readAdminConfig } from '../../main/platform/admin-config';

const names = { productName: 'Acme Desk', executableName: 'acme-desk' };
const enoent = () => {
  throw Object.assign(new Error('missing'), { code: 'ENOENT' });
};

describe('adminConfigLocation', () => {
  it.each([
    ['linux', '/etc/acme-desk/config.json'],
    ['darwin', '/Library/Application Support/Acme Desk/config.json'],
    ['win32', 'HKLM\\Software\\Policies\\Acme Desk'],
  ] as const)('%s → %s', (platform, where) => {
    expect(adminConfigLocation(platform, names)).toBe(where);
  });
});

describe('readAdminConfig', () => {
  it.each(['linux', 'darwin'] as const)('%s: a root-owned file writable only by root is read', (platform) => {
    const read: string[] = [];
    const got = readAdminConfig({
      platform,
      names,
      stat: () => ({ uid: 0, mode: 0o100644 }),
      readFile: (p) => {
        read.push(p);
        return '{"x":1}';
      },
    });
    expect(got).toEqual({ where: adminConfigLocation(platform, names), text: '{"x":1}' });
    expect(read).toEqual([adminConfigLocation(platform, names)]);
  });

  it.each([
    ['owned by the person', { uid: 1000, mode: 0o100644 }],
    ['group-writable', { uid: 0, mode: 0o100664 }],
    ['world-writable', { uid: 0, mode: 0o100646 }],
  ])('a file %s is refused with invalid_config, never read', (_label, info) => {
    let read = false;
    expect(() =>
      readAdminConfig({
        platform: 'linux',
        names,
        stat: () => info,
        readFile: () => {
          read = true;
          return '{}';
        },
      }),
    ).toThrowError(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('owned by root') as unknown }));
    expect(read).toBe(false);
  });

  it('no file → null (no override)', () => {
    expect(readAdminConfig({ platform: 'linux', names, stat: enoent })).toBeNull();
  });

  it('Windows: the Config REG_SZ value under HKLM\\Software\\Policies\\<product> is the configuration', () => {
    const asked: string[] = [];
    const got = readAdminConfig({
      platform: 'win32',
      names,
      regQuery: (key, value) => {
        asked.push(`${key} /v ${value}`);
        return `\r\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Acme Desk\r\n    Config    REG_SZ    {"scheme":"com.acme.managed"}\r\n\r\n`;
      },
    });
    expect(asked).toEqual(['HKLM\\Software\\Policies\\Acme Desk /v Config']);
    expect(got).toEqual({ where: 'HKLM\\Software\\Policies\\Acme Desk\\Config', text: '{"scheme":"com.acme.managed"}' });
  });

  it('Windows: no key or value (reg.exe exits 1) → null; a value of another type → invalid_config', () => {
    expect(
      readAdminConfig({
        platform: 'win32',
        names,
        regQuery: () => {
          throw new Error('ERROR: The system was unable to find the specified registry key or value.');
        },
      }),
    ).toBeNull();
    expect(() => readAdminConfig({ platform: 'win32', names, regQuery: () => '    Config    REG_DWORD    0x1\r\n' })).toThrowError(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });
});

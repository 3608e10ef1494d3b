import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoAppConfig, loadAppConfig } from '../../main/app-config';
import { AuthError } from '../../main/auth/errors';

const validFile = {
  scheme: 'com.acme.desk',
  providers: [
    {
      id: 'acme',
      displayName: 'Acme',
      issuer: 'https://login.acme.example',
      clientId: 'desk-app',
      scopes: ['openid', 'offline_access'],
      apiBaseUrls: ['https://api.acme.example/v1'],
    },
  ],
};

let dir: string;
let userDataDir: string;
const readFile = (p: string) => readFileSync(p, 'utf8');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'app-config-'));
  userDataDir = path.join(dir, 'userData');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

function codeAndMessage(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return { code: (err as AuthError).code, message: (err as AuthError).message };
  }
  throw new Error('expected a throw');
}

describe('loadAppConfig', () => {
  it('returns null (demo mode) when nothing is configured', () => {
    expect(loadAppConfig({ env: {}, readFile, userDataDir })).toBeNull();
  });

  it('reads the file named by OIDC_DESKTOP_CONFIG, ahead of userData and env', () => {
    const file = write('explicit.json', JSON.stringify(validFile));
    mkdirSync(userDataDir);
    writeFileSync(path.join(userDataDir, 'config.json'), JSON.stringify({ ...validFile, scheme: 'com.other.app' }));
    const config = loadAppConfig({ env: { OIDC_DESKTOP_CONFIG: file, OIDC_ISSUER: 'https://env.example' }, readFile, userDataDir });
    expect(config?.scheme).toBe('com.acme.desk');
    expect(config?.providers[0]?.id).toBe('acme');
  });

  it('reads <userData>/config.json when it exists, ahead of env', () => {
    mkdirSync(userDataDir);
    writeFileSync(path.join(userDataDir, 'config.json'), JSON.stringify(validFile));
    const config = loadAppConfig({ env: { OIDC_ISSUER: 'https://env.example' }, readFile, userDataDir });
    expect(config?.providers[0]?.issuer).toBe('https://login.acme.example');
  });

  it('builds one provider from env vars when OIDC_ISSUER is set', () => {
    const config = loadAppConfig({
      env: {
        OIDC_ISSUER: 'https://idp.example.com',
        OIDC_CLIENT_ID: 'abc',
        OIDC_SCOPES: 'openid  email offline_access',
        OIDC_API_BASE_URL: 'https://api.example.com, https://files.example.com/v2',
        OIDC_SCHEME: 'com.example.tool',
        OIDC_PROVIDER_NAME: 'Example IdP',
      },
      readFile,
      userDataDir,
    });
    expect(config).toEqual({
      scheme: 'com.example.tool',
      providers: [
        {
          id: 'default',
          displayName: 'Example IdP',
          issuer: 'https://idp.example.com',
          clientId: 'abc',
          scopes: ['openid', 'email', 'offline_access'],
          apiBaseUrls: ['https://api.example.com', 'https://files.example.com/v2'],
        },
      ],
    });
  });

  it('env defaults: scheme com.example.desktop, standard scopes, issuer host as the name', () => {
    const config = loadAppConfig({
      env: { OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'abc', OIDC_API_BASE_URL: 'https://api.example.com' },
      readFile,
      userDataDir,
    });
    expect(config?.scheme).toBe('com.example.desktop');
    expect(config?.providers[0]?.scopes).toEqual(['openid', 'profile', 'email', 'offline_access']);
    expect(config?.providers[0]?.displayName).toBe('idp.example.com');
    expect(config?.allowWeakStorage).toBeUndefined();
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['no client id', { OIDC_ISSUER: 'https://idp.example.com', OIDC_API_BASE_URL: 'https://api.example.com' }, /clientId/],
    ['no API base URL', { OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'a' }, /apiBaseUrls needs at least one/],
    [
      'http issuer off loopback',
      { OIDC_ISSUER: 'http://idp.example.com', OIDC_CLIENT_ID: 'a', OIDC_API_BASE_URL: 'https://api.example.com' },
      /issuer must be an https/,
    ],
    [
      'scheme without a dot',
      { OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'a', OIDC_API_BASE_URL: 'https://api.example.com', OIDC_SCHEME: 'myapp' },
      /reverse-DNS/,
    ],
  ])('env config that does not validate → invalid_config naming the field: %s', (_name, env, pattern) => {
    const { code, message } = codeAndMessage(() => loadAppConfig({ env, readFile, userDataDir }));
    expect(code).toBe('invalid_config');
    expect(message).toMatch(pattern);
  });

  it.each<[string, string, RegExp]>([
    ['syntax error', '{ "scheme": "com.acme.desk", ', /is not valid JSON/],
    ['trailing comma', '{ "scheme": "com.acme.desk", }', /is not valid JSON/],
    ['empty file', '', /is not valid JSON/],
    ['wrong schema', JSON.stringify({ ...validFile, providers: [] }), /providers needs at least one provider/],
    ['unknown field', JSON.stringify({ ...validFile, clientSecret: 'x' }), /Unrecognized key|clientSecret/],
  ])('a bad OIDC_DESKTOP_CONFIG file → invalid_config naming the file: %s', (_name, content, pattern) => {
    const file = write('bad.json', content);
    const { code, message } = codeAndMessage(() => loadAppConfig({ env: { OIDC_DESKTOP_CONFIG: file }, readFile, userDataDir }));
    expect(code).toBe('invalid_config');
    expect(message).toContain(file);
    expect(message).toMatch(pattern);
  });

  it('a bad <userData>/config.json is an error too, naming that file', () => {
    mkdirSync(userDataDir);
    const file = path.join(userDataDir, 'config.json');
    writeFileSync(file, '{nope');
    const { code, message } = codeAndMessage(() => loadAppConfig({ env: {}, readFile, userDataDir }));
    expect(code).toBe('invalid_config');
    expect(message).toContain(file);
  });

  it('a missing OIDC_DESKTOP_CONFIG file is an error (it was asked for explicitly)', () => {
    const missing = path.join(dir, 'missing.json');
    const { code, message } = codeAndMessage(() => loadAppConfig({ env: { OIDC_DESKTOP_CONFIG: missing }, readFile, userDataDir }));
    expect(code).toBe('invalid_config');
    expect(message).toContain(missing);
    expect(message).toContain('does not exist');
  });

  it('reads the configuration built into the package when no override is set', () => {
    const packaged = write('packaged.json', JSON.stringify(validFile));
    expect(loadAppConfig({ env: {}, readFile, userDataDir, packagedConfigPath: packaged })?.scheme).toBe('com.acme.desk');
  });

  it('no packaged configuration (a demo build) → null', () => {
    expect(loadAppConfig({ env: {}, readFile, userDataDir, packagedConfigPath: path.join(dir, 'absent.json') })).toBeNull();
  });

  it.each<[string, (packaged: string) => Record<string, string | undefined>]>([
    ['OIDC_DESKTOP_CONFIG', () => ({ OIDC_DESKTOP_CONFIG: write('admin.json', JSON.stringify({ ...validFile, scheme: 'com.admin.override' })) })],
    [
      '<userData>/config.json',
      () => {
        mkdirSync(userDataDir);
        writeFileSync(path.join(userDataDir, 'config.json'), JSON.stringify({ ...validFile, scheme: 'com.admin.override' }));
        return {};
      },
    ],
    [
      'OIDC_* variables',
      () => ({ OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'a', OIDC_API_BASE_URL: 'https://api.example.com', OIDC_SCHEME: 'com.admin.override' }),
    ],
  ])('the administrator override %s wins over the packaged configuration', (_name, setUp) => {
    const packaged = write('packaged.json', JSON.stringify(validFile));
    const env = setUp(packaged);
    expect(loadAppConfig({ env, readFile, userDataDir, packagedConfigPath: packaged })?.scheme).toBe('com.admin.override');
  });

  it('a packaged configuration that does not validate → invalid_config naming that file', () => {
    const packaged = write('packaged.json', JSON.stringify({ ...validFile, providers: [] }));
    const { code, message } = codeAndMessage(() => loadAppConfig({ env: {}, readFile, userDataDir, packagedConfigPath: packaged }));
    expect(code).toBe('invalid_config');
    expect(message).toContain(packaged);
    expect(message).toMatch(/providers needs at least one provider/);
  });

  it('a userData config that cannot be read for another reason is reported, not ignored', () => {
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const { code, message } = codeAndMessage(() =>
      loadAppConfig({
        env: {},
        readFile: () => {
          throw eacces;
        },
        userDataDir,
      }),
    );
    expect(code).toBe('invalid_config');
    expect(message).toContain('EACCES');
  });
});

describe('demoAppConfig', () => {
  it('is a valid config for the demo provider with the reverse-DNS scheme', () => {
    const config = demoAppConfig({ issuer: 'http://127.0.0.1:4000', apiBaseUrl: 'http://127.0.0.1:4000/api', clientId: 'desktop-demo' });
    expect(config.scheme).toBe('com.example.desktop');
    expect(config.providers).toHaveLength(1);
    const [p] = config.providers;
    expect(p).toMatchObject({
      id: 'demo',
      issuer: 'http://127.0.0.1:4000',
      clientId: 'desktop-demo',
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      apiBaseUrls: ['http://127.0.0.1:4000/api'],
    });
    expect(p?.authorizeParams?.prompt).toBe('consent');
  });

  it('refuses a demo issuer that is not loopback http or https', () => {
    expect(() => demoAppConfig({ issuer: 'http://demo.example', apiBaseUrl: 'http://127.0.0.1:1/api', clientId: 'x' })).toThrow(AuthError);
  });
});

/**
 * Finding 1 (SECURITY.md "Configuration overrides only from an administrator;
 * vault entries bound to their provider"): in a packaged app, a same-user
 * process could drop a config.json into userData or set OIDC_* variables and
 * so choose where the stored refresh token is sent. Only the administrator's
 * place may override the built-in configuration.
 */
describe('loadAppConfig in a packaged app', () => {
  const hostile = { ...validFile, scheme: 'com.attacker.override', allowWeakStorage: true };

  function everyUserSource(): Record<string, string> {
    mkdirSync(userDataDir);
    writeFileSync(path.join(userDataDir, 'config.json'), JSON.stringify(hostile));
    return {
      OIDC_DESKTOP_CONFIG: write('dropped.json', JSON.stringify(hostile)),
      OIDC_ISSUER: 'https://attacker.example',
      OIDC_CLIENT_ID: 'x',
      OIDC_API_BASE_URL: 'https://attacker.example/api',
      OIDC_ALLOW_WEAK_STORAGE: '1',
    };
  }

  it('ignores <userData>/config.json, OIDC_DESKTOP_CONFIG and OIDC_ISSUER: the built-in configuration is used', () => {
    const env = everyUserSource();
    const builtIn = write('packaged.json', JSON.stringify(validFile));
    const config = loadAppConfig({ env, readFile, userDataDir, packagedConfigPath: builtIn, packaged: true, readAdminConfig: () => null });
    expect(config?.scheme).toBe('com.acme.desk');
    expect(config?.allowWeakStorage).toBeUndefined();
  });

  it('without a built-in configuration, the user sources still do not count: the demo (null)', () => {
    const env = everyUserSource();
    expect(loadAppConfig({ env, readFile, userDataDir, packagedConfigPath: path.join(dir, 'absent.json'), packaged: true })).toBeNull();
  });

  it("the administrator's override wins over the built-in configuration", () => {
    const builtIn = write('packaged.json', JSON.stringify(validFile));
    const config = loadAppConfig({
      env: everyUserSource(),
      readFile,
      userDataDir,
      packagedConfigPath: builtIn,
      packaged: true,
      readAdminConfig: () => ({ where: '/etc/acme-desk/config.json', text: JSON.stringify({ ...validFile, scheme: 'com.acme.managed' }) }),
    });
    expect(config?.scheme).toBe('com.acme.managed');
  });

  it("a broken administrator's file is an error naming it, not a silent fallback", () => {
    const { code, message } = codeAndMessage(() =>
      loadAppConfig({ env: {}, readFile, userDataDir, packaged: true, readAdminConfig: () => ({ where: '/etc/acme-desk/config.json', text: '{nope' }) }),
    );
    expect(code).toBe('invalid_config');
    expect(message).toContain('/etc/acme-desk/config.json');
  });

  it('a development run keeps the developer sources (OIDC_DESKTOP_CONFIG, userData, env win over the built-in file)', () => {
    const builtIn = write('p.json', JSON.stringify(validFile));
    expect(loadAppConfig({ env: everyUserSource(), readFile, userDataDir, packagedConfigPath: builtIn, packaged: false })?.scheme).toBe(
      'com.attacker.override',
    );
  });
});

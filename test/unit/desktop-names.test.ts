import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DESKTOP_NAMES, executableNameFrom, loadDesktopNames } from '../../main/desktop-names';
import { BUILD_CONFIG_OUT, CLIENT_METADATA_FILE, parseBuildConfig, writeBuildConfig } from '../../scripts/build-app-config';

const enoent = () => {
  throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
};

describe('executableNameFrom', () => {
  it.each([
    ['OIDC Desktop', 'oidc-desktop'],
    ['Acme Desk', 'acme-desk'],
    ['  Acme   Ship It! ', 'acme-ship-it'],
    ['Café Société', 'cafe-societe'],
    ['R2.D2 (beta)', 'r2-d2-beta'],
    ['日本語', ''],
  ])('%s → %s', (productName, expected) => {
    expect(executableNameFrom(productName)).toBe(expected);
  });

  it('the default names are what the committed productName gives', () => {
    expect(executableNameFrom(DEFAULT_DESKTOP_NAMES.productName)).toBe(DEFAULT_DESKTOP_NAMES.executableName);
  });
});

describe('loadDesktopNames', () => {
  it('reads the names the build wrote', () => {
    const names = { productName: 'Acme Desk', executableName: 'acme-desk' };
    expect(loadDesktopNames(() => JSON.stringify(names), '/app/dist/config/desktop-names.json')).toEqual(names);
  });

  it('no file → the defaults', () => {
    expect(loadDesktopNames(enoent, '/src/config/desktop-names.json')).toEqual(DEFAULT_DESKTOP_NAMES);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['a path in the executable name', JSON.stringify({ productName: 'Acme', executableName: '../acme' }), /not valid \(executableName\)/],
    ['upper case', JSON.stringify({ productName: 'Acme', executableName: 'Acme' }), /not valid \(executableName\)/],
    ['a missing product name', JSON.stringify({ executableName: 'acme' }), /not valid \(productName\)/],
  ])('%s → invalid_config naming the file', (_name, text, pattern) => {
    expect(() => loadDesktopNames(() => text, '/app/dist/config/desktop-names.json')).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => loadDesktopNames(() => text, '/app/dist/config/desktop-names.json')).toThrow(pattern);
    expect(() => loadDesktopNames(() => text, '/app/dist/config/desktop-names.json')).toThrow(/desktop-names\.json/);
  });
});

describe('the build configuration (scripts/build-app-config.ts)', () => {
  const base = { productName: 'Acme Desk', appId: 'com.acme.desk', demo: true };

  it('derives the executable name from productName', () => {
    expect(parseBuildConfig('app.config.json', JSON.stringify(base)).packaging).toMatchObject({ productName: 'Acme Desk', executableName: 'acme-desk' });
  });

  it.each([
    ['', /productName is required/],
    ['Acme\nDesk', /control characters/],
    [' Acme', /may not start or end with a space/],
    ['Acme.', /may not end with "\."/],
  ])('refuses the productName %j, saying why, and nothing about the executable name', (productName, message) => {
    let error: unknown;
    try {
      parseBuildConfig('app.config.json', JSON.stringify({ ...base, productName }));
    } catch (err) {
      error = err;
    }
    expect(String(error)).toMatch(message);
    // Not a second complaint about the executable name derived from it.
    expect(String(error)).not.toMatch(/executableName/);
  });

  it('a productName without ASCII letters or digits needs an explicit executableName', () => {
    expect(() => parseBuildConfig('app.config.json', JSON.stringify({ ...base, productName: '日本語' }))).toThrow(/no ASCII letters or digits/);
    expect(parseBuildConfig('app.config.json', JSON.stringify({ ...base, productName: '日本語', executableName: 'nihongo' })).packaging.executableName).toBe(
      'nihongo',
    );
  });

  it('an explicit executableName wins', () => {
    const { packaging } = parseBuildConfig('app.config.json', JSON.stringify({ ...base, executableName: 'acme' }));
    expect(packaging.executableName).toBe('acme');
  });
});

describe('the Client ID Metadata Document the build writes (docs/api-discovery.md)', () => {
  const provider = {
    id: 'corp',
    displayName: 'Corp',
    issuer: 'https://id.corp.example',
    clientId: 'desk',
    scopes: ['openid'],
    apiBaseUrls: ['https://api.corp.example'],
  };
  const build = (app: Record<string, unknown>) => {
    const root = mkdtempSync(path.join(tmpdir(), 'build-config-'));
    mkdirSync(path.join(root, 'build'));
    writeFileSync(path.join(root, 'build', 'installer.nsh'), '; test\n');
    writeFileSync(path.join(root, 'app.config.json'), JSON.stringify({ productName: 'Acme Desk', app }));
    writeBuildConfig(root, {});
    const file = path.join(root, BUILD_CONFIG_OUT, CLIENT_METADATA_FILE);
    const written = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
    rmSync(root, { recursive: true, force: true });
    return written;
  };

  it('a configuration with clientMetadataDocument gets the document to host there: its URL as client_id, the app as a native public client', () => {
    const url = 'https://desk.acme.example/oauth/client.json';
    expect(build({ scheme: 'com.acme.desk', clientMetadataDocument: url, providers: [provider] })).toEqual({
      client_id: url,
      client_name: 'Acme Desk',
      application_type: 'native',
      redirect_uris: ['com.acme.desk:/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
  });

  it('without clientMetadataDocument, no document is written', () => {
    expect(build({ scheme: 'com.acme.desk', providers: [provider] })).toBeNull();
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAppConfig, providersWithSecrets } from '../../main/auth/config';
import { parseBuildConfig } from '../../scripts/build-app-config';

const dir = path.resolve(import.meta.dirname, '../../examples/profiles');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('example provider profiles', () => {
  it('there is one per seed provider and per well-known provider', () => {
    expect(files.sort()).toEqual([
      'auth0.json',
      'capacity.json',
      'entra-id.json',
      'google.json',
      'identity-hub.json',
      'intandem.json',
      'keycloak.json',
      'okta.json',
      'platform-of-trust.json',
      'proto.json',
    ]);
  });

  it.each(files)('%s is a valid profile whose id matches its file name', (file) => {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { id: string };
    const config = parseAppConfig({ scheme: 'com.example.desktop', providers: [profile] });
    expect(config.providers[0]!.id).toBe(file.replace(/\.json$/, ''));
  });

  it('the profiles that ship a client secret are the ones whose provider demands one, and they are flagged', () => {
    const all = files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as unknown);
    const config = parseAppConfig({ scheme: 'com.example.desktop', providers: all });
    expect(providersWithSecrets(config).sort()).toEqual(['capacity', 'google', 'intandem', 'platform-of-trust', 'proto']);
  });
});

describe('example profiles state their DPoP and PAR choice', () => {
  it.each(files)('%s sets dpop and par explicitly (off for the seed providers, which advertise neither)', (file) => {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { id: string; dpop?: string; par?: string; endpoints?: unknown };
    expect(['auto', 'required', 'off']).toContain(profile.dpop);
    expect(['auto', 'required', 'off']).toContain(profile.par);
    // Explicit endpoints mean no metadata to advertise either: only "off" says what will happen.
    if (profile.endpoints) expect([profile.dpop, profile.par]).toEqual(['off', 'off']);
  });
});

describe('the example build configuration (app.config.example.json)', () => {
  it('is a valid build for a real provider, named as its comment says', () => {
    const file = path.resolve(import.meta.dirname, '../../app.config.example.json');
    const { packaging } = parseBuildConfig(file, readFileSync(file, 'utf8'));
    expect(packaging).toMatchObject({ productName: 'Acme Desktop', executableName: 'acme-desktop', scheme: 'com.acme.desktop', demo: false });
  });
});

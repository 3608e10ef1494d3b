/**
 * `npm run dist:linux`, reduced to what runs here: the build's configuration
 * step (scripts/build-app-config.ts) for a given build configuration, then a
 * real `electron-builder --linux dir` against the stub Electron. Used by the
 * packaging test and by the bench's package size.
 *
 * It writes dist/config of the project (that is where electron-builder.js and
 * the app read it); `restoreDemoConfig` puts the committed one back.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { makeStubElectronDist, STUB_ELECTRON_VERSION } from './stub-electron-dist';

const require = createRequire(import.meta.url);
export const projectRoot = path.resolve(import.meta.dirname, '../..');

/** Runs the configuration step with `buildConfig` as OIDC_DESKTOP_BUILD_CONFIG (the committed app.config.json when undefined). */
export function runBuildConfigStep(buildConfig?: string): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  if (buildConfig) env.OIDC_DESKTOP_BUILD_CONFIG = buildConfig;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-app-config.ts'], { cwd: projectRoot, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Builder = typeof import('electron-builder');
type AfterPack = NonNullable<import('electron-builder').Configuration['afterPack']>;

/**
 * electron-builder --linux dir into `outDir` for the configuration `buildConfig`
 * (the step must have run for it: electron-builder.js checks). Returns the
 * unpacked directory.
 */
export async function buildLinuxDir(opts: { work: string; outDir: string; buildConfig?: string; afterPack?: AfterPack }): Promise<string> {
  const builder = require('electron-builder') as Builder;
  const stub = makeStubElectronDist(path.join(opts.work, 'electron-dist-linux'));
  const saved = process.env.OIDC_DESKTOP_BUILD_CONFIG;
  // electron-builder.js compares dist/config with the configuration this names.
  if (opts.buildConfig) process.env.OIDC_DESKTOP_BUILD_CONFIG = opts.buildConfig;
  else delete process.env.OIDC_DESKTOP_BUILD_CONFIG;
  try {
    await builder.build({
      projectDir: projectRoot,
      targets: builder.Platform.LINUX.createTarget('dir'),
      publish: 'never',
      config: {
        electronDist: stub.dir,
        electronVersion: STUB_ELECTRON_VERSION,
        directories: { output: opts.outDir },
        ...(opts.afterPack ? { afterPack: opts.afterPack } : {}),
      },
    });
  } finally {
    if (saved === undefined) delete process.env.OIDC_DESKTOP_BUILD_CONFIG;
    else process.env.OIDC_DESKTOP_BUILD_CONFIG = saved;
  }
  return path.join(opts.outDir, 'linux-unpacked');
}

/** A configuration for a real (made-up) provider, as an app developer writes it. */
export function realProviderBuildConfig(scheme: string, productName: string): object {
  return {
    productName,
    appId: scheme,
    app: {
      scheme,
      providers: [
        {
          id: 'acme',
          displayName: 'Acme Login',
          issuer: 'https://login.acme.example',
          clientId: 'acme-desktop',
          scopes: ['openid', 'profile', 'offline_access'],
          apiBaseUrls: ['https://api.acme.example/v1'],
        },
      ],
    },
  };
}

/**
 * `main_start_ratio`: the main process's own start-up work, without Electron.
 * A fresh Node process runs the built bundle (dist/main/index.js) with
 * `electron` replaced by bench/electron-stub.mjs and a configured provider,
 * until it logs `app.ready` (vault, core, IPC, window created). The floor is a
 * fresh process that imports openid-client and reads one JSON file — the least
 * a main process that signs in with openid-client must do. Both are timed
 * from spawn to their "ready" line, interleaved. Both turn on Node's compile
 * cache first, as the app's entry does in Electron (main/entry.ts): the warm-up
 * run fills it, the timed runs read it, as every start after an app's first does.
 *
 * Both run from one temporary app directory whose node_modules links to the
 * project's, except `electron` (the stub), so module resolution is the same
 * as in the package.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compared, interleave, type Metric } from './stats';

const root = path.resolve(import.meta.dirname, '..');

/** A configured provider; nothing is fetched before the first sign-in, so no server is needed. */
export const BENCH_APP_CONFIG = {
  scheme: 'com.example.bench',
  providers: [
    {
      id: 'acme',
      displayName: 'Acme',
      issuer: 'https://login.acme.example',
      clientId: 'desktop',
      scopes: ['openid', 'profile', 'offline_access'],
      apiBaseUrls: ['https://api.acme.example'],
    },
  ],
};

interface StartDir {
  dir: string;
  measured: string[];
  floor: string[];
  env: Record<string, string>;
}

/** Lays out <dir>/app: the built main bundle, a package.json, node_modules with the electron stub. */
function prepare(work: string): StartDir {
  const dir = path.join(work, 'app');
  const built = path.join(root, 'dist', 'main', 'index.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build`);
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  cpSync(path.join(root, 'dist', 'main'), path.join(dir, 'dist', 'main'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench-app', type: 'module', main: 'dist/main/index.js' }));
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(path.join(root, 'node_modules'))) {
    if (name === 'electron' || name.startsWith('.')) continue;
    symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
  }
  mkdirSync(path.join(modules, 'electron'));
  cpSync(path.join(import.meta.dirname, 'electron-stub.mjs'), path.join(modules, 'electron', 'index.mjs'));
  writeFileSync(path.join(modules, 'electron', 'package.json'), JSON.stringify({ name: 'electron', type: 'module', exports: './index.mjs' }));

  // Where a package built for a real provider has its configuration (dist/config/, scripts/build-app-config.ts):
  // a packaged app (the stub's app.isPackaged) reads only that or an administrator's override (app-config.ts).
  mkdirSync(path.join(dir, 'dist', 'config'));
  const configFile = path.join(dir, 'dist', 'config', 'app.config.json');
  writeFileSync(configFile, JSON.stringify(BENCH_APP_CONFIG));
  const floorScript = path.join(dir, 'floor.mjs');
  writeFileSync(
    floorScript,
    [
      // Started as the app is (main/entry.ts): the compile cache on, then the code that uses it imported.
      "import { readFileSync } from 'node:fs';",
      "import { enableCompileCache } from 'node:module';",
      'enableCompileCache();',
      "const client = await import('openid-client');",
      `const config = JSON.parse(readFileSync(${JSON.stringify(configFile)}, 'utf8'));`,
      "if (!config.providers || typeof client.discovery !== 'function') process.exit(2);",
      'process.stdout.write(\'{"event":"app.ready"}\\n\');',
    ].join('\n'),
  );
  const userData = path.join(work, 'userData');
  mkdirSync(userData);
  return {
    dir,
    measured: [path.join(dir, 'dist', 'main', 'index.js')],
    floor: [floorScript],
    // OIDC_DESKTOP_LOG=warn would hide app.ready.
    // NODE_DISABLE_COMPILE_CACHE=1 passes through, to see the start-up without the cache (Node's own switch).
    env: {
      PATH: process.env.PATH ?? '',
      OIDC_DESKTOP_USER_DATA: userData,
      OIDC_DESKTOP_LOG: 'info',
      ...(process.env.NODE_DISABLE_COMPILE_CACHE ? { NODE_DISABLE_COMPILE_CACHE: process.env.NODE_DISABLE_COMPILE_CACHE } : {}),
    },
  };
}

/** Spawns `node <args>` and resolves with the ms from spawn to its `app.ready` line; kills it then. */
function timeToReady(args: string[], cwd: string, env: Record<string, string>, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      fn();
    };
    const timer = setTimeout(() => {
      finish(() => {
        reject(new Error(`no app.ready within ${timeoutMs} ms:\n${out}\n${err}`));
      });
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('"event":"app.ready"')) {
        const ms = performance.now() - started;
        if (out.includes('"demo":true'))
          finish(() => {
            reject(new Error('the app started the demo provider: the configuration was not read'));
          });
        else
          finish(() => {
            resolve(ms);
          });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('exit', (code) => {
      finish(() => {
        reject(new Error(`exited with ${code} before app.ready:\n${out}\n${err}`));
      });
    });
  });
}

export async function mainStart(work: string, runs: number): Promise<Record<string, Metric>> {
  const s = prepare(work);
  // One warm-up of each (file-system cache), not counted.
  await timeToReady(s.measured, s.dir, s.env);
  await timeToReady(s.floor, s.dir, s.env);
  const { a, b } = await interleave(
    runs,
    () => timeToReady(s.measured, s.dir, s.env),
    () => timeToReady(s.floor, s.dir, s.env),
  );
  return {
    main_start_ratio: compared(a, b, {
      unit: 'ms',
      target: { limit: 1.5, on: 'ratio' },
      note: `spawn → app.ready of dist/main/index.js (electron stubbed, configured provider) vs spawn → openid-client imported + one JSON file read; both with the compile cache (filled by a warm-up run)${process.env.NODE_DISABLE_COMPILE_CACHE ? ' DISABLED by NODE_DISABLE_COMPILE_CACHE' : ''}; Node ${process.versions.node}; ${runs} fresh processes each`,
    }),
  };
}

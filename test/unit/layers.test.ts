/**
 * Dependencies point one way. Every import in main/, preload/ and renderer/
 * is read (with the TypeScript scanner, type-only and dynamic imports
 * included) and must stay in its own layer or go down:
 *
 *   shared    main/auth/errors.ts, main/auth/types.ts, main/ipc/contract-types.ts, main/i18n/strings.ts
 *   core      main/auth/*, main/api/*          (Electron-free; runs in plain Node)
 *   ipc       main/ipc/*                       (Electron-free; takes an ipcMain-like)
 *   adapters  main/platform/*, main/deep-link.ts, main/demo/*
 *   root      main/entry.ts, main/index.ts, main/app-config.ts, main/desktop-names.ts
 *
 *   entries   entries/*                        (the package's entry points: re-exports only)
 *
 * preload/ and renderer/ see only the shared layer. Inside core, main/api/
 * sees only the shared files of main/auth/ (auth-core uses api, not the
 * other way round). `electron` is imported only by adapters, root and preload.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/ts-program';

const LAYERS = ['shared', 'core', 'ipc', 'adapters', 'root', 'entries'] as const;
type Layer = (typeof LAYERS)[number] | 'preload' | 'renderer';

const SHARED = new Set(['main/auth/errors.ts', 'main/auth/types.ts', 'main/ipc/contract-types.ts', 'main/i18n/strings.ts']);

function layerOf(file: string): Layer {
  if (SHARED.has(file)) return 'shared';
  if (file.startsWith('main/auth/') || file.startsWith('main/api/')) return 'core';
  if (file.startsWith('main/ipc/')) return 'ipc';
  if (file.startsWith('main/platform/') || file.startsWith('main/demo/') || file === 'main/deep-link.ts') return 'adapters';
  if (file === 'main/entry.ts' || file === 'main/index.ts' || file === 'main/app-config.ts' || file === 'main/desktop-names.ts') return 'root';
  if (file.startsWith('entries/')) return 'entries';
  if (file.startsWith('preload/')) return 'preload';
  if (file.startsWith('renderer/')) return 'renderer';
  throw new Error(`${file} has no layer: add it to test/unit/layers.test.ts and docs/layout.md`);
}

/** Whether code in `from` may import code in `to`. */
function mayImport(from: Layer, to: Layer): boolean {
  if (from === 'preload' || from === 'renderer') return to === 'shared' || to === from;
  // An entry point re-exports the preload bridge (entries/preload.ts); nothing else reaches into preload/.
  if (to === 'preload') return from === 'entries';
  if (to === 'renderer') return false;
  return LAYERS.indexOf(to) <= LAYERS.indexOf(from);
}

const ELECTRON_LAYERS: ReadonlySet<Layer> = new Set(['adapters', 'root', 'preload']);

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...listTs(rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

interface Edge {
  from: string;
  /** A repository-relative file for a relative import, else the package name. */
  to: string;
}

function resolveRelative(from: string, spec: string): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    try {
      if (statSync(path.join(ROOT, candidate)).isFile()) return candidate;
    } catch {
      // try the next spelling
    }
  }
  throw new Error(`${from}: cannot resolve '${spec}'`);
}

const FILES = [...listTs('main'), ...listTs('entries'), ...listTs('preload'), ...listTs('renderer')];
const EDGES: Edge[] = FILES.flatMap((from) =>
  ts.preProcessFile(readFileSync(path.join(ROOT, from), 'utf8'), true, true).importedFiles.map(({ fileName: spec }) => ({
    from,
    to: spec.startsWith('.') ? resolveRelative(from, spec) : spec,
  })),
);
const LOCAL = EDGES.filter((e) => e.to.includes('/') && e.to.endsWith('.ts'));

describe('layers', () => {
  test('the scanner sees the imports (sanity: the composition root imports every layer)', () => {
    const fromRoot = new Set(LOCAL.filter((e) => e.from === 'main/index.ts').map((e) => layerOf(e.to)));
    expect([...fromRoot].sort()).toEqual(['adapters', 'core', 'ipc', 'root', 'shared']);
  });

  test.each(FILES)('%s has a layer', (file) => {
    expect(() => layerOf(file)).not.toThrow();
  });

  test('no import climbs back up', () => {
    const climbing = LOCAL.filter((e) => !mayImport(layerOf(e.from), layerOf(e.to))).map((e) => `${e.from} (${layerOf(e.from)}) -> ${e.to} (${layerOf(e.to)})`);
    expect(climbing).toEqual([]);
  });

  test('main/api/ imports only main/api/ and the shared auth files', () => {
    const wrong = LOCAL.filter((e) => e.from.startsWith('main/api/') && !e.to.startsWith('main/api/') && !SHARED.has(e.to)).map((e) => `${e.from} -> ${e.to}`);
    expect(wrong).toEqual([]);
  });

  test('electron is imported only by adapters, the composition root and the preload', () => {
    const wrong = EDGES.filter((e) => (e.to === 'electron' || e.to.startsWith('electron/')) && !ELECTRON_LAYERS.has(layerOf(e.from))).map((e) => e.from);
    expect(wrong).toEqual([]);
    // In particular the auth core, which other apps reuse.
    expect(EDGES.some((e) => e.from.startsWith('main/auth/') && e.to.startsWith('electron'))).toBe(false);
  });

  test('no import cycles between modules', () => {
    const next = new Map<string, string[]>();
    for (const e of LOCAL) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const to of next.get(file) ?? []) visit(to, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of FILES) visit(file, []);
    expect(cycles).toEqual([]);
  });
});

test('docs/layout.md names every module of the auth core that is not a helper (a new one is listed where a newcomer looks)', () => {
  const doc = readFileSync(path.join(ROOT, 'docs', 'layout.md'), 'utf8');
  const layout = /^# Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  expect(layout).toContain('auth-core.ts');
  // Small helpers the listing covers with "…"; every other module must be named.
  const helpers = new Set([
    'errors.ts',
    'types.ts',
    'zod.ts',
    'log.ts',
    'json-path.ts',
    'json-file-store.ts',
    'backoff.ts',
    'callback-url.ts',
    'dpop.ts',
    'loopback-redirect.ts',
    'pending-sign-ins.ts',
    'protocol-features.ts',
    'token-set.ts',
    'userinfo.ts',
  ]);
  const unnamed = readdirSync(path.join(ROOT, 'main/auth')).filter((f) => f.endsWith('.ts') && !helpers.has(f) && !layout.includes(f));
  expect(unnamed).toEqual([]);
});

/** Every package (not relative module) that `entry` reaches through its static and dynamic imports. */
function packagesReachedFrom(entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  const packages = new Set<string>();
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    for (const e of EDGES.filter((edge) => edge.from === file)) {
      if (!e.to.endsWith('.ts')) packages.add(e.to);
      else if (!seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return packages;
}

describe("the package's entry points", () => {
  test('oidc-desktop (the core) and oidc-desktop/renderer reach no electron, electron-store or Node-only glue', () => {
    for (const entry of ['entries/core.ts', 'entries/renderer.ts']) {
      const reached = [...packagesReachedFrom(entry)];
      expect(reached.filter((p) => p === 'electron' || p.startsWith('electron/') || p === 'electron-store')).toEqual([]);
    }
    // The scanner does see packages (sanity): the core uses openid-client.
    expect(packagesReachedFrom('entries/core.ts').has('openid-client')).toBe(true);
    expect(packagesReachedFrom('entries/main.ts').has('electron')).toBe(true);
  });

  test('oidc-desktop/renderer exports types only: the page imports no code from the package', () => {
    const text = readFileSync(path.join(ROOT, 'entries/renderer.ts'), 'utf8');
    const statements = text.split('\n').filter((l) => /^export\b/.test(l));
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((l) => !l.startsWith('export type '))).toEqual([]);
  });

  test('the entry points only re-export: the code lives in its layer', () => {
    for (const file of listTs('entries')) {
      const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\*[^]*?\*\//g, '');
      expect(text, file).not.toMatch(/^\s*(const|let|function|class|if|await)\b/m);
    }
  });
});

test('the layer rule itself: a climbing import is refused', () => {
  expect(mayImport('core', 'ipc')).toBe(false);
  expect(mayImport('ipc', 'adapters')).toBe(false);
  expect(mayImport('shared', 'core')).toBe(false);
  expect(mayImport('renderer', 'core')).toBe(false);
  expect(mayImport('adapters', 'ipc')).toBe(true);
  expect(mayImport('root', 'adapters')).toBe(true);
});

/**
 * Electron security checklist items not already covered by window.test.ts
 * and platform.test.ts: the CSP (meta and header), the preload's surface,
 * and that nothing the renderer can reach hands out a token.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../main/ipc/contract-types';

const root = path.resolve(import.meta.dirname, '../..');

const exposed: Record<string, unknown> = {};
const invoked: Array<[string, unknown]> = [];
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
  ipcRenderer: {
    invoke: async (channel: string, payload: unknown) => void invoked.push([channel, payload]),
    on: () => {},
    removeListener: () => {},
  },
  protocol: { handle: () => {}, registerSchemesAsPrivileged: () => {} },
}));

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((p) => p[0]).map(([name, ...values]) => [name!, values]));
}

function assertStrictCsp(csp: string): void {
  const d = directives(csp);
  expect(d.get('default-src')).toEqual(["'none'"]);
  expect(d.get('script-src')).toEqual(["'self'"]);
  expect(d.get('connect-src')).toEqual(["'none'"]);
  expect(d.get('base-uri')).toEqual(["'none'"]);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|http:|https:/);
}

describe('security checklist', () => {
  it('#7 CSP: the renderer page carries a strict policy in a meta tag', () => {
    const html = readFileSync(path.join(root, 'renderer/index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
    expect(meta).not.toBeNull();
    assertStrictCsp(meta![1]!);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i); // no inline script
  });

  it('#7 CSP: the app:// protocol sends the same strict policy as a header', async () => {
    const { RENDERER_CSP } = await import('../../main/platform/app-protocol');
    assertStrictCsp(RENDERER_CSP);
    expect(directives(RENDERER_CSP).get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('#20 the preload exposes one named function per message and nothing generic', async () => {
    await import('../../preload/index');
    const api = exposed.auth as Record<string, unknown>;
    expect(Object.keys(exposed)).toEqual(['auth']);
    expect(Object.keys(api).sort()).toEqual(['cancelSignIn', 'getSession', 'listProviders', 'onSessionChanged', 'request', 'signIn', 'signOut']);
    for (const fn of Object.values(api)) expect(typeof fn).toBe('function');
    // Each function reaches exactly its own channel, whatever the page passes.
    await (api.getSession as (x: unknown) => Promise<void>)('auth:sign-out');
    await (api.request as (x: unknown) => Promise<void>)({ method: 'GET', path: '/me' });
    expect(invoked.map(([c]) => c)).toEqual([IPC_CHANNELS.getSession, IPC_CHANNELS.request]);
    const source = readFileSync(path.join(root, 'preload/index.ts'), 'utf8');
    expect(source).not.toMatch(/ipcRenderer\.send\(|invoke:\s*\(|exposeInMainWorld\([^)]*ipcRenderer\b/);
  });

  it('no token-shaped name anywhere in the renderer sources', () => {
    for (const file of ['renderer/main.ts', 'renderer/error-text.ts', 'renderer/index.html']) {
      expect(readFileSync(path.join(root, file), 'utf8')).not.toMatch(/access_?token|refresh_?token|id_?token|accessToken|refreshToken/i);
    }
  });
});

import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electronModule);

import { createMainWindow, secureWebPreferences } from '../../main/platform/window';
import { fakeEvent, FakeBrowserWindow, resetFakeElectron, shell } from './fake-electron';

beforeEach(() => {
  resetFakeElectron();
});

function openWindow() {
  createMainWindow({ preloadPath: '/app/dist/preload/index.cjs', url: 'app://renderer/index.html' });
  const win = FakeBrowserWindow.instances.at(-1)!;
  return { win, wc: win.webContents };
}

// The exact secure preference set is pinned by security-checklist.test.ts (#2–#4, #6, #8, #9, #11).
describe('createMainWindow', () => {
  it('creates the window with exactly the secure preferences and loads the app origin', () => {
    const { win } = openWindow();
    expect(win.options.webPreferences).toEqual(secureWebPreferences('/app/dist/preload/index.cjs'));
    expect(win.loadURL).toHaveBeenCalledWith('app://renderer/index.html');
  });

  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])('%s: remote and file URLs are prevented, the app origin is not', (eventName) => {
    const { wc } = openWindow();
    for (const url of ['https://evil.example/', 'http://127.0.0.1:4000/', 'file:///etc/passwd', 'app://evil/index.html', 'javascript:alert(1)']) {
      const e = fakeEvent(url);
      wc.emit(eventName, e);
      expect(e.defaultPrevented, url).toBe(true);
    }
    const ok = fakeEvent('app://renderer/index.html#/settings');
    wc.emit(eventName, ok);
    expect(ok.defaultPrevented).toBe(false);
  });

  it('window.open is always denied and never reaches the system browser, https included', () => {
    const { wc } = openWindow();
    for (const url of ['https://docs.example.com/help', 'file:///etc/passwd', 'app://renderer/index.html', 'http://example.com/', 'smb://host/share']) {
      expect(wc.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('a download the page starts is cancelled before any save dialog (will-download)', () => {
    const { wc } = openWindow();
    const e = fakeEvent();
    wc.session.emit('will-download', e, { getURL: () => 'https://evil.example/payload.exe' }, wc);
    expect(e.defaultPrevented).toBe(true);
  });

  it('DevTools are off unless the window is asked for them (a development run)', () => {
    expect(openWindow().win.options.webPreferences).toMatchObject({ devTools: false });
    createMainWindow({ preloadPath: '/p.cjs', url: 'app://renderer/index.html', devTools: true });
    expect(FakeBrowserWindow.instances.at(-1)!.options.webPreferences).toMatchObject({ devTools: true });
  });

  it("every permission request and check is denied, except writing to the clipboard from the app's own page", () => {
    const { wc } = openWindow();
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      const callback = vi.fn();
      wc.session.requestHandler!(wc, permission, callback, { requestingUrl: 'app://renderer/index.html' });
      expect(callback).toHaveBeenCalledWith(false);
      expect(wc.session.checkHandler!(wc, permission, 'app://renderer', {})).toBe(false);
    }
    // "Copy link" / "Copy code" (navigator.clipboard.writeText): only the app's page, never another origin.
    const write = (requestingUrl: string) => {
      const callback = vi.fn();
      wc.session.requestHandler!(wc, 'clipboard-sanitized-write', callback, { requestingUrl });
      return callback.mock.calls[0]?.[0] as boolean;
    };
    expect(write('app://renderer/index.html')).toBe(true);
    expect(write('https://evil.example/')).toBe(false);
    expect(wc.session.checkHandler!(wc, 'clipboard-sanitized-write', 'app://renderer', {})).toBe(true);
    expect(wc.session.checkHandler!(wc, 'clipboard-sanitized-write', 'https://evil.example', {})).toBe(false);
  });

  it('attaching a <webview> is prevented', () => {
    const { wc } = openWindow();
    const e = fakeEvent();
    const prefs = { nodeIntegration: true };
    wc.emit('will-attach-webview', e, prefs, { src: 'https://evil.example' });
    expect(e.defaultPrevented).toBe(true);
  });

  it('the window is shown when ready, not before', () => {
    const { win } = openWindow();
    expect(win.options.show).toBe(false);
    expect(win.show).not.toHaveBeenCalled();
    win.emit('ready-to-show');
    expect(win.show).toHaveBeenCalledTimes(1);
  });
});

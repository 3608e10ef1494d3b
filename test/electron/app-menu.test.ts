/**
 * The app menu against the fake Electron (test/electron/fake-electron.ts):
 * what `main()` installs, what a packaged build leaves out, and that About
 * shows the version and can open the licences.
 */
import { beforeEach, describe, expect, test, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electronModule);

import { aboutText, installAppMenu, type AppMenuOptions } from '../../main/platform/app-menu';
import { dialog, Menu, resetFakeElectron, shell, type FakeMenuItem } from './fake-electron';

const BASE: AppMenuOptions = {
  productName: 'Acme Desktop',
  version: '1.2.3',
  language: 'en',
  packaged: true,
  platform: 'linux',
  noticesPath: '/opt/acme/resources/app/dist/main/THIRD_PARTY_NOTICES.txt',
};

beforeEach(() => {
  resetFakeElectron();
});

function installed(o: Partial<AppMenuOptions> = {}): FakeMenuItem[] {
  installAppMenu({ ...BASE, ...o });
  if (!Menu.applicationMenu) throw new Error('no application menu was set');
  return Menu.applicationMenu;
}

const roles = (items: FakeMenuItem[]): string[] => items.flatMap((i) => [...(i.role ? [i.role] : []), ...roles(i.submenu ?? [])]);
const labels = (items: FakeMenuItem[]): string[] => items.flatMap((i) => [...(i.label ? [i.label] : []), ...labels(i.submenu ?? [])]);

describe('application menu', () => {
  test('packaged: Edit with copy and paste, Window, Help → About; no developer items', () => {
    const menu = installed();
    expect(menu.map((m) => m.label)).toEqual(['Edit', 'Window', 'Help']);
    expect(roles(menu)).toEqual(expect.arrayContaining(['copy', 'paste', 'cut', 'selectAll', 'minimize']));
    expect(roles(menu)).not.toContain('toggleDevTools');
    expect(roles(menu)).not.toContain('reload');
    expect(labels(menu)).toContain('About Acme Desktop');
  });

  test('a development run adds View with reload and DevTools', () => {
    expect(roles(installed({ packaged: false }))).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  test('macOS: the app menu first, named after the product, with About and Quit', () => {
    const menu = installed({ platform: 'darwin' });
    expect(menu[0]?.label).toBe('Acme Desktop');
    expect(labels(menu[0]?.submenu ?? [])).toContain('About Acme Desktop');
    expect(roles(menu[0]?.submenu ?? [])).toContain('quit');
  });

  test('German OS locale: the menu speaks German', () => {
    expect(installed({ language: 'de' }).map((m) => m.label)).toEqual(['Bearbeiten', 'Fenster', 'Hilfe']);
  });

  test('About shows the version; its Licences button opens the notices file', async () => {
    dialog.showMessageBox.mockResolvedValueOnce({ response: 1 });
    const help = installed().find((m) => m.label === 'Help');
    help?.submenu?.find((i) => i.label === 'About Acme Desktop')?.click?.();
    expect(dialog.showMessageBox).toHaveBeenCalledWith(
      expect.objectContaining({ message: 'Acme Desktop', detail: expect.stringContaining('Version 1.2.3') as unknown }),
    );
    await vi.waitFor(() => {
      expect(shell.openPath).toHaveBeenCalledWith(BASE.noticesPath);
    });
    expect(aboutText(BASE).detail).toMatch(/licence/i);
  });
});

/**
 * The app's own menu instead of Electron's default (which offers "Toggle
 * Developer Tools", "Force Reload" and links to electronjs.org in every
 * build): the macOS app menu, Edit (the text fields need copy and paste),
 * Window, and Help → About with the version and where the licences are.
 * Developer items (reload, DevTools) exist only in unpackaged runs.
 *
 * `appMenuTemplate` is pure, so what a packaged build offers is tested
 * without Electron; `installAppMenu` is the thin part that hands it over.
 */
import { dialog, Menu, shell, type MenuItemConstructorOptions } from 'electron';
import { format, type Language } from '../i18n/strings';

export interface AppMenuOptions {
  productName: string;
  version: string;
  language: Language;
  /** `app.isPackaged`: no developer items when true. */
  packaged: boolean;
  platform: NodeJS.Platform;
  /** The third-party notices the build wrote (dist/main/THIRD_PARTY_NOTICES.txt); offered from About. */
  noticesPath: string;
}

/** What About shows; a function of its own so the menu test can read it without a dialog. */
export function aboutText(o: Pick<AppMenuOptions, 'productName' | 'version' | 'language'>): { message: string; detail: string } {
  return { message: o.productName, detail: format(o.language, 'about.detail', { version: o.version }) };
}

export function appMenuTemplate(o: AppMenuOptions, onAbout: () => void): MenuItemConstructorOptions[] {
  const t = (key: Parameters<typeof format>[1]) => format(o.language, key, { product: o.productName });
  const about: MenuItemConstructorOptions = { label: t('menu.about'), click: onAbout };
  const mac = o.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: o.productName,
      submenu: [about, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
    });
  }
  template.push({
    label: t('menu.edit'),
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  });
  if (!o.packaged) {
    template.push({ label: t('menu.view'), submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }] });
  }
  template.push({
    label: t('menu.window'),
    submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }],
  });
  // macOS has About in the app menu; elsewhere Help is where people look for it.
  template.push({ role: 'help', label: t('menu.help'), submenu: mac ? [{ label: t('menu.licences'), click: onAbout }] : [about] });
  return template;
}

/** Sets the menu for every window; About opens a message box that can open the licences file. */
export function installAppMenu(o: AppMenuOptions): void {
  const onAbout = () => {
    const { message, detail } = aboutText(o);
    void dialog
      .showMessageBox({
        type: 'info',
        title: format(o.language, 'menu.about', { product: o.productName }),
        message,
        detail,
        buttons: ['OK', format(o.language, 'menu.licences')],
      })
      .then(({ response }) => {
        if (response === 1) void shell.openPath(o.noticesPath);
      });
  };
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(o, onAbout)));
}

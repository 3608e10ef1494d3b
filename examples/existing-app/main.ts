// The app's main process: sign-in is the marked block, the rest is the app as it was.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow } from 'electron';
// Sign-in, as docs/add-sign-in-to-an-existing-app.md shows it:
// --- sign-in: main ---
import { parseAppConfig } from 'oidc-desktop';
import { installAuth } from 'oidc-desktop/main';

let win: BrowserWindow | null = null;
const config = parseAppConfig(JSON.parse(readFileSync(path.join(import.meta.dirname, 'auth.config.json'), 'utf8')));
const firstInstance = app.requestSingleInstanceLock(); // a second instance hands its deep link to the first
if (!firstInstance) app.quit(); // Electron still emits `ready` in it: it must start nothing
const auth =
  firstInstance &&
  installAuth({ app, config, getWindow: () => win, rendererOrigins: ['file://'] }).catch((err: unknown) => {
    console.error('Sign-in could not start:', err); // invalid_config: the message names the field
    app.quit();
    return null;
  });
app.on('will-quit', () => auth && void auth.then((a) => a?.dispose()));
// --- end sign-in: main ---

void app.whenReady().then(async () => {
  if (!firstInstance) return;
  win = new BrowserWindow({
    width: 480,
    height: 360,
    webPreferences: { preload: path.join(import.meta.dirname, 'preload.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  win.on('closed', () => {
    win = null;
  });
  await win.loadFile(path.join(import.meta.dirname, 'index.html'));
});

/**
 * `npm start` (after the build): runs the app in Electron. When the binary is
 * missing it tries Electron's own download once; when that fails too (no
 * access to GitHub, a proxy), it says so in one plain message with the ways
 * out — instead of Electron's stack trace and advice that fails the same way.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { locateElectron } from './electron-binary';

/** The download's own complaint in one line (its last error line), without the stack. */
function downloadFailure(output: string): string {
  const lines = output.split('\n').map((l) => l.trim());
  const error = lines.filter((l) => /error/i.test(l) && !l.startsWith('at ')).at(-1);
  return (error ?? lines.filter(Boolean).at(-1) ?? 'no output').slice(0, 200);
}

export function missingElectronMessage(cause: string): string {
  return [
    `The app cannot start: the Electron binary is missing (${cause}).`,
    '',
    'Ways to go on:',
    '  - Download it from a mirror you can reach:   ELECTRON_MIRROR=https://your-mirror/electron/ npm start',
    '  - Use an Electron 45 you already have:        ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron-dist npm start',
    '  - See and use the app without Electron:      npm run preview',
    '',
  ].join('\n');
}

function start(): void {
  let found = locateElectron();
  if ('missing' in found && found.packageDir && !process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    process.stdout.write('Downloading the Electron binary (first start)…\n');
    const result = spawnSync(process.execPath, [path.join(found.packageDir, 'install.js')], { encoding: 'utf8', timeout: 300_000 });
    found = locateElectron();
    if ('missing' in found) {
      const why = result.error ? result.error.message : downloadFailure(`${result.stdout}\n${result.stderr}`);
      found = { missing: `the download failed: ${why}` };
    }
  }
  if ('missing' in found) {
    process.stderr.write(missingElectronMessage(found.missing));
    process.exitCode = 1;
    return;
  }
  const child = spawn(found.executablePath, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

start();

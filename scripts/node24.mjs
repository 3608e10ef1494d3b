#!/usr/bin/env node
// Runs a command on Node.js 24, the Node that Electron 45 embeds in the main
// process, so the tests and the bench see the runtime users have (not the
// machine's older Node: oidc-provider's "Unsupported runtime", npm's
// EBADENGINE, no compile cache to measure).
//
//   node scripts/node24.mjs <command> [args...]   run it with Node 24 first on PATH
//   node scripts/node24.mjs --print               install if needed, print the binary's path
//
// When the running Node is already major 24 it is used as it is. Otherwise
// the binary comes from the npm registry only: the `node-<platform>-<arch>`
// package (the binary is inside its tarball, no install script), pinned with
// its integrity in scripts/node24/package-lock.json and installed by `npm ci`
// into .cache/node24/ (outside node_modules, which `npm ci` of the project
// wipes). Child processes find it because its directory goes first on PATH:
// npm, npx, vitest and Playwright start through `#!/usr/bin/env node`, and
// their workers through process.execPath, which is then Node 24 too.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const MAJOR = 24;
const root = path.resolve(import.meta.dirname, '..');
const manifestDir = path.join(import.meta.dirname, 'node24');
const cacheDir = path.join(root, '.cache', 'node24');

const lock = JSON.parse(readFileSync(path.join(manifestDir, 'package-lock.json'), 'utf8'));
const pkgName = `node-${process.platform}-${process.arch}`;
const pinned = lock.packages[`node_modules/${pkgName}`]?.version;

const majorOf = (version) => Number(version.split('.')[0]);

function installedVersion(dir) {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** npm as the running npm started us (npm_execpath), else the one on PATH. */
function npmCommand() {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.[cm]?js$/.test(cli)) return { cmd: process.execPath, pre: [cli] };
  return { cmd: 'npm', pre: [] };
}

/** The path of a Node 24 binary: this process's own, or the pinned package's (installed on first use). */
function node24Binary() {
  if (majorOf(process.versions.node) === MAJOR) return process.execPath;
  if (!pinned) {
    throw new Error(
      `Node ${process.versions.node} is running and the npm registry has no pinned Node ${MAJOR} package for ${process.platform}-${process.arch} ` +
        `(scripts/node24/package.json): install Node ${MAJOR}, the version Electron 45 embeds, and run again.`,
    );
  }
  const pkgDir = path.join(cacheDir, 'node_modules', pkgName);
  const bin = path.join(pkgDir, 'bin', 'node');
  if (installedVersion(pkgDir) !== pinned || !existsSync(bin)) {
    mkdirSync(cacheDir, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(manifestDir, f), path.join(cacheDir, f));
    process.stderr.write(`node24: installing ${pkgName}@${pinned} from the npm registry into ${path.relative(root, cacheDir)}/\n`);
    const npm = npmCommand();
    // stdout goes to stderr: `--print` must print nothing but the path.
    const r = spawnSync(npm.cmd, [...npm.pre, 'ci', '--prefix', cacheDir, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
      stdio: ['ignore', 2, 2],
      shell: process.platform === 'win32' && npm.cmd === 'npm',
    });
    if (r.status !== 0) throw new Error(`node24: npm ci of ${pkgName}@${pinned} failed (${r.status ?? r.signal})`);
  }
  const probe = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (probe.status !== 0 || probe.stdout.trim() !== pinned) {
    throw new Error(`node24: ${bin} does not run as Node ${pinned} (${probe.error?.message ?? probe.stderr.trim()})`);
  }
  return bin;
}

/** process.env with `bin`'s directory first on PATH and npm's notion of "the node" pointing at it. */
function envFor(bin, env = process.env) {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  return { ...env, [key]: `${path.dirname(bin)}${path.delimiter}${env[key] ?? ''}`, NODE: bin, npm_node_execpath: bin };
}

if (path.resolve(process.argv[1] ?? '') === import.meta.filename) {
  const [command, ...args] = process.argv.slice(2);
  let bin;
  try {
    bin = node24Binary();
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  if (command === '--print' || command === undefined) {
    process.stdout.write(`${bin}\n`);
    process.exit(0);
  }
  const r = spawnSync(command === 'node' ? bin : command, args, {
    stdio: 'inherit',
    env: envFor(bin),
    // npm and npx are .cmd scripts on Windows, which only a shell starts.
    shell: process.platform === 'win32' && command !== 'node',
  });
  if (r.error) process.stderr.write(`node24: ${command}: ${r.error.message}\n`);
  process.exit(r.status ?? 1);
}

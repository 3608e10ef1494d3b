/**
 * Debian's tinyproxy (a real HTTP proxy with CONNECT tunnelling and Basic
 * proxy authentication), started for a test on 127.0.0.1 with a temporary
 * configuration. Its log shows which tunnels it opened, so a test can prove
 * that traffic went through it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import path from 'node:path';

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find((candidate) => existsSync(candidate));
}

/** `TINYPROXY_PATH`, else tinyproxy on the PATH (Homebrew on macOS), else Debian's. */
export const TINYPROXY = process.env.TINYPROXY_PATH?.trim() || onPath('tinyproxy') || '/usr/bin/tinyproxy';

/** Why the proxy tests cannot run here, or null. */
export const TINYPROXY_MISSING = existsSync(TINYPROXY)
  ? null
  : `no tinyproxy at ${TINYPROXY}: install it (Debian: apt-get install tinyproxy, which .ci/run does; macOS: brew install tinyproxy) or set TINYPROXY_PATH`;

export interface Tinyproxy {
  url: string;
  port: number;
  /** Target `host:port` of every CONNECT tunnel it was asked for so far. */
  connects(): string[];
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) =>
    server.listen(0, '127.0.0.1', () => {
      r();
    }),
  );
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function waitForListen(port: number, child: ChildProcess): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => {
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('tinyproxy did not start listening in time');
}

export async function startTinyproxy(dir: string, opts: { basicAuth?: { user: string; password: string } } = {}): Promise<Tinyproxy> {
  if (TINYPROXY_MISSING) throw new Error(TINYPROXY_MISSING);
  const port = await freePort();
  const name = `tinyproxy-${port}`;
  const log = path.join(dir, `${name}.log`);
  const conf = path.join(dir, `${name}.conf`);
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      'LogLevel Connect',
      `LogFile "${log}"`,
      'MaxClients 50',
      'Allow 127.0.0.1',
      ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.password}`] : []),
      '',
    ].join('\n'),
  );
  const child = spawn(TINYPROXY, ['-d', '-c', conf], { stdio: 'ignore' });
  await waitForListen(port, child);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects: () => {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      return [...text.matchAll(/Request \(file descriptor \d+\): CONNECT (\S+) HTTP/g)].map((m) => m[1]!);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Checklist (SECURITY.md "The loopback listener answers only its own
 * callback"): the one-time loopback redirect listener (RFC 8252 §7.3) against
 * raw TCP sockets from node:net — a DNS-rebinding page's Host header, a flood
 * of idle connections, a client dripping its headers byte by byte.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOPBACK_HEADERS_TIMEOUT_MS, LOOPBACK_MAX_CONNECTIONS, openLoopbackRedirect, type LoopbackRedirect } from '../../main/auth/loopback-redirect';

let listener: LoopbackRedirect | null = null;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await listener?.close();
  listener = null;
});

async function open(onCallback: (url: string) => boolean = () => true): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  listener = await openLoopbackRedirect({
    onCallback: (url) => {
      seen.push(url);
      return onCallback(url);
    },
    logger: () => {},
  });
  return { port: Number(new URL(listener.redirectUri).port), seen };
}

function socketTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      resolve(s);
    });
    s.on('error', reject);
    sockets.push(s);
  });
}

/** Sends a raw request and reads the status line of the answer. */
async function rawGet(port: number, host: string, target = '/callback?code=c&state=s'): Promise<number> {
  const s = await socketTo(port);
  return new Promise((resolve, reject) => {
    let data = '';
    s.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (m) resolve(Number(m[1]));
    });
    s.on('close', () => {
      reject(new Error(`closed without an answer: ${data}`));
    });
    s.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

function closed(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) resolve();
    s.once('close', () => {
      resolve();
    });
  });
}

describe('the loopback redirect listener', () => {
  it.each([
    ['a DNS-rebinding host name', (port: number) => `attacker.example:${port}`],
    ['localhost (not the registered redirect)', (port: number) => `localhost:${port}`],
    ['the right address on another port', (port: number) => `127.0.0.1:${port + 1}`],
    ['no port', () => '127.0.0.1'],
  ])('a callback with Host %s is refused and never reaches the core', async (_label, host) => {
    const { port, seen } = await open();
    expect(await rawGet(port, host(port))).toBe(421);
    expect(seen).toEqual([]);
    // The genuine callback still gets through afterwards.
    expect(await rawGet(port, `127.0.0.1:${port}`)).toBe(200);
    expect(seen).toEqual([`http://127.0.0.1:${port}/callback?code=c&state=s`]);
  });

  it(`keeps at most ${LOOPBACK_MAX_CONNECTIONS} connections: a flood of idle sockets is cut off at once`, async () => {
    const { port } = await open();
    const flood = await Promise.all(Array.from({ length: 60 }, () => socketTo(port)));
    // Node destroys a connection past maxConnections as soon as it is accepted.
    await Promise.race([Promise.all(flood.slice(LOOPBACK_MAX_CONNECTIONS).map(closed)), new Promise((r) => setTimeout(r, 2000))]);
    expect(flood.filter((s) => !s.destroyed).length).toBeLessThanOrEqual(LOOPBACK_MAX_CONNECTIONS);
  });

  it('drops a connection that drips its headers, soon after the headers timeout', async () => {
    const { port, seen } = await open();
    const s = await socketTo(port);
    const started = Date.now();
    const request = 'GET /callback?code=c&state=s HTTP/1.1\r\nHost: 127.0.0.1:' + String(port) + '\r\nX-Slow: ' + 'a'.repeat(200);
    let i = 0;
    const drip = setInterval(() => {
      if (!s.destroyed && i < request.length) s.write(request[i++] ?? '');
    }, 50);
    await closed(s);
    clearInterval(drip);
    // Before: ~32 s (Node checks its timeouts every 30 s by default). Now: the timeout plus one check interval, with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(LOOPBACK_HEADERS_TIMEOUT_MS + 3000);
    expect(seen).toEqual([]);
  }, 20_000);

  it('an idle connection that sends nothing is dropped too', async () => {
    const { port } = await open();
    const s = await socketTo(port);
    const started = Date.now();
    await closed(s);
    expect(Date.now() - started).toBeLessThan(LOOPBACK_HEADERS_TIMEOUT_MS + 3000);
  }, 20_000);
});

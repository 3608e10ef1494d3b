import { describe, expect, it } from 'vitest';
import { DeepLinkInbox, extractDeepLink, MAX_DEEP_LINK_BYTES } from '../../main/deep-link';

const S = 'com.example.desktop';
const LINK = 'com.example.desktop:/callback?code=x&state=y';

describe('extractDeepLink', () => {
  it.each<[string, string[], string | null]>([
    ['packaged app, link only', ['/opt/App/app', LINK], LINK],
    ['dev mode: electron + script + link', ['/usr/lib/electron/electron', '/home/me/app/dist/main/index.js', LINK], LINK],
    ['Windows: Chromium switch before the link', ['C:\\app.exe', '--allow-file-access-from-files', LINK], LINK],
    ['Windows: switches on both sides', ['C:\\Program Files\\App\\app.exe', '--original-process-start-time=1', LINK, '--secondary'], LINK],
    ['upper-case scheme is the same scheme', ['C:\\app.exe', 'COM.EXAMPLE.DESKTOP:/callback?code=x&state=y'], 'COM.EXAMPLE.DESKTOP:/callback?code=x&state=y'],
    [
      'authority form is still our scheme (the core rejects the path)',
      ['app', 'com.example.desktop://callback?state=y'],
      'com.example.desktop://callback?state=y',
    ],
    ['error response', ['app', 'com.example.desktop:/callback?error=access_denied&state=y'], 'com.example.desktop:/callback?error=access_denied&state=y'],
  ])('accepts: %s', (_name, argv, expected) => {
    expect(extractDeepLink(argv, S)).toBe(expected);
  });

  it.each<[string, string[]]>([
    ['no arguments', []],
    ['executable only', ['C:\\app.exe']],
    ['flags but no link', ['C:\\app.exe', '--allow-file-access-from-files', '--inspect=9229']],
    ['two links', ['app', LINK, 'com.example.desktop:/callback?code=z&state=w']],
    ['the same link twice', ['app', LINK, LINK]],
    ['our scheme smuggled in a flag next to a link', ['app', '--open-url=com.example.desktop:/callback?code=a&state=b', LINK]],
    ['our scheme only inside a flag', ['app', '--x=com.example.desktop:/callback?code=a&state=b']],
    ['another scheme', ['app', 'com.evil.desktop:/callback?code=x&state=y']],
    ['a prefix of our scheme', ['app', 'com.example.desktop2:/callback?code=x&state=y']],
    ['our scheme as a suffix of another', ['app', 'xcom.example.desktop:/callback']],
    ['https link', ['app', 'https://example.com/callback?code=x']],
    ['file link', ['app', 'file:///etc/passwd']],
    ['embedded newline', ['app', 'com.example.desktop:/callback?code=x\n--inspect']],
    ['embedded space', ['app', 'com.example.desktop:/callback?code=x --inspect']],
    ['NUL byte', ['app', 'com.example.desktop:/callback\u0000?code=x']],
    ['exactly 8 KB', ['app', `${LINK}&pad=${'a'.repeat(MAX_DEEP_LINK_BYTES - LINK.length - 5)}`]],
    ['oversized', ['app', `${LINK}&pad=${'a'.repeat(100_000)}`]],
    ['multi-byte characters pushing it over 8 KB', ['app', `${LINK}&pad=${'é'.repeat(MAX_DEEP_LINK_BYTES / 2)}`]],
  ])('refuses: %s', (_name, argv) => {
    expect(extractDeepLink(argv, S)).toBeNull();
  });

  it('accepts a link just under 8 KB', () => {
    const link = `${LINK}&pad=${'a'.repeat(MAX_DEEP_LINK_BYTES - LINK.length - 6)}`;
    expect(Buffer.byteLength(link)).toBe(MAX_DEEP_LINK_BYTES - 1);
    expect(extractDeepLink(['app', link], S)).toBe(link);
  });

  it('returns only the URL string, never the flags around it', () => {
    const argv = ['C:\\app.exe', '--remote-debugging-port=9222', '--no-sandbox', LINK, '--inspect-brk'];
    const out = extractDeepLink(argv, S);
    expect(out).toBe(LINK);
    expect(out).not.toContain('--');
  });

  it('the scheme given may be upper-case too', () => {
    expect(extractDeepLink(['app', LINK], 'COM.Example.Desktop')).toBe(LINK);
  });
});

describe('DeepLinkInbox', () => {
  it('queues links until a handler is attached, then hands them over in order', () => {
    const inbox = new DeepLinkInbox();
    inbox.deliver('a:/1');
    inbox.deliver(null);
    inbox.deliver('a:/2');
    expect(inbox.queued).toBe(2);
    const seen: string[] = [];
    inbox.attach((u) => seen.push(u));
    expect(seen).toEqual(['a:/1', 'a:/2']);
    expect(inbox.queued).toBe(0);
    inbox.deliver('a:/3');
    expect(seen).toEqual(['a:/1', 'a:/2', 'a:/3']);
  });

  it('keeps only the newest links when flooded before the core is ready', () => {
    const inbox = new DeepLinkInbox(3);
    for (let i = 0; i < 1000; i++) inbox.deliver(`a:/${i}`);
    const seen: string[] = [];
    inbox.attach((u) => seen.push(u));
    expect(seen).toEqual(['a:/997', 'a:/998', 'a:/999']);
  });
});

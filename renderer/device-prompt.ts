/**
 * The "sign in on another device" panel (RFC 8628 §3.3): the user code, the
 * address to open, the same address with the code as a QR code, and Copy.
 * Self-contained: it owns the elements inside its container, is given the
 * prompt from the session state, and writes text only with `textContent`.
 * The QR code is drawn as one SVG path (no markup from outside, no inline
 * style: the window's CSP stays as it is).
 *
 * The wording follows RFC 8628 §5.4 (remote phishing): the person is told to
 * enter the code only at the address shown, and only for a sign-in they
 * started here.
 */
import { encode } from 'uqr';
import type { DeviceSignInPrompt } from '../main/ipc/contract-types';
import { format, type Language } from '../main/i18n/strings';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The dark modules of a QR code as one SVG path (`d`), in module units, with a quiet zone of 4 (ISO/IEC 18004 §6.3.8). */
function qrPath(text: string): { size: number; d: string } {
  const { data } = encode(text, { ecc: 'M', border: 4 });
  const size = data.length;
  let d = '';
  data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    });
  });
  return { size, d };
}

/** "WDJB-MJHT" stays as it is; the host the person must see is the verification URI's. */
function verificationHost(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return uri;
  }
}

export interface DevicePanel {
  /** Shows `prompt` (or hides the panel for `undefined`). */
  show(prompt: DeviceSignInPrompt | undefined): void;
}

/** Builds the panel inside `container` (emptied first); `language` is read each time a prompt is shown. */
export function createDevicePanel(container: HTMLElement, language: () => Language = () => 'en'): DevicePanel {
  const t = (key: Parameters<typeof format>[1], values?: Readonly<Record<string, string | number>>) => format(language(), key, values);
  const doc = container.ownerDocument;
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] => {
    const node = doc.createElement(tag);
    node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const intro = el('p', 'device-intro');
  const code = el('p', 'device-code');
  code.dataset.testid = 'device-code';
  const copyCode = el('button', 'device-copy');
  copyCode.type = 'button';
  copyCode.dataset.testid = 'copy-device-code';
  const address = el('p', 'device-address');
  const link = el('code', 'device-uri');
  link.dataset.testid = 'device-uri';
  const copyUri = el('button', 'device-copy');
  copyUri.type = 'button';
  copyUri.dataset.testid = 'copy-device-uri';
  const before = doc.createTextNode('');
  const after = doc.createTextNode('');
  const qr = doc.createElementNS(SVG_NS, 'svg');
  qr.setAttribute('class', 'device-qr');
  qr.setAttribute('role', 'img');
  qr.dataset.testid = 'device-qr';
  const warning = el('p', 'device-warning');
  const expiry = el('p', 'device-expiry');
  const copied = el('p', 'device-copied');
  copied.setAttribute('role', 'status');
  container.replaceChildren(intro, code, copyCode, address, qr, warning, expiry, copied);

  let current: DeviceSignInPrompt | undefined;
  const copy = (text: string, done: 'device.codeCopied' | 'device.addressCopied') => {
    navigator.clipboard.writeText(text).then(
      () => (copied.textContent = t(done)),
      () => (copied.textContent = t('device.copyFailed')),
    );
  };
  copyCode.addEventListener('click', () => {
    if (current) copy(current.userCode, 'device.codeCopied');
  });
  copyUri.addEventListener('click', () => {
    if (current) copy(current.verificationUri, 'device.addressCopied');
  });

  return {
    show(prompt) {
      container.hidden = prompt === undefined;
      if (!prompt || (current?.userCode === prompt.userCode && current.verificationUri === prompt.verificationUri)) {
        current = prompt;
        return;
      }
      current = prompt;
      intro.textContent = t('device.intro', { host: verificationHost(prompt.verificationUri) });
      code.textContent = prompt.userCode;
      link.textContent = prompt.verificationUri;
      // The sentence around the address, split at its placeholder: the address itself stays a <code>.
      const [head = '', tail = ''] = t('device.open', { address: '\u0000' }).split('\u0000');
      before.textContent = head;
      after.textContent = `${tail} `;
      address.replaceChildren(before, link, after, copyUri);
      copyCode.textContent = t('device.copyCode');
      copyUri.textContent = t('device.copyAddress');
      warning.textContent = t('device.warning');
      copied.textContent = '';
      const minutes = Math.max(1, Math.round((prompt.expiresAt - Date.now()) / 60_000));
      expiry.textContent = t('device.expiry', { minutes });
      qr.replaceChildren();
      qr.toggleAttribute('hidden', prompt.verificationUriComplete === undefined);
      if (prompt.verificationUriComplete !== undefined) {
        const { size, d } = qrPath(prompt.verificationUriComplete);
        qr.setAttribute('viewBox', `0 0 ${size} ${size}`);
        qr.setAttribute('aria-label', t('device.qr', { host: verificationHost(prompt.verificationUriComplete) }));
        const background = doc.createElementNS(SVG_NS, 'rect');
        background.setAttribute('width', String(size));
        background.setAttribute('height', String(size));
        background.setAttribute('fill', '#fff');
        const modules = doc.createElementNS(SVG_NS, 'path');
        modules.setAttribute('d', d);
        modules.setAttribute('fill', '#000');
        qr.append(background, modules);
      }
    },
  };
}

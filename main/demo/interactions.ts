/**
 * The demo provider's own login and consent pages (oidc-provider's
 * devInteractions are off: they accept any password and warn loudly).
 * Server-rendered HTML, strict CSP, every echoed value escaped.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

export const DEMO_ACCOUNT = {
  sub: 'demo-user',
  username: 'demo',
  password: 'demo',
  name: 'Demo User',
  email: 'demo@example.test',
} as const;

/** A second demo person, so several accounts at one provider can be tried. */
export const DEMO_COLLEAGUE = {
  sub: 'demo-colleague',
  username: 'sam',
  password: 'sam',
  name: 'Sam Colleague',
  email: 'sam@example.test',
} as const;

export const DEMO_PEOPLE = [DEMO_ACCOUNT, DEMO_COLLEAGUE] as const;

/**
 * Authentication levels (`acr`, OIDC Core §2) of the demo: a password, or a
 * password and a one-time code. An authorization asking `acr_values` for the
 * second gets the code field; the level reached is recorded in the session
 * and so in the ID token and (demo-provider's `extraTokenClaims`) its tokens.
 */
export const DEMO_ACR = { password: 'urn:demo:pwd', mfa: 'urn:demo:mfa' } as const;
/** The demo's one-time code: shown on the page, like the demo password. */
export const DEMO_ONE_TIME_CODE = '246810';

export function demoPerson(sub: string | undefined): (typeof DEMO_PEOPLE)[number] | undefined {
  return DEMO_PEOPLE.find((p) => p.sub === sub);
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";
const STYLE =
  'body{font:16px system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1d2433}' +
  'label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1.25rem;margin-right:.5rem}.hint{background:#eef4ff;padding:.75rem;border-radius:6px}' +
  '.error{color:#a40000}';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': CSP,
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`,
  );
}

function loginPage(uid: string, opts: { error?: string; oneTimeCode?: boolean } = {}): string {
  const { error, oneTimeCode } = opts;
  return `<h1>Sign in to the demo provider</h1>
<p class="hint">Demo account: username <strong>${DEMO_ACCOUNT.username}</strong>, password <strong>${DEMO_ACCOUNT.password}</strong>
(or a second person: username <strong>${DEMO_COLLEAGUE.username}</strong>, password <strong>${DEMO_COLLEAGUE.password}</strong>)</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="username">Username</label><input id="username" name="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" required>
${
  oneTimeCode
    ? `<p class="hint">The app asks for a stronger sign-in: also enter the one-time code <strong>${DEMO_ONE_TIME_CODE}</strong>.</p>
<label for="otp">One-time code</label><input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" required>`
    : ''
}
<button type="submit">Sign in</button>
</form>`;
}

function consentPage(uid: string, clientId: string, scopes: string[]): string {
  return `<h1>Allow access?</h1>
<p>The app <strong>${escapeHtml(clientId)}</strong> asks to: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/confirm"><button id="allow" type="submit">Allow</button></form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button id="deny" type="submit">Deny</button></form>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** A request parameter as text: a repeated one joined with spaces, an absent one empty. */
function paramText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(paramText).join(' ');
  return '';
}

/** Routes `/interaction/:uid[/login|/confirm|/abort]`. `honoursAcr`: a login asking for the MFA level gets the one-time code field. */
export async function handleInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse, honoursAcr = true): Promise<void> {
  const path = (req.url ?? '').split('?')[0] ?? '';
  const [, , uid, action] = path.split('/');
  if (!uid) {
    send(res, 404, 'Not found', '<p>Not found.</p>');
    return;
  }
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, 'Expired', '<p>This sign-in page has expired. Start again from the app.</p>');
    return;
  }

  // Only a provider that honours acr_values (demo-provider's `acr`) asks for the second factor.
  const wantsMfa = honoursAcr && paramText(details.params.acr_values).split(' ').includes(DEMO_ACR.mfa);
  if (req.method === 'GET' && action === undefined) {
    if (details.prompt.name === 'login') {
      send(res, 200, 'Sign in', loginPage(uid, { oneTimeCode: wantsMfa }));
      return;
    }
    const scope = details.params.scope;
    const scopes = (typeof scope === 'string' ? scope : '').split(' ').filter(Boolean);
    send(res, 200, 'Allow access', consentPage(uid, String(details.params.client_id), scopes));
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, 'Not allowed', '<p>Method not allowed.</p>');
    return;
  }

  switch (action) {
    case 'login': {
      const form = await readForm(req);
      const person = DEMO_PEOPLE.find((p) => p.username === form.get('username') && p.password === form.get('password'));
      if (!person) {
        send(res, 200, 'Sign in', loginPage(uid, { error: 'Wrong username or password. Use the demo account shown above.', oneTimeCode: wantsMfa }));
        return;
      }
      if (wantsMfa && form.get('otp') !== DEMO_ONE_TIME_CODE) {
        send(res, 200, 'Sign in', loginPage(uid, { error: 'Wrong one-time code. Use the code shown above.', oneTimeCode: true }));
        return;
      }
      const login = wantsMfa ? { acr: DEMO_ACR.mfa, amr: ['pwd', 'otp'] } : { acr: DEMO_ACR.password, amr: ['pwd'] };
      await provider.interactionFinished(req, res, { login: { accountId: person.sub, ...login } }, { mergeWithLastSubmission: false });
      return;
    }
    case 'confirm': {
      const { prompt, params, session, grantId } = details;
      const accountId = session?.accountId;
      if (!accountId) throw new Error('no session');
      const grant = grantId ? await provider.Grant.find(grantId) : new provider.Grant({ accountId, clientId: String(params.client_id) });
      if (!grant) throw new Error('grant not found');
      const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const savedGrantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId: savedGrantId } }, { mergeWithLastSubmission: true });
      return;
    }
    case 'abort':
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The person denied access.' },
        { mergeWithLastSubmission: false },
      );
      return;
    default: {
      send(res, 404, 'Not found', '<p>Not found.</p>');
      return;
    }
  }
}

/**
 * The device flow's pages (RFC 8628 §3.3), in the same style: oidc-provider
 * renders the forms (with their CSRF field); these wrap them. The input page
 * carries the phishing warning of RFC 8628 §5.4 on the provider's side too.
 */
function sendFromProvider(ctx: KoaContextWithOIDC, title: string, body: string): void {
  ctx.type = 'html';
  ctx.set('content-security-policy', CSP);
  ctx.set('cache-control', 'no-store');
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export const deviceFlowPages = {
  userCodeInputSource: (ctx: KoaContextWithOIDC, form: string, _out: unknown, err: unknown): void => {
    const message = err ? '<p class="error" role="alert">That code is not valid (or has expired). Check it and try again.</p>' : '';
    sendFromProvider(
      ctx,
      'Connect a device',
      `<h1>Connect a device</h1>
<p>Enter the code that the app shows on the other computer.</p>
<p class="hint">Only enter a code that you got from the app yourself, just now. If someone sent you a code or asked you to enter one, stop here: they would be signing in as you.</p>
${message}${form.replace('placeholder="Enter code"', 'id="user_code" aria-label="Code" placeholder="Code"')}
<button type="submit" form="op.deviceInputForm" id="continue">Continue</button>`,
    );
  },
  userCodeConfirmSource: (ctx: KoaContextWithOIDC, form: string, _client: unknown, _deviceInfo: unknown, userCode: string): void => {
    sendFromProvider(
      ctx,
      'Confirm the device',
      `<h1>Confirm the device</h1>
<p>The app on the other computer shows this code: <strong id="confirm-code">${escapeHtml(userCode)}</strong>. Continue only if it matches and you started this sign-in.</p>
${form}
<button type="submit" form="op.deviceConfirmForm" id="confirm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" id="abort">Cancel</button>`,
    );
  },
  successSource: (ctx: KoaContextWithOIDC): void => {
    sendFromProvider(ctx, 'Device connected', '<h1>Device connected</h1><p id="device-done">You can close this page and go back to the app.</p>');
  },
};

import { describe, expect, it } from 'vitest';
import { parseAppConfig, type ProviderConfig } from '../../main/auth/config';
import { fillBodyTemplate, normalizeTokenResponse, quirksFetch } from '../../main/auth/token-quirks';

/** A fake fetch's request body as text, as `String(body)` would give it: quirksFetch sends a string or URLSearchParams. */
function bodyText(body: RequestInit['body']): string {
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body === undefined || body === null) return String(body);
  return Object.prototype.toString.call(body);
}

function provider(patch: Partial<ProviderConfig>): ProviderConfig {
  return parseAppConfig({
    scheme: 'com.example.desktop',
    providers: [
      {
        id: 'p',
        displayName: 'P',
        endpoints: { authorization: 'https://idp.example/a', token: 'https://idp.example/t' },
        clientId: 'c',
        scopes: [],
        apiBaseUrls: ['https://api.example'],
        ...patch,
      },
    ],
  }).providers[0]!;
}

describe('fillBodyTemplate', () => {
  const params = new URLSearchParams({ code: 'abc', client_id: 'cid', redirect_uri: 'x:/cb' });
  it.each([
    [{ code: '{{code}}' }, { code: 'abc' }],
    [
      { grant_type: 'authorization_code', n: 1, b: true, z: null },
      { grant_type: 'authorization_code', n: 1, b: true, z: null },
    ],
    [{ missing: '{{client_secret}}' }, {}],
    [{ inline: 'id={{client_id}}&u={{redirect_uri}}' }, { inline: 'id=cid&u=x:/cb' }],
    [{ inline: 'a{{nope}}b' }, { inline: 'ab' }],
    // Capacity's documented request body, as its profile writes it.
    [
      { grant_type: 'authorization_code', redirect_uri: '{{redirect_uri}}', code: '{{code}}', client_id: '{{client_id}}', client_secret: '{{client_secret}}' },
      { grant_type: 'authorization_code', redirect_uri: 'x:/cb', code: 'abc', client_id: 'cid' },
    ],
    [{ '{{code}}': 'keys are not templates' }, { '{{code}}': 'keys are not templates' }],
  ])('%j → %j', (template, expected) => {
    expect(fillBodyTemplate(template, params)).toEqual(expected);
  });
});

describe('fillBodyTemplate: typed placeholders', () => {
  const params = new URLSearchParams({ client_id: '4711', client_secret: 's', code: 'abc', refresh_token: 'true' });
  it("Capacity's unquoted {{client_id}} as a JSON number; booleans; absent values left out", () => {
    expect(
      fillBodyTemplate(
        { client_id: '{{client_id|number}}', client_secret: '{{client_secret}}', flag: '{{refresh_token|boolean}}', none: '{{state|number}}' },
        params,
      ),
    ).toEqual({
      client_id: 4711,
      client_secret: 's',
      flag: true,
    });
  });

  it.each([[{ n: '{{code|number}}' }], [{ n: '{{client_secret|boolean}}' }]])(
    '%j with a value of another type → invalid_config (never sent as something else)',
    (template) => {
      expect(() => fillBodyTemplate(template, params)).toThrowError(expect.objectContaining({ code: 'invalid_config' }));
    },
  );
});

describe('normalizeTokenResponse', () => {
  const now = 1_700_000_000;
  it.each([
    ['standard, token_type defaulted', {}, { access_token: 'a', expires_in: 60 }, { access_token: 'a', token_type: 'Bearer', expires_in: 60 }],
    [
      'nested paths',
      { tokenResponse: { accessToken: 'data.t.a', refreshToken: 'data.t.r', expiresIn: 'data.e' } },
      { data: { t: { a: 'A', r: 'R' }, e: 30 } },
      { access_token: 'A', refresh_token: 'R', expires_in: 30, token_type: 'Bearer' },
    ],
    [
      'created_at-relative expiry',
      { tokenResponse: { createdAt: 'created_at' } },
      { access_token: 'a', token_type: 'bearer', expires_in: 631152000, created_at: now - 100 },
      { access_token: 'a', token_type: 'bearer', expires_in: 631152000 - 100 },
    ],
    ['expiry already past clamps to 0', {}, { access_token: 'a', expires_in: 10, created_at: now - 100 }, { access_token: 'a', expires_in: 0 }],
    ['$.-prefixed path', { tokenResponse: { accessToken: '$.token' } }, { token: 'T' }, { access_token: 'T' }],
    ['expires_in as a numeric string', {}, { access_token: 'a', expires_in: '3600' }, { access_token: 'a', expires_in: 3600 }],
    [
      'Platform of Trust: state echoed, Bearer kept',
      {},
      { access_token: 'a', expires_in: 86400, token_type: 'Bearer', state: 's', refresh_token: 'r' },
      { access_token: 'a', expires_in: 86400, token_type: 'Bearer', refresh_token: 'r' },
    ],
    [
      'Capacity: nested tokens and lifetime',
      { tokenResponse: { accessToken: 'data.tokens.access', refreshToken: 'data.tokens.refresh', expiresIn: 'data.expires_in', tokenType: 'data.token_type' } },
      { data: { tokens: { access: 'A', refresh: 'R' }, expires_in: 3600, token_type: 'Bearer' } },
      { access_token: 'A', refresh_token: 'R', expires_in: 3600, token_type: 'Bearer' },
    ],
    [
      'inTandem: 20 years from created_at, issued 10 years ago',
      { tokenResponse: { createdAt: 'created_at' } },
      { access_token: 'a', token_type: 'bearer', expires_in: 631152000, created_at: now - 315576000 },
      { access_token: 'a', token_type: 'bearer', expires_in: 631152000 - 315576000 },
    ],
    [
      'Capacity: flat, capitalised as the document writes it, read without regard to case',
      { tokenResponse: { accessToken: 'Access_token', refreshToken: 'Refresh_token', tokenType: 'Token_type', expiresIn: 'Expire_in', ignoreCase: true } },
      { access_token: 'A', REFRESH_TOKEN: 'R', Token_type: 'Bearer', Scope: 'read', expire_in: 3600 },
      { access_token: 'A', refresh_token: 'R', expires_in: 3600, token_type: 'Bearer' },
    ],
    [
      'Proto: Access_Token / Refresh_Token with the default paths and ignoreCase',
      { tokenResponse: { ignoreCase: true } },
      { Access_Token: 'A', Refresh_Token: 'R', expires_in: 60 },
      { access_token: 'A', refresh_token: 'R', expires_in: 60 },
    ],
  ] as const)('%s', (_label, patch, body, expected) => {
    expect(normalizeTokenResponse(body, provider(patch as Partial<ProviderConfig>), now)).toMatchObject(expected);
  });

  it.each([
    ['without ignoreCase, a capitalised key is not read', {}, { Access_token: 'A' }],
    ['two keys differing only in case are ambiguous: neither is read', { tokenResponse: { ignoreCase: true } }, { Access_Token: 'A', ACCESS_TOKEN: 'B' }],
  ] as const)('%s → invalid_response', (_label, patch, body) => {
    expect(() => normalizeTokenResponse(body, provider(patch as Partial<ProviderConfig>), now)).toThrowError(
      expect.objectContaining({ code: 'invalid_response' }),
    );
  });

  it.each([
    ['no expires_in: none invented', {}, { access_token: 'a', expires_in: 'soon' }, 'expires_in'],
    [
      'no refresh token at the configured path: none kept from the top level',
      { tokenResponse: { refreshToken: 'data.r' } },
      { access_token: 'a', refresh_token: 'top', data: {} },
      'refresh_token',
    ],
  ] as const)('%s', (_label, patch, body, absent) => {
    expect(normalizeTokenResponse(body, provider(patch as Partial<ProviderConfig>), now)).not.toHaveProperty(absent);
  });

  it.each([
    ['no access token', {}, { token_type: 'Bearer' }],
    ['an empty access token', {}, { access_token: '' }],
    ['a null body', {}, null],
    ['a wrong path', { tokenResponse: { accessToken: 'data.nope' } }, { data: { access: 'x' } }],
    ['a prototype path', { tokenResponse: { accessToken: '__proto__.toString' } }, { access_token: 'x' }],
    ['an array body', {}, ['x']],
    ['a non-string token', {}, { access_token: 42 }],
  ] as const)('%s → invalid_response', (_label, patch, body) => {
    expect(() => normalizeTokenResponse(body, provider(patch as Partial<ProviderConfig>), now)).toThrowError(
      expect.objectContaining({ code: 'invalid_response' }),
    );
  });
});

describe('quirksFetch', () => {
  it('sends JSON from the template to the refresh URL and maps the answer back to the standard shape', async () => {
    const seen: { url: string; body: string; type: string | null }[] = [];
    const base = ((url: string, init: RequestInit) => {
      seen.push({ url, body: bodyText(init.body), type: new Headers(init.headers).get('content-type') });
      return Promise.resolve(new Response(JSON.stringify({ data: { access: 'A2', refresh: 'R2' } }), { headers: { 'content-type': 'application/json' } }));
    }) as unknown as typeof fetch;
    const p = provider({
      tokenRequest: { encoding: 'json', refreshBodyTemplate: { refresh_token: '{{refresh_token}}', grant_type: 'refresh_token' } },
      tokenResponse: { accessToken: 'data.access', refreshToken: 'data.refresh' },
    });
    const f = quirksFetch(p, 'https://idp.example/t', 'https://idp.example/refresh', base, () => 0);
    const res = await f('https://idp.example/t', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'R1', client_id: 'c' }),
    });
    expect(seen).toEqual([{ url: 'https://idp.example/refresh', body: '{"refresh_token":"R1","grant_type":"refresh_token"}', type: 'application/json' }]);
    expect(await res.json()).toMatchObject({ access_token: 'A2', refresh_token: 'R2', token_type: 'Bearer' });
  });

  it('leaves other requests and error answers untouched', async () => {
    const base = (() =>
      Promise.resolve(new Response('{"error":"invalid_grant"}', { status: 400, headers: { 'content-type': 'application/json' } }))) as unknown as typeof fetch;
    const f = quirksFetch(provider({ tokenRequest: { encoding: 'json' } }), 'https://idp.example/t', undefined, base, () => 0);
    const res = await f('https://idp.example/t', { method: 'POST', body: 'grant_type=authorization_code&code=x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant' });
  });
});

describe('quirksFetch: the code exchange', () => {
  function recorder(reply: () => Response) {
    const seen: { url: string; body: string; headers: Headers }[] = [];
    const base = ((url: string, init: RequestInit) => {
      seen.push({ url, body: bodyText(init.body), headers: new Headers(init.headers) });
      return Promise.resolve(reply());
    }) as unknown as typeof fetch;
    return { seen, base };
  }
  const exchange = new URLSearchParams({
    grant_type: 'authorization_code',
    code: 'C',
    redirect_uri: 'x:/cb',
    client_id: 'c',
    client_secret: 's',
    code_verifier: 'v',
  });

  it.each([
    [
      'JSON from the template, with the profile headers',
      {
        tokenRequest: {
          encoding: 'json',
          headers: { Accept: 'application/json' },
          bodyTemplate: { grant_type: 'authorization_code', code: '{{code}}', client_id: '{{client_id}}', client_secret: '{{client_secret}}' },
        },
      },
      '{"grant_type":"authorization_code","code":"C","client_id":"c","client_secret":"s"}',
      'application/json',
    ],
    [
      'JSON without a template: every standard parameter',
      { tokenRequest: { encoding: 'json' } },
      '{"grant_type":"authorization_code","code":"C","redirect_uri":"x:/cb","client_id":"c","client_secret":"s","code_verifier":"v"}',
      'application/json',
    ],
    [
      'form from a template: null values left out',
      { tokenRequest: { bodyTemplate: { grant_type: 'authorization_code', code: '{{code}}', audience: null } } },
      'grant_type=authorization_code&code=C',
      'application/x-www-form-urlencoded;charset=UTF-8',
    ],
  ] as const)('%s', async (_label, patch, body, type) => {
    const { seen, base } = recorder(() => new Response('{"access_token":"A"}', { headers: { 'content-type': 'application/json' } }));
    const f = quirksFetch(provider(patch), 'https://idp.example/t', undefined, base, () => 0);
    await f('https://idp.example/t', { method: 'POST', body: exchange });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('https://idp.example/t');
    expect(seen[0]!.body).toBe(body);
    expect(seen[0]!.headers.get('content-type')).toBe(type);
    if ('headers' in patch.tokenRequest) expect(seen[0]!.headers.get('accept')).toBe('application/json');
  });

  it('a non-JSON success answer is passed through for openid-client to refuse', async () => {
    const { base } = recorder(() => new Response('<html>not found</html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    const f = quirksFetch(provider({ tokenRequest: { encoding: 'json' } }), 'https://idp.example/t', undefined, base, () => 0);
    const res = await f('https://idp.example/t', { method: 'POST', body: exchange });
    expect(await res.text()).toBe('<html>not found</html>');
  });

  it('a JSON answer that is not JSON → invalid_response', async () => {
    const { base } = recorder(() => new Response('{nope', { headers: { 'content-type': 'application/json' } }));
    const f = quirksFetch(provider({}), 'https://idp.example/t', undefined, base, () => 0);
    await expect(f('https://idp.example/t', { method: 'POST', body: exchange })).rejects.toMatchObject({ code: 'invalid_response' });
  });
});

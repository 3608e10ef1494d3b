/**
 * Plays the person at the demo provider with plain HTTP (no browser), so the
 * benchmark can produce many real authorization codes quickly: follows the
 * redirects, keeps the cookies, submits the login and consent forms, and
 * returns the callback URL the provider redirects to.
 */
export async function loginOverHttp(authorizeUrl: string, creds: { username: string; password: string }, scheme: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const jar = new Map<string, string>();
  const origin = new URL(authorizeUrl).origin;
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  };
  let url = authorizeUrl;
  let method = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop += 1) {
    const res = await fetchImpl(url, {
      method,
      redirect: 'manual',
      headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    remember(res);
    method = 'GET';
    body = undefined;
    const location = res.headers.get('location');
    if (location) {
      await res.arrayBuffer();
      if (location.startsWith(`${scheme}:`)) return location;
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    const uid = /\/interaction\/([^/"]+)\//.exec(html)?.[1];
    if (!uid) throw new Error(`unexpected page at ${url} (status ${res.status})`);
    method = 'POST';
    if (html.includes('name="username"')) {
      url = `${origin}/interaction/${uid}/login`;
      body = new URLSearchParams({ username: creds.username, password: creds.password }).toString();
    } else {
      url = `${origin}/interaction/${uid}/confirm`;
      body = '';
    }
  }
  throw new Error('too many redirects during the scripted login');
}

/**
 * For the connect-by-URL suites: a fetch that records what the core sends
 * (method, URL, Authorization, form or JSON body) before sending it for real,
 * an app configuration that knows nothing of the demo, and a core rig with
 * both whose browser logs in at the demo provider.
 */
import { parseAppConfig, type AppConfig } from '../../main/auth/config';
import type { AuthCore, FetchLike } from '../../main/auth/types';
import type { TestCipher } from './aes-cipher';
import { SCHEME, startCoreRig, type CoreRig } from './core-rig';
import { loginOverHttp } from './http-login';

export interface Sent {
  method: string;
  url: string;
  authorization: string | null;
  body: string;
}

export function recordingFetch(into: Sent[]): FetchLike {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
    into.push({ method: init?.method ?? 'GET', url, authorization: new Headers(init?.headers).get('authorization'), body });
    return fetch(input, init);
  };
}

/** One unrelated provider and whatever top-level fields `extra` adds (e.g. `clientMetadataDocument`). */
export function unrelatedAppConfig(extra: Record<string, unknown> = {}): AppConfig {
  return parseAppConfig({
    scheme: SCHEME,
    ...extra,
    providers: [
      { id: 'other', displayName: 'Other', issuer: 'https://id.other.example', clientId: 'x', scopes: ['openid'], apiBaseUrls: ['https://api.other.example'] },
    ],
  });
}

/** A core named "Test Desktop" that records what it sends (`sent`) and the pages it opens (`opened`). */
export async function startRecordingRig(opts: {
  dir: string;
  config: AppConfig;
  credentials: { username: string; password: string };
  storePath?: string;
  cipher?: TestCipher;
}): Promise<CoreRig & { sent: Sent[]; opened: string[] }> {
  const sent: Sent[] = [];
  const opened: string[] = [];
  const r = await startCoreRig({
    config: opts.config,
    dir: opts.dir,
    fetch: recordingFetch(sent),
    appName: 'Test Desktop',
    ...(opts.storePath ? { storePath: opts.storePath } : {}),
    ...(opts.cipher ? { cipher: opts.cipher } : {}),
    openUrl: async (url: string, core: AuthCore) => {
      opened.push(url);
      core.handleRedirect(await loginOverHttp(url, opts.credentials, SCHEME));
    },
  });
  return { ...r, sent, opened };
}

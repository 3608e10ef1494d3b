/**
 * The floor's side: openid-client used directly, with nothing of ours around
 * it, on the same provider. Its provider requests go through a provider
 * timer so the token endpoint's own time can be subtracted the same way.
 */
import * as client from 'openid-client';
import { loginOverHttp } from '../test/helpers/http-login';
import { providerTimer, type ProviderTimer } from './provider-timer';
import type { RemoteDemo } from './remote-demo';

export interface BareClient {
  config: client.Configuration;
  timer: ProviderTimer;
  /** A fresh authorization code (the person logs in over HTTP) and what is needed to redeem it. */
  authorize(scope: string, resources?: string[]): Promise<{ callback: URL; verifier: string; state: string; nonce: string }>;
  /** Logs in and redeems the code; returns the tokens. With `resources` (RFC 8707), the grant covers those APIs. */
  signIn(scope: string, resources?: string[]): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers>;
}

export async function startBareClient(demo: RemoteDemo, redirectUri: string, scheme: string): Promise<BareClient> {
  const timer = providerTimer(demo);
  const config = await client.discovery(new URL(demo.issuer), demo.clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
    // Tests and benchmarks only: the demo provider listens on plain http on loopback.
    execute: [client.allowInsecureRequests],
    [client.customFetch]: timer.fetch as client.CustomFetch,
  });
  const authorize = async (scope: string, resources: string[] = []) => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    for (const resource of resources) url.searchParams.append('resource', resource);
    const callback = new URL(await loginOverHttp(url.href, demo.credentials, scheme));
    return { callback, verifier, state, nonce };
  };
  return {
    config,
    timer,
    authorize,
    signIn: async (scope, resources) => {
      const a = await authorize(scope, resources);
      return client.authorizationCodeGrant(config, a.callback, {
        pkceCodeVerifier: a.verifier,
        expectedState: a.state,
        expectedNonce: a.nonce,
        idTokenExpected: true,
      });
    },
  };
}

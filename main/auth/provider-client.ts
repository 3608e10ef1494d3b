/**
 * Turns a provider's configuration into an openid-client `Configuration` by
 * OIDC discovery, with the request seams the core controls: fetch (for tests
 * and provider quirks) and a bounded timeout on every request.
 */
import * as client from 'openid-client';
import { isLoopbackUrl, type ProviderConfig } from './config';
import { AuthError } from './errors';
import { toAuthError } from './protocol-errors';
import type { FetchLike } from './types';

export interface ProviderClientOptions {
  fetch?: FetchLike;
  /** Upper bound for each request to the provider, in seconds. */
  timeoutSeconds?: number;
}

/**
 * Discovers the provider and returns a public-client configuration
 * (`token_endpoint_auth_method: none`: the app holds no secret, RFC 8252 §8.5).
 *
 * Plain http is accepted only for a loopback issuer (the embedded demo
 * provider and tests); it is never enabled for a remote host.
 */
export async function discoverProvider(provider: ProviderConfig, options: ProviderClientOptions = {}): Promise<client.Configuration> {
  const issuer = new URL(provider.issuer);
  const insecureLoopback = issuer.protocol === 'http:' && isLoopbackUrl(issuer);
  let config: client.Configuration;
  try {
    config = await client.discovery(
      issuer,
      provider.clientId,
      { token_endpoint_auth_method: 'none' },
      client.None(),
      {
        execute: insecureLoopback ? [client.allowInsecureRequests] : [],
        timeout: options.timeoutSeconds ?? 15,
        ...(options.fetch ? { [client.customFetch]: options.fetch as client.CustomFetch } : {}),
      },
    );
  } catch (err) {
    const mapped = toAuthError(err, 'Provider discovery');
    if (mapped.code === 'network_error') throw new AuthError('network_error', `Could not reach the identity provider at ${issuer.origin}. Check your connection and try again.`, { cause: err });
    throw new AuthError('invalid_config', `The identity provider at ${issuer.href} did not publish a valid OpenID configuration.`, { cause: err });
  }
  assertEndpointsAreSafe(config.serverMetadata(), insecureLoopback);
  return config;
}

/** Every endpoint the app will talk to (or open) must be https, or http on loopback for a loopback issuer. */
function assertEndpointsAreSafe(metadata: client.ServerMetadata, insecureLoopback: boolean): void {
  const endpoints = [
    metadata.authorization_endpoint,
    metadata.token_endpoint,
    metadata.userinfo_endpoint,
    metadata.revocation_endpoint,
    metadata.end_session_endpoint,
  ];
  if (!metadata.authorization_endpoint || !metadata.token_endpoint) {
    throw new AuthError('invalid_config', 'The identity provider has no authorization or token endpoint.');
  }
  for (const endpoint of endpoints) {
    if (endpoint === undefined) continue;
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new AuthError('invalid_config', 'The identity provider published an endpoint that is not a valid URL.');
    }
    const ok = url.protocol === 'https:' || (insecureLoopback && url.protocol === 'http:' && isLoopbackUrl(url));
    if (!ok) throw new AuthError('invalid_config', `The identity provider published an endpoint that is not https: ${url.origin}`);
  }
}

/**
 * Turns a provider profile into an openid-client `Configuration`: by OIDC
 * discovery, or from explicit endpoints for providers without it. The request
 * seams the core controls are attached here: fetch (with the profile's quirks),
 * client authentication, and a bounded timeout on every request.
 */
import * as client from 'openid-client';
import { bodyLimitedFetch } from '../api/bounded-body';
import { fillTemplate, isLoopbackUrl, type ProviderConfig } from './config';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, DEFAULT_PROVIDER_TIMEOUT_SECONDS } from './core-options';
import { AuthError } from './errors';
import { toAuthError } from './protocol-errors';
import { quirksFetch } from './token-quirks';
import type { Clock, FetchLike } from './types';

export interface ProviderClientOptions {
  fetch?: FetchLike;
  clock?: Clock;
  /** Upper bound for each request to the provider, in seconds. */
  timeoutSeconds?: number;
  /** Allowed difference between this computer's clock and the provider's, in seconds. */
  clockToleranceSeconds?: number;
}

function clientAuthentication(provider: ProviderConfig): { method: string; auth: client.ClientAuth } {
  const ca = provider.clientAuth ?? { method: 'none' as const };
  switch (ca.method) {
    case 'client_secret_post':
      return { method: ca.method, auth: client.ClientSecretPost(ca.secret) };
    case 'client_secret_basic':
      return { method: ca.method, auth: client.ClientSecretBasic(ca.secret) };
    default:
      // A public client: the app holds no secret (RFC 8252 §8.5); PKCE binds the code.
      return { method: 'none', auth: client.None() };
  }
}

/** Fills `{tenant}`-style placeholders in the profile's explicit endpoints. */
function explicitEndpoints(provider: ProviderConfig): NonNullable<ProviderConfig['endpoints']> | undefined {
  const e = provider.endpoints;
  if (!e) return undefined;
  const vars = provider.templateVars ?? {};
  const fill = (u: string) => fillTemplate(u, vars);
  return {
    authorization: fill(e.authorization),
    token: fill(e.token),
    ...(e.refresh ? { refresh: fill(e.refresh) } : {}),
    ...(e.revocation ? { revocation: fill(e.revocation) } : {}),
    ...(e.userinfo ? { userinfo: fill(e.userinfo) } : {}),
    ...(e.endSession ? { endSession: fill(e.endSession) } : {}),
    ...(e.deviceAuthorization ? { deviceAuthorization: fill(e.deviceAuthorization) } : {}),
  };
}

/**
 * Resolves the provider and returns its configuration.
 *
 * Plain http is accepted only for loopback endpoints (the embedded demo
 * provider and tests); it is never enabled for a remote host.
 */
export async function resolveProvider(provider: ProviderConfig, options: ProviderClientOptions = {}): Promise<client.Configuration> {
  const { method, auth } = clientAuthentication(provider);
  // Every provider body openid-client reads is read here first, bounded by its decoded size (bounded-body.ts).
  const baseFetch = bodyLimitedFetch(options.fetch ?? globalThis.fetch.bind(globalThis));
  const timeout = options.timeoutSeconds ?? DEFAULT_PROVIDER_TIMEOUT_SECONDS;
  const explicit = explicitEndpoints(provider);
  // openid-client reads Date.now(); an injected clock (tests, a host with its own time source) is told to it as skew.
  const clientMetadata: Partial<client.ClientMetadata> = {
    token_endpoint_auth_method: method,
    [client.clockTolerance]: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
    [client.clockSkew]: Math.round(((options.clock ?? Date.now)() - Date.now()) / 1000),
  };
  let config: client.Configuration;
  let insecureLoopback: boolean;

  if (explicit) {
    const urls = Object.values(explicit).map((u) => new URL(u));
    insecureLoopback = urls.some((u) => u.protocol === 'http:');
    config = new client.Configuration(
      {
        issuer: provider.issuer ?? new URL(explicit.authorization).origin,
        authorization_endpoint: explicit.authorization,
        token_endpoint: explicit.token,
        ...(explicit.revocation ? { revocation_endpoint: explicit.revocation } : {}),
        ...(explicit.userinfo ? { userinfo_endpoint: explicit.userinfo } : {}),
        ...(explicit.endSession ? { end_session_endpoint: explicit.endSession } : {}),
        ...(explicit.deviceAuthorization ? { device_authorization_endpoint: explicit.deviceAuthorization } : {}),
      },
      provider.clientId,
      clientMetadata,
      auth,
    );
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only as a warning against production use; here it is limited to plain-http loopback endpoints (the embedded demo provider, tests), and openid-client has no other way to allow them
    if (insecureLoopback) client.allowInsecureRequests(config);
  } else {
    // The config schema requires `issuer` when there are no explicit endpoints.
    if (provider.issuer === undefined) throw new AuthError('invalid_config', 'The provider profile has neither an issuer nor explicit endpoints.');
    const issuer = new URL(provider.issuer);
    insecureLoopback = issuer.protocol === 'http:' && isLoopbackUrl(issuer);
    try {
      config = await client.discovery(issuer, provider.clientId, clientMetadata, auth, {
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- see above: plain http only for a loopback issuer, which openid-client allows only this way
        execute: insecureLoopback ? [client.allowInsecureRequests] : [],
        timeout,
        [client.customFetch]: baseFetch as client.CustomFetch,
      });
    } catch (err) {
      const mapped = toAuthError(err, 'Provider discovery');
      if (mapped.code === 'tls_untrusted' || mapped.code === 'proxy_auth_required') throw mapped;
      if (mapped.code === 'network_error') {
        throw new AuthError('network_error', `Could not reach the identity provider at ${issuer.origin}. Check your connection and try again.`, { cause: err });
      }
      throw new AuthError('invalid_config', `The identity provider at ${issuer.href} did not publish a valid OpenID configuration.`, { cause: err });
    }
  }
  const metadata = config.serverMetadata();
  assertEndpointsAreSafe(metadata, insecureLoopback);
  config.timeout = timeout;
  config[client.customFetch] = quirksFetch(provider, metadata.token_endpoint, explicit?.refresh, baseFetch, options.clock ?? Date.now) as client.CustomFetch;
  return config;
}

/** Every endpoint the app will talk to (or open) must be https, or http on loopback. */
function assertEndpointsAreSafe(
  metadata: client.ServerMetadata,
  insecureLoopback: boolean,
): asserts metadata is client.ServerMetadata & { authorization_endpoint: string; token_endpoint: string } {
  if (!metadata.authorization_endpoint || !metadata.token_endpoint) {
    throw new AuthError('invalid_config', 'The identity provider has no authorization or token endpoint.');
  }
  const endpoints = [
    metadata.authorization_endpoint,
    metadata.token_endpoint,
    metadata.userinfo_endpoint,
    metadata.revocation_endpoint,
    metadata.end_session_endpoint,
    metadata.pushed_authorization_request_endpoint,
    metadata.device_authorization_endpoint,
  ];
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

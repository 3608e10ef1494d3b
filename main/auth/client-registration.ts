/**
 * OAuth 2.0 Dynamic Client Registration (RFC 7591) of this app as a native,
 * public client: no secret (`token_endpoint_auth_method: none`, RFC 8252
 * §8.4), the app's own redirect URI, the authorization code and refresh token
 * grants. The request and the answer are bounded in time and size; the
 * answer must name a client id and may not turn the app into something else
 * (another auth method, other redirect URIs).
 *
 * The same metadata, published at a URL instead of registered, is the app's
 * Client ID Metadata Document (`clientIdMetadataDocument`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591 §2 (metadata), §3.1 (request), §3.2 (response)
 */
import { boundedFetch } from './bounded-fetch';
import { isHttpsOrLoopbackUrl } from './config';
import { AuthError } from './errors';
import type { ClientRegistration } from './discovery-store';
import { atFirstUse, z } from './zod';
import type { Clock, FetchLike } from './types';

export interface RegisterClientOptions {
  fetch: FetchLike;
  clock: Clock;
  issuer: string;
  registrationEndpoint: string;
  redirectUri: string;
  /** `client_name` (RFC 7591 §2): what the server's consent page shows. */
  clientName: string;
  timeoutMs?: number;
  maxBytes?: number;
}

/** A registration's answer (RFC 7591 §3.2.1), built at the first registration (atFirstUse). */
const responseSchema = atFirstUse(() =>
  z.object({
    client_id: z.string().check(z.minLength(1), z.maxLength(512)),
    redirect_uris: z.optional(z.array(z.string())),
    token_endpoint_auth_method: z.optional(z.string()),
    client_secret: z.optional(z.string()),
    registration_client_uri: z.optional(z.string().check(z.maxLength(2048))),
    registration_access_token: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
  }),
);

/** What this app is as a client (RFC 7591 §2): the one description, registered or published. */
export function nativeClientMetadata(clientName: string, redirectUri: string) {
  return {
    client_name: clientName,
    application_type: 'native',
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  };
}

/**
 * The JSON the app developer publishes at `clientMetadataDocument` (OAuth Client ID
 * Metadata Document, draft-ietf-oauth-client-id-metadata-document): the same metadata
 * as a registration, with the document's own URL as `client_id` (§4.1 requires it).
 */
export function clientIdMetadataDocument(url: string, clientName: string, redirectUri: string): Record<string, unknown> {
  return { client_id: url, ...nativeClientMetadata(clientName, redirectUri) };
}

/** Registers the app; returns what is to be kept (encrypted) for this server. */
export async function registerNativeClient(opts: RegisterClientOptions): Promise<ClientRegistration> {
  const endpoint = new URL(opts.registrationEndpoint);
  if (!isHttpsOrLoopbackUrl(endpoint))
    throw new AuthError('invalid_config', `The authorization server's registration endpoint (${endpoint.origin}) is not https.`);
  const fetch = boundedFetch(opts.fetch, {
    timeoutMs: opts.timeoutMs ?? 10_000,
    maxBytes: opts.maxBytes ?? 64 * 1024,
    what: `the client registration answer of ${new URL(opts.issuer).host}`,
  });
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    redirect: 'manual',
    body: JSON.stringify(nativeClientMetadata(opts.clientName, opts.redirectUri)),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const host = new URL(opts.issuer).host;
  if (response.status !== 201 && response.status !== 200) {
    const error = typeof (body as { error?: unknown } | undefined)?.error === 'string' ? (body as { error: string }).error : undefined;
    // RFC 7591 §3.2.2: invalid_redirect_uri / invalid_client_metadata mean this server will not take such a client.
    throw new AuthError(
      response.status >= 500 ? 'server_error' : 'invalid_config',
      `${host} refused to register this app (HTTP ${response.status}${error && /^[\x20-\x7e]{1,64}$/.test(error) ? `, ${error}` : ''}). It needs a client ID configured by hand.`,
    );
  }
  const parsed = responseSchema().safeParse(body);
  if (!parsed.success) throw new AuthError('invalid_response', `${host} answered the client registration without a valid client_id.`);
  const r = parsed.data;
  // §3.2.1: the server may change what was asked for; a public native client that became something else is not used.
  if ((r.token_endpoint_auth_method !== undefined && r.token_endpoint_auth_method !== 'none') || r.client_secret !== undefined) {
    throw new AuthError(
      'invalid_response',
      `${host} registered this app as a confidential client (with a secret), which a desktop app cannot keep (RFC 8252 §8.5).`,
    );
  }
  if (r.redirect_uris !== undefined && (r.redirect_uris.length !== 1 || r.redirect_uris[0] !== opts.redirectUri)) {
    throw new AuthError('invalid_response', `${host} registered this app with other redirect URIs than it asked for.`);
  }
  return {
    issuer: opts.issuer,
    clientId: r.client_id,
    redirectUris: [opts.redirectUri],
    registeredAt: opts.clock(),
    ...(r.registration_client_uri !== undefined ? { registrationClientUri: r.registration_client_uri } : {}),
    ...(r.registration_access_token !== undefined ? { registrationAccessToken: r.registration_access_token } : {}),
  };
}

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): what an API publishes
 * about itself — which authorization servers issue its tokens, which scopes
 * it knows, whether it takes DPoP-bound tokens. The one home for fetching and
 * validating it; both the DPoP decision (`api-dpop-support.ts`) and discovery
 * from an API URL (`api-discovery.ts`) use it.
 *
 * Everything here is untrusted: the answer is read within a deadline and a
 * size limit (`bounded-fetch.ts`), validated field by field, and its
 * `resource` must be exactly the identifier the metadata was fetched for
 * (§3.3), so one API cannot speak for another.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728 §3 (metadata), §3.3 (validation), §5 (WWW-Authenticate)
 */
import { boundedFetch } from './bounded-fetch';
import { isHttpsOrLoopbackUrl } from './config';
import { AuthError } from './errors';
import { atFirstUse, z } from './zod';
import type { FetchLike } from './types';

/** The metadata this app uses, validated. */
export interface ResourceMetadata {
  /** The resource identifier, equal to the one it was fetched for. */
  resource: string;
  /** Issuer identifiers of the authorization servers (each https, or http on loopback). */
  authorizationServers: string[];
  scopes: string[];
  /** `dpop_signing_alg_values_supported`: the API takes DPoP proofs with these. */
  dpopAlgs?: string[];
  /** `dpop_bound_access_tokens_required`: the API refuses Bearer tokens. */
  dpopRequired: boolean;
  /** `resource_name`, for display only. */
  name?: string;
}

export interface ResourceMetadataOptions {
  fetch: FetchLike;
  /** Default 5 s: a sign-in waits for it. */
  timeoutMs?: number;
  /** Default 64 KiB: a metadata document is a few hundred bytes. */
  maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_BYTES = 64 * 1024;

/** Protected-resource metadata (RFC 9728 §2), built when an API's metadata is first read (atFirstUse). */
const metadataSchema = atFirstUse(() => {
  const scopeToken = z.string().check(z.regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/));
  return z.object({
    resource: z.string().check(z.maxLength(2048)),
    authorization_servers: z.optional(z.array(z.string().check(z.maxLength(2048))).check(z.maxLength(20))),
    scopes_supported: z.optional(z.array(scopeToken).check(z.maxLength(100))),
    dpop_signing_alg_values_supported: z.optional(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(20))),
    dpop_bound_access_tokens_required: z.optional(z.boolean()),
    resource_name: z.optional(z.string().check(z.maxLength(200))),
  });
});

/**
 * RFC 9728 §3.1: the well-known path goes between the host and the
 * resource's path (`https://api.example/v1` → `https://api.example/.well-known/oauth-protected-resource/v1`).
 */
export function metadataUrlFor(resource: URL): URL {
  const url = new URL(resource.origin);
  const path = resource.pathname === '/' ? '' : resource.pathname;
  url.pathname = `/.well-known/oauth-protected-resource${path}`;
  url.search = resource.search;
  return url;
}

function problem(resource: string, what: string): AuthError {
  return new AuthError('invalid_response', `The API at ${originOf(resource)} published protected-resource metadata (RFC 9728) that cannot be used: ${what}.`);
}

function sameUrl(value: string, expected: URL): boolean {
  try {
    return new URL(value).href === expected.href;
  } catch {
    return false;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid address';
  }
}

/**
 * Fetches and validates the metadata of `resource`: at its well-known URL, or
 * at `from` (a `resource_metadata` URL an API named in its 401). Returns null
 * when the API publishes none (404, 410). Anything else that is not valid
 * metadata for exactly `resource` throws `invalid_response` (or
 * `network_error` for a timeout / unreachable API), naming the problem.
 */
export async function fetchResourceMetadata(resource: string, opts: ResourceMetadataOptions & { from?: string }): Promise<ResourceMetadata | null> {
  let id: URL;
  try {
    id = new URL(resource);
  } catch {
    throw new AuthError('invalid_request', 'That API address is not a valid URL.');
  }
  if (!isHttpsOrLoopbackUrl(id) || id.hash !== '' || id.username !== '' || id.password !== '') {
    throw new AuthError(
      'invalid_request',
      'An API address must be https:// (http:// only for 127.0.0.1, localhost or [::1]), without a user name or #fragment.',
    );
  }
  let url: URL;
  try {
    url = opts.from !== undefined ? new URL(opts.from) : metadataUrlFor(id);
  } catch {
    throw problem(resource, 'its resource_metadata address is not a valid URL');
  }
  if (!isHttpsOrLoopbackUrl(url)) throw problem(resource, `its metadata address ${url.origin} is not https`);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const fetch = boundedFetch(opts.fetch, {
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes,
    what: `the protected-resource metadata of the API at ${id.origin}`,
  });
  let response: Response;
  try {
    // Redirects are not followed: the metadata must come from the address derived from (or named by) the API itself.
    response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual' });
  } catch (err) {
    if (err instanceof AuthError && err.code === 'invalid_response') throw problem(resource, `it is larger than ${Math.floor(maxBytes / 1024)} KiB (not read)`);
    throw err;
  }
  if (opts.from === undefined && (response.status === 404 || response.status === 410)) return null;
  if (response.status !== 200) throw problem(resource, `its metadata address answered ${response.status}`);
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    throw problem(resource, 'it is not JSON');
  }
  const parsed = metadataSchema().safeParse(body);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') || '(top level)';
    throw problem(resource, `the field "${field}" is missing or not valid`);
  }
  const m = parsed.data;
  // §3.3: the `resource` must be identical to the identifier the metadata was fetched for (compared as URLs, as oauth4webapi does).
  if (!sameUrl(m.resource, id)) throw problem(resource, `it describes another resource (${originOf(m.resource)}…), not ${id.href}`);
  const servers = m.authorization_servers ?? [];
  for (const issuer of servers) {
    let u: URL;
    try {
      u = new URL(issuer);
    } catch {
      throw problem(resource, 'an authorization server is not a valid URL');
    }
    if (!isHttpsOrLoopbackUrl(u) || u.hash !== '' || u.search !== '') {
      throw problem(resource, `the authorization server ${u.origin} is not an https issuer`);
    }
  }
  return {
    resource: m.resource,
    authorizationServers: servers,
    scopes: m.scopes_supported ?? [],
    ...(m.dpop_signing_alg_values_supported !== undefined ? { dpopAlgs: m.dpop_signing_alg_values_supported } : {}),
    dpopRequired: m.dpop_bound_access_tokens_required === true,
    ...(m.resource_name !== undefined ? { name: m.resource_name } : {}),
  };
}

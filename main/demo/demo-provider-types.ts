/**
 * What the embedded demo provider (demo-provider.ts) takes and gives: its
 * options (the behaviours tests and the app switch on), its counters, its APIs.
 */
import type Provider from 'oidc-provider';
import type { Logger } from '../auth/types';

export interface DemoProviderOptions {
  /** 0 / undefined = an ephemeral port. */
  port?: number;
  /** Redirect URIs of the desktop client, e.g. `com.example.desktop:/callback`. */
  redirectUris: string[];
  clientId?: string;
  accessTokenTtlSeconds?: number;
  logger?: Logger;
  /**
   * Where to keep the provider's state (its port and its grants and refresh
   * tokens) between runs, so a session saved by the app can be restored after
   * a restart. Without it, everything is in memory and lost on close.
   */
  stateFile?: string;
  /**
   * Serve over HTTPS with this key and certificate (PEM) instead of plain
   * HTTP, e.g. a certificate from a private CA to play a corporate identity
   * provider in tests. The issuer becomes `https://127.0.0.1:<port>`.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** The fetch the demo API introspects with (one that trusts `tls.cert`'s CA). */
  apiFetch?: typeof fetch;
  /**
   * DPoP at the provider and the API. On by default; `requireNonce` makes both
   * servers ask for a nonce (`use_dpop_nonce`); `false` turns DPoP off.
   */
  dpop?: { requireNonce?: boolean; signingAlgs?: ('ES256' | 'Ed25519' | 'EdDSA')[] } | false;
  /**
   * Pushed authorization requests. Offered by default; `required` refuses any
   * other authorization request; `false` turns PAR off. (A test expires a
   * request_uri with `storeNow`.)
   */
  par?: { required?: boolean } | false;
  /**
   * Tests: the clock of the provider's store, by which its entries (a pushed
   * request, a code, a session) expire. Moving it on expires a pushed request
   * however slow the machine is, where a short lifetime would race it.
   */
  storeNow?: () => number;
  /**
   * Tests: the scopes the desktop client may ask for (oidc-provider's client
   * `scope`); another scope the provider knows is refused with `invalid_scope`.
   */
  clientScope?: string;
  /**
   * Tests: `offline_access` plays a provider that issues a refresh token only
   * for a granted `offline_access`, which it drops without `prompt=consent`
   * (OIDC Core §11; oidc-provider's own rule, LemonLDAP::NG). By default the
   * demo gives every sign-in one.
   */
  refreshTokens?: 'always' | 'offline_access';
  /**
   * What the demo API takes (`demo-api.ts`): `accepts` DPoP and says so in its
   * RFC 9728 metadata (default), `requires` it, or `bearer-only` (an RFC 6750
   * API that publishes no metadata).
   */
  apiDpop?: 'accepts' | 'requires' | 'bearer-only';
  /** Dynamic client registration (RFC 7591, open). On by default; `false` turns it off. */
  registration?: boolean;
  /**
   * Client ID Metadata Documents (oidc-provider's experimental
   * `clientIdMetadataDocument`, draft 02): an https URL is a client id, fetched
   * with `fetch` — tests pass one that trusts their private CA (the document
   * host is on loopback, which oidc-provider's own fetch refuses as SSRF).
   * Off by default.
   */
  clientIdMetadataDocument?: { fetch: (input: URL | string | Request, init?: RequestInit) => Promise<Response> };
  /**
   * Step-up: `ignoreAcrValues` plays a provider that advertises the levels but
   * ignores `acr_values` (never asks for the second factor, keeps the session's level).
   */
  acr?: { ignoreAcrValues?: boolean };
  /**
   * The device flow (RFC 8628), on by default. oidc-provider sends no `interval`
   * (clients then wait 5 s, §3.2); `intervalSeconds` adds one; `ttlSeconds`
   * shortens the device code's life (default 10 minutes). `false` turns it off.
   */
  deviceFlow?: { intervalSeconds?: number; ttlSeconds?: number } | false;
  /**
   * Tests: sees the oidc-provider instance before it serves, e.g. to add a
   * koa middleware (`provider.use`) that holds an answer or plays another
   * provider's behaviour.
   */
  onProvider?: (provider: Provider) => void;
}

export interface DemoCounters {
  authorizationCode: number;
  refreshToken: number;
  /** Refresh grants per requested `resource` (RFC 8707); '' for none. */
  refreshByResource: Record<string, number>;
  revocations: number;
  apiCalls: number;
}

/** One demo API with its own audience and scope (a resource server in oidc-provider's terms). */
export interface DemoApi {
  id: 'contacts' | 'calendar' | 'tools';
  displayName: string;
  baseUrl: string;
  /** The RFC 8707 resource indicator, which is also the token's audience. */
  resource: string;
  scopes: string[];
}

export interface DemoProvider {
  issuer: string;
  apiBaseUrl: string;
  clientId: string;
  credentials: { username: string; password: string };
  /** The second demo person. */
  colleague: { username: string; password: string };
  /** Two APIs with different audiences: contacts (granted at sign-in) and calendar (needs consent first). */
  apis: { contacts: DemoApi; calendar: DemoApi };
  /**
   * A third API in no demo profile (`/tools`, outside the profile's `/api`): what "Connect to an API by URL"
   * reaches from its URL alone (RFC 9728 metadata, RFC 7591 registration).
   */
  discoverableApi: DemoApi;
  counters: DemoCounters;
  /** Makes the API's current DPoP nonce stale, so the next proof is challenged. */
  rotateDpopNonce(): void;
  close(): Promise<void>;
}

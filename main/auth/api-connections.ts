/**
 * Connecting to an API given only its URL — no profile written by anyone:
 *
 * 1. find its authorization server from the API itself (RFC 9728: the 401's
 *    `resource_metadata`, else the well-known path), validated as §3.3 asks;
 * 2. discover that server (RFC 8414 / OIDC Discovery, as for any profile);
 * 3. identify the app there: a configured client id; else, when the server
 *    supports Client ID Metadata Documents and the app has one
 *    (`clientMetadataDocument`), that document's URL, with nothing to register;
 *    else register (RFC 7591) when it offers `registration_endpoint` — kept
 *    encrypted per server (`discovery-store.ts`), reused, re-registered when
 *    the server forgot it;
 * 4. hand the core a profile like a configured one: the API as an `apis`
 *    entry whose base URL *is* its resource URL, with its own token
 *    (`resource`, RFC 8707) and the scopes its metadata names.
 *
 * Steps 1–2 make a *plan* the person sees and confirms (the server's host,
 * and whether it is on another origin than the API) before step 3 and the
 * browser. Nothing discovered overrides a configured profile: an API inside
 * a configured profile is refused here, and a server that has a configured
 * profile lends that profile's client id instead of a registration.
 */
import { nodeCrypto } from './lazy-builtins';
import { resourceMetadataChallenge } from '../api/bearer-challenge';
import { isWithinAnyBase } from '../api/resolve-url';
import { providerApis } from './apis';
import { boundedFetch } from './bounded-fetch';
import { registerNativeClient } from './client-registration';
import { parseAppConfig, type AppConfig, type ProviderConfig } from './config';
import { AuthError, isAuthError } from './errors';
import { DiscoveryStore, type DiscoveredApi } from './discovery-store';
import { resolveProvider } from './provider-client';
import { fetchResourceMetadata, type ResourceMetadata } from './resource-metadata';
import type { ApiConnectionPlan, Clock, FetchLike, Logger } from './types';
import { ResponseBodyError } from 'openid-client';

export interface ApiConnectionsOptions {
  config: AppConfig;
  store: DiscoveryStore;
  fetch: FetchLike;
  clock: Clock;
  logger: Logger;
  /** `client_name` in registrations. */
  appName: string;
  /** For discovery, in seconds (as the core's providers). */
  timeoutSeconds?: number;
  /** Each metadata / registration request, in ms. Default 5 s. */
  requestTimeoutMs?: number;
}

/** How long a plan waits for the person's confirmation. */
const PLAN_TTL_MS = 10 * 60_000;
const MAX_PLANS = 16;
const API_ID = 'api';

interface Plan {
  view: ApiConnectionPlan;
  at: number;
  api: DiscoveredApi;
  registrationEndpoint?: string;
  configuredClientId?: string;
}

/** The server's metadata says it fetches client ids that are URLs (Client ID Metadata Document draft §5). */
function takesClientIdDocuments(server: Record<string, unknown>): boolean {
  return server.client_id_metadata_document_supported === true;
}

/** True when a sign-in failed because the server does not know the client (RFC 6749 §5.2 `invalid_client`). */
export function isUnknownClient(err: unknown): boolean {
  const cause = isAuthError(err) ? err.cause : err;
  return cause instanceof ResponseBodyError && cause.error === 'invalid_client';
}

/** `api-<16 hex>`: stable per resource, never a configured id's shape by accident (checked at plan time). */
export function discoveredProviderId(resource: string): string {
  return `api-${nodeCrypto().createHash('sha256').update(resource, 'utf8').digest('hex').slice(0, 16)}`;
}

export class ApiConnections {
  readonly #opts: ApiConnectionsOptions;
  readonly #plans = new Map<string, Plan>();

  constructor(opts: ApiConnectionsOptions) {
    this.#opts = opts;
  }

  /** Profiles for every connected API the app holds a client id for (given to the core at start). */
  providers(): ProviderConfig[] {
    const out: ProviderConfig[] = [];
    for (const api of this.#opts.store.apis()) {
      const clientId = this.#configuredFor(api.issuer)?.clientId ?? this.#documentFor(api) ?? this.#opts.store.registration(api.issuer)?.clientId;
      if (clientId === undefined) continue;
      try {
        out.push(this.#profile(api, clientId));
      } catch (err) {
        // Stored by an older app under rules since tightened: left out, the person connects again.
        this.#opts.logger('warn', 'api_connection.unusable', { errorCode: isAuthError(err) ? err.code : 'internal_error' });
      }
    }
    return out;
  }

  isDiscovered(providerId: string): boolean {
    return this.#opts.store.apis().some((a) => discoveredProviderId(a.resource) === providerId);
  }

  /** Steps 1–2: what connecting to `apiUrl` would do, for the person to confirm. Opens nothing, registers nothing. */
  async plan(apiUrl: string): Promise<ApiConnectionPlan> {
    let url: URL;
    try {
      url = new URL(apiUrl);
    } catch {
      throw new AuthError('invalid_request', 'That API address is not a valid URL.');
    }
    const configured = this.#opts.config.providers.find((p) => providerApis(p).some((a) => isWithinAnyBase(url, [a.baseUrl])));
    if (configured) {
      throw new AuthError('invalid_request', `That API is already configured with "${configured.displayName}": sign in with it instead.`);
    }
    const metadata = await this.#resourceMetadata(url);
    const issuer = metadata.authorizationServers[0];
    if (issuer === undefined) throw new AuthError('invalid_response', `The API at ${url.origin} names no authorization server in its metadata (RFC 9728).`);
    const providerId = discoveredProviderId(metadata.resource);
    if (this.#opts.config.providers.some((p) => p.id === providerId))
      throw new AuthError('invalid_config', 'A configured profile uses the id this API would get.');

    // Step 2, with a stand-in client id: only the server's metadata is wanted here.
    const server = (await resolveProvider(this.#bareProfile(issuer), this.#providerOptions())).serverMetadata();
    const configuredClient = this.#configuredFor(issuer);
    const stored = this.#opts.store.registration(issuer);
    const registrationEndpoint = typeof server.registration_endpoint === 'string' ? server.registration_endpoint : undefined;
    const document = takesClientIdDocuments(server) ? this.#opts.config.clientMetadataDocument : undefined;
    const client: ApiConnectionPlan['client'] = configuredClient ? 'configured' : document !== undefined ? 'metadata_document' : stored ? 'reuse' : 'register';
    if (client === 'register' && registrationEndpoint === undefined) {
      throw new AuthError(
        'invalid_config',
        `The authorization server ${new URL(issuer).host} of this API does not offer dynamic client registration (RFC 7591), and no client ID is configured for it. Add a profile for it with the client ID it issued to this app.`,
      );
    }
    const known = new Set(Array.isArray(server.scopes_supported) ? server.scopes_supported : []);
    const extra = ['openid', 'offline_access'].filter((s) => known.has(s));
    const apiScopes = metadata.scopes.slice(0, 50);
    const issuerHost = new URL(issuer).host;
    const api: DiscoveredApi = {
      resource: metadata.resource,
      issuer,
      scopes: [...new Set([...extra, ...apiScopes])],
      apiScopes,
      serverName: issuerHost,
      dpop: metadata.dpopRequired || (metadata.dpopAlgs?.length ?? 0) > 0,
      ...(metadata.name !== undefined ? { name: metadata.name } : {}),
      ...(client === 'metadata_document' && document !== undefined ? { clientIdDocument: document } : {}),
    };
    const view: ApiConnectionPlan = {
      id: nodeCrypto().randomUUID(),
      apiUrl: metadata.resource,
      apiHost: url.host,
      issuer,
      issuerHost,
      otherOrigin: new URL(issuer).origin !== url.origin,
      scopes: api.scopes,
      ...(metadata.name !== undefined ? { apiName: metadata.name } : {}),
      client,
      providerId,
    };
    this.#prune();
    this.#plans.set(view.id, {
      view,
      at: this.#opts.clock(),
      api,
      ...(registrationEndpoint !== undefined ? { registrationEndpoint } : {}),
      ...(configuredClient ? { configuredClientId: configuredClient.clientId } : {}),
    });
    this.#opts.logger('info', 'api_connection.planned', { providerId, client, otherOrigin: view.otherOrigin });
    return { ...view, scopes: [...view.scopes] };
  }

  /** Step 3, after the person confirmed `planId`: the client id (registered if need be) and the profile to sign in with. */
  async confirm(planId: string): Promise<ProviderConfig> {
    const plan = this.#plans.get(planId);
    if (!plan || this.#opts.clock() - plan.at > PLAN_TTL_MS) {
      throw new AuthError('invalid_request', 'That connection was not prepared or has expired. Enter the API address again.');
    }
    this.#plans.delete(planId);
    const { api } = plan;
    const clientId =
      plan.configuredClientId ??
      api.clientIdDocument ??
      this.#opts.store.registration(api.issuer)?.clientId ??
      (await this.#register(api.issuer, plan.registrationEndpoint));
    const profile = this.#profile(api, clientId);
    this.#opts.store.saveApi(api);
    return profile;
  }

  /**
   * The server answered `invalid_client` for a registered client id: it was
   * deleted there. The registration is forgotten and made once more; the
   * caller retries the sign-in once, so a server that keeps refusing ends it.
   */
  async reRegister(providerId: string): Promise<ProviderConfig | null> {
    const api = this.#opts.store.apis().find((a) => discoveredProviderId(a.resource) === providerId);
    // A configured id, or a document the server fetches by itself: nothing here to register again.
    if (!api || this.#configuredFor(api.issuer) || this.#documentFor(api) !== undefined) return null;
    this.#opts.store.forgetRegistration(api.issuer);
    const server = (await resolveProvider(this.#bareProfile(api.issuer), this.#providerOptions())).serverMetadata();
    const endpoint = typeof server.registration_endpoint === 'string' ? server.registration_endpoint : undefined;
    this.#opts.logger('info', 'api_connection.re_register', { providerId });
    return this.#profile(api, await this.#register(api.issuer, endpoint));
  }

  async #register(issuer: string, endpoint: string | undefined): Promise<string> {
    if (endpoint === undefined) throw new AuthError('invalid_config', `The authorization server ${new URL(issuer).host} no longer offers client registration.`);
    const registration = await registerNativeClient({
      fetch: this.#opts.fetch,
      clock: this.#opts.clock,
      issuer,
      registrationEndpoint: endpoint,
      redirectUri: `${this.#opts.config.scheme}:/callback`,
      clientName: this.#opts.appName,
      timeoutMs: this.#opts.requestTimeoutMs ?? 5000,
    });
    this.#opts.store.saveRegistration(registration);
    this.#opts.logger('info', 'api_connection.registered', { issuerHost: new URL(issuer).host });
    return registration.clientId;
  }

  /**
   * Step 1. The API is asked without a token: a 401 naming `resource_metadata`
   * (§5.1) is followed, and then the metadata's `resource` must be exactly the
   * URL asked (§3.3); otherwise the well-known path of that URL.
   */
  async #resourceMetadata(url: URL): Promise<ResourceMetadata> {
    const timeoutMs = this.#opts.requestTimeoutMs ?? 5000;
    const probe = boundedFetch(this.#opts.fetch, { timeoutMs, maxBytes: 64 * 1024, what: `the answer of the API at ${url.origin}` });
    let from: string | undefined;
    if (url.protocol === 'https:' || url.protocol === 'http:') {
      const answer = await probe(url, { headers: { accept: 'application/json' }, redirect: 'manual' }).catch((err: unknown) => {
        if (isAuthError(err) && err.code === 'network_error') throw err;
        return null;
      });
      if (answer?.status === 401) from = resourceMetadataChallenge(answer.headers.get('www-authenticate')) ?? undefined;
    }
    const metadata = await fetchResourceMetadata(url.href, { fetch: this.#opts.fetch, timeoutMs, ...(from !== undefined ? { from } : {}) });
    if (!metadata)
      throw new AuthError(
        'invalid_request',
        `The API at ${url.origin} does not describe itself (no RFC 9728 protected-resource metadata), so it needs a configured profile.`,
      );
    return metadata;
  }

  /** The document URL an API was connected with, while the app still publishes that one. */
  #documentFor(api: DiscoveredApi): string | undefined {
    return api.clientIdDocument !== undefined && api.clientIdDocument === this.#opts.config.clientMetadataDocument ? api.clientIdDocument : undefined;
  }

  #configuredFor(issuer: string): ProviderConfig | undefined {
    return this.#opts.config.providers.find((p) => p.issuer === issuer && (p.clientAuth?.method ?? 'none') === 'none');
  }

  #providerOptions() {
    return {
      fetch: this.#opts.fetch,
      clock: this.#opts.clock,
      ...(this.#opts.timeoutSeconds !== undefined ? { timeoutSeconds: this.#opts.timeoutSeconds } : {}),
    };
  }

  /** A profile only for reading the server's metadata. */
  #bareProfile(issuer: string): ProviderConfig {
    return this.#validated({
      id: 'discovering',
      displayName: new URL(issuer).host,
      issuer,
      clientId: 'unregistered',
      scopes: ['openid'],
      apiBaseUrls: [issuer],
    });
  }

  /** The profile the core signs in with: the same validation as a configured one. */
  #profile(api: DiscoveredApi, clientId: string): ProviderConfig {
    return this.#validated({
      id: discoveredProviderId(api.resource),
      displayName: api.serverName,
      issuer: api.issuer,
      clientId,
      scopes: api.scopes,
      apis: [
        {
          id: API_ID,
          displayName: api.name ?? new URL(api.resource).host,
          baseUrl: api.resource,
          resource: api.resource,
          dpop: api.dpop,
          ...(api.apiScopes.length > 0 ? { scopes: api.apiScopes } : {}),
        },
      ],
    });
  }

  #validated(provider: Record<string, unknown>): ProviderConfig {
    const parsed = parseAppConfig({ scheme: this.#opts.config.scheme, providers: [provider] }).providers[0];
    if (!parsed) throw new AuthError('internal_error');
    return parsed;
  }

  #prune(): void {
    const now = this.#opts.clock();
    for (const [id, plan] of this.#plans) if (now - plan.at > PLAN_TTL_MS) this.#plans.delete(id);
    while (this.#plans.size >= MAX_PLANS) {
      const oldest = this.#plans.keys().next().value;
      if (oldest === undefined) break;
      this.#plans.delete(oldest);
    }
  }
}

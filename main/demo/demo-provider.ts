/**
 * The embedded demo: a real OpenID Provider (panva's oidc-provider, OpenID
 * Certified) and a demo API on 127.0.0.1, so the app works with no account
 * and no configuration. The API validates access tokens by RFC 7662 token
 * introspection against the provider, as a real resource server would, so a
 * revoked or expired token is refused.
 *
 * DPoP (RFC 9449) and pushed authorization requests (RFC 9126) are on: a
 * client that sends proofs gets tokens bound to its key, which the demo API
 * checks (`cnf.jkt`); PAR is offered, and can be required.
 *
 * Step-up (RFC 9470): the provider knows two authentication levels
 * (`acr_values_supported`: password, password + one-time code) and signs the
 * person in again when an authorization asks `acr_values` for a level the
 * session has not reached; the demo API demands the stronger one on `/admin`.
 * The device flow (RFC 8628) is on, with the provider's own device pages.
 *
 * Loopback only, with signing keys made fresh at each start. Grants and
 * refresh tokens live in memory; with `stateFile` (as the app uses it) they
 * and the port are also saved there, so a saved sign-in survives a restart.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors as oidcErrors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { handleDemoApi, handleDemoResourceMetadata, isDemoResourceMetadataPath, type DemoApiOptions } from './demo-api';
import { DemoDpopVerifier } from './dpop-verifier';
import { handleInteraction, DEMO_ACCOUNT, DEMO_ACR, DEMO_COLLEAGUE, demoPerson, deviceFlowPages } from './interactions';
import { createDemoAdapterFactory, parseDemoSnapshot } from './memory-adapter';
import { JsonFileStore } from '../auth/json-file-store';
import { noopLogger } from '../auth/log';
import type { Logger } from '../auth/types';
import type { DemoApi, DemoCounters, DemoProvider, DemoProviderOptions } from './demo-provider-types';

export type { DemoApi, DemoCounters, DemoProvider, DemoProviderOptions } from './demo-provider-types';

const API_CLIENT_ID = 'demo-api';

/** A request parameter as text: a repeated one joined with commas, an absent one empty. */
function paramText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(paramText).join(',');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

export async function startDemoProvider(opts: DemoProviderOptions): Promise<DemoProvider> {
  const clientId = opts.clientId ?? 'desktop-demo';
  const apiSecret = randomBytes(24).toString('base64url');
  const counters: DemoCounters = { authorizationCode: 0, refreshToken: 0, refreshByResource: {}, revocations: 0, apiCalls: 0 };
  const log: Logger = opts.logger ?? noopLogger;

  const store = opts.stateFile ? new JsonFileStore(opts.stateFile) : null;
  const savedPort = Number(store?.get('port'));
  const savedEntries = store?.get('entries');

  // Listen first: the issuer must carry the real port. The saved port keeps the issuer stable across runs.
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }) : createServer();
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const wanted = opts.port ?? (Number.isInteger(savedPort) && savedPort > 0 && savedPort < 65536 ? savedPort : 0);
  try {
    await listen(wanted);
  } catch (err) {
    if (wanted === 0 || opts.port !== undefined) throw err;
    log('warn', 'demo.saved_port_busy', { port: wanted });
    await listen(0);
  }
  const port = (server.address() as AddressInfo).port;
  const issuer = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  // Grants from a provider on another port belong to another issuer: start clean then.
  const samePort = port === savedPort;
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  const save = () => {
    if (!store) return;
    saveTimer = null;
    try {
      store.set('port', port);
      store.set('entries', adapter.snapshot());
    } catch (err) {
      log('warn', 'demo.state_save_failed', { message: err instanceof Error ? err.message : 'unknown' });
    }
  };
  const adapter = createDemoAdapterFactory({
    ...(opts.storeNow ? { now: opts.storeNow } : {}),
    initial: samePort ? parseDemoSnapshot(savedEntries) : [],
    onChange: () => {
      if (!store || saveTimer) return;
      saveTimer = setTimeout(save, 100);
      saveTimer.unref();
    },
  });
  if (store) save();

  const dpopOn = opts.dpop !== false;
  const requireNonce = opts.dpop !== false && opts.dpop?.requireNonce === true;
  const dpopVerifier = new DemoDpopVerifier({ requireNonce });

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: randomBytes(8).toString('hex') };

  const demoApi = (id: DemoApi['id'], displayName: string, scope: string, path = `/api/${id}`): DemoApi => ({
    id,
    displayName,
    baseUrl: `${issuer}${path}`,
    resource: `${issuer}${path}`,
    scopes: [scope],
  });
  const apis = { contacts: demoApi('contacts', 'Contacts', 'contacts:read'), calendar: demoApi('calendar', 'Calendar', 'calendar:read') };
  const discoverableApi = demoApi('tools', 'Tools', 'tools:read', '/tools');
  const resourceApis = [...Object.values(apis), discoverableApi];
  const accessTokenTTL = opts.accessTokenTtlSeconds ?? 300;
  const honoursAcr = opts.acr?.ignoreAcrValues !== true;
  const deviceFlow = opts.deviceFlow === false ? null : (opts.deviceFlow ?? {});

  // OIDC Core §3.1.2.1: acr_values are voluntary, so oidc-provider keeps a session of a lower level.
  // This provider honours them (RFC 9470 §4): a session below every requested level signs in again.
  const policy = interactionPolicy.base();
  if (honoursAcr) {
    policy.get('login')?.checks.add(
      new interactionPolicy.Check('acr_values_not_met', 'the requested authentication level was not reached', (ctx) => {
        const requested = paramText(ctx.oidc.params?.acr_values).split(' ').filter(Boolean);
        return requested.length > 0 && !requested.includes(ctx.oidc.acr) ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      }),
    );
  }

  const configuration: Configuration = {
    adapter,
    clients: [
      {
        client_id: clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', ...(deviceFlow ? ['urn:ietf:params:oauth:grant-type:device_code'] : [])],
        response_types: ['code'],
        redirect_uris: opts.redirectUris,
        post_logout_redirect_uris: opts.redirectUris,
        ...(opts.clientScope !== undefined ? { scope: opts.clientScope } : {}),
      },
      {
        client_id: API_CLIENT_ID,
        client_secret: apiSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [jwk] },
    ...(opts.clientIdMetadataDocument ? { fetch: opts.clientIdMetadataDocument.fetch } : {}),
    ...(opts.dpop && opts.dpop.signingAlgs ? { enabledJWA: { dPoPSigningAlgValues: opts.dpop.signingAlgs } } : {}),
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    acrValues: [DEMO_ACR.password, DEMO_ACR.mfa],
    // The level and time of the sign-in a token comes from, for the demo API (introspection shows
    // an opaque token's extra claims): what lets it demand a stronger sign-in (RFC 9470).
    extraTokenClaims: (ctx) => {
      const { AuthorizationCode, RefreshToken, DeviceCode } = ctx.oidc.entities;
      const source = AuthorizationCode ?? RefreshToken ?? DeviceCode;
      return source ? { acr: source.acr, auth_time: source.authTime } : undefined;
    },
    // oidc-provider awaits these callbacks; a plain value will do.
    findAccount: (_ctx, sub) => {
      const person = demoPerson(sub);
      return person ? { accountId: sub, claims: () => ({ sub, name: person.name, email: person.email, email_verified: true }) } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy },
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        // A public client may revoke only its own tokens.
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        // Only the demo API (a confidential client) may introspect the desktop client's tokens.
        allowedPolicy: (_ctx, client, token) => client.clientId === API_CLIENT_ID || token.clientId === client.clientId,
      },
      rpInitiatedLogout: { enabled: true },
      // RFC 7591, open (no initial access token): an app given only an API URL registers itself ("Connect to an API by URL").
      registration: { enabled: opts.registration !== false },
      ...(opts.clientIdMetadataDocument ? { clientIdMetadataDocument: { enabled: true, ack: 'draft-02' } } : {}),
      deviceFlow: { enabled: deviceFlow !== null, ...deviceFlowPages },
      // RFC 8707: each demo API is a resource server with its own audience and scope.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, resource) => {
          const api = resourceApis.find((a) => a.resource === resource);
          if (!api) throw new oidcErrors.InvalidTarget();
          return { scope: api.scopes.join(' '), audience: api.resource, accessTokenFormat: 'opaque', accessTokenTTL };
        },
      },
      dPoP: {
        enabled: dpopOn,
        nonceSecret: randomBytes(32),
        requireNonce: () => requireNonce,
      },
      pushedAuthorizationRequests: {
        enabled: opts.par !== false,
        requirePushedAuthorizationRequests: opts.par !== false && opts.par?.required === true,
      },
    },
    pkce: { required: () => true },
    // The demo always issues refresh tokens to the desktop client (no prompt=consent dance),
    // rotates them on every use, and does not tie them to the browser session.
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (opts.refreshTokens !== 'offline_access' || code.scopes.has('offline_access')),
    rotateRefreshToken: () => true,
    expiresWithSession: () => false,
    ttl: {
      AccessToken: accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Interaction: 600,
      DeviceCode: deviceFlow?.ttlSeconds ?? 600,
      Session: 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      // `out` is oidc-provider's own error summary: `error` is always set.
      const text =
        out.error === 'invalid_request_uri'
          ? 'This sign-in page has expired. Start the sign-in again from the app.'
          : (out.error_description ?? out.error).replace(/[&<>"']/g, '');
      ctx.body = `<!doctype html><meta charset="utf-8"><title>Error</title><h1>Sign-in error</h1><p>${text}</p>`;
    },
  };

  const provider = new Provider(issuer, configuration);
  const interval = deviceFlow?.intervalSeconds;
  if (interval !== undefined) {
    // RFC 8628 §3.2 `interval`, which oidc-provider does not send.
    provider.use(async (ctx, next) => {
      await next();
      const body: unknown = ctx.body;
      if (ctx.path === '/device/auth' && ctx.status === 200 && typeof body === 'object' && body !== null) ctx.body = { ...body, interval };
    });
  }
  opts.onProvider?.(provider);
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grant = ctx.oidc.params?.grant_type;
    if (grant === 'authorization_code') counters.authorizationCode += 1;
    if (grant === 'refresh_token') {
      counters.refreshToken += 1;
      const resource = paramText(ctx.oidc.params?.resource);
      counters.refreshByResource[resource] = (counters.refreshByResource[resource] ?? 0) + 1;
    }
  });
  provider.on('server_error', (_ctx: unknown, err: Error) => {
    log('error', 'demo.server_error', { message: err.message });
  });
  const oidc = provider.callback();
  const introspectionUrl = `${issuer}/token/introspection`;

  const apiOptions: DemoApiOptions = {
    introspectionUrl,
    clientId: API_CLIENT_ID,
    clientSecret: apiSecret,
    audienceClientId: clientId,
    apis: resourceApis,
    origin: issuer,
    dpop: dpopVerifier,
    ...(opts.apiDpop ? { dpopStance: opts.apiDpop } : {}),
    ...(opts.apiFetch ? { fetch: opts.apiFetch } : {}),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/api' || path.startsWith('/api/') || path === '/tools' || path.startsWith('/tools/')) {
      counters.apiCalls += 1;
      void handleDemoApi(req, res, apiOptions);
      return;
    }
    if (isDemoResourceMetadataPath(path)) {
      handleDemoResourceMetadata(req, res, { ...apiOptions, issuer });
      return;
    }
    if (path.startsWith('/interaction/')) {
      void handleInteraction(provider, req, res, honoursAcr).catch((err: unknown) => {
        log('warn', 'demo.interaction_failed', { message: err instanceof Error ? err.message : 'unknown' });
        if (!res.headersSent) {
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
          res.end('<!doctype html><meta charset="utf-8"><title>Error</title><p>This sign-in page has expired. Start again from the app.</p>');
        }
      });
      return;
    }
    if (req.method === 'POST' && path === '/token/revocation') counters.revocations += 1;
    void oidc(req, res);
  });

  let closed: Promise<void> | null = null;
  return {
    issuer,
    apiBaseUrl: `${issuer}/api`,
    clientId,
    credentials: { username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password },
    colleague: { username: DEMO_COLLEAGUE.username, password: DEMO_COLLEAGUE.password },
    apis,
    discoverableApi,
    counters,
    rotateDpopNonce: () => {
      dpopVerifier.rotateNonce();
    },
    close: () => {
      if (saveTimer) {
        clearTimeout(saveTimer);
        save();
      }
      closed ??= new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/**
 * "Connect to an API by URL" in the sign-in figures: from a bare API URL to
 * the profile the sign-in starts with — RFC 9728 probe and metadata, RFC 8414
 * discovery, RFC 7591 registration (a new one every round) — through
 * `ApiConnections` (plan + confirm, as `connectApi` runs them before the
 * browser opens). The floor makes the same four requests bare: fetch and
 * JSON.parse, no validation, no limits. The browser part is the sign-in's,
 * measured by `sign_in_overhead`.
 */
import { ApiConnections } from '../main/auth/api-connections';
import { parseAppConfig } from '../main/auth/config';
import { DiscoveryStore } from '../main/auth/discovery-store';
import { noopLogger } from '../main/auth/log';
import type { BenchEnv } from './sections';
import { compared, type Metric } from './stats';

const now = () => performance.now();

export async function connectDiscovery(env: BenchEnv): Promise<Record<string, Metric>> {
  const apiUrl = env.demo.discoverableApi.resource;
  // A profile that knows nothing of the demo, so nothing is "already configured" and a registration happens.
  const config = parseAppConfig({
    scheme: env.scheme,
    providers: [
      { id: 'other', displayName: 'Other', issuer: 'https://id.other.example', clientId: 'x', scopes: ['openid'], apiBaseUrls: ['https://api.other.example'] },
    ],
  });
  const fetch = globalThis.fetch.bind(globalThis);
  const ours = async (): Promise<number> => {
    const connections = new ApiConnections({ config, store: DiscoveryStore.inMemory(), fetch, clock: Date.now, logger: noopLogger, appName: 'Bench' });
    const t0 = now();
    const plan = await connections.plan(apiUrl);
    const profile = await connections.confirm(plan.id);
    const ms = now() - t0;
    if (plan.client !== 'register' || !profile.clientId) throw new Error('the connection registered no client');
    return ms;
  };
  const bare = async (): Promise<number> => {
    const t0 = now();
    const probe = await fetch(apiUrl);
    await probe.arrayBuffer();
    const challenge = /resource_metadata="([^"]+)"/.exec(probe.headers.get('www-authenticate') ?? '')?.[1];
    if (!challenge) throw new Error('the demo API named no resource_metadata');
    const metadata = (await (await fetch(challenge)).json()) as { authorization_servers: string[] };
    const issuer = metadata.authorization_servers[0];
    const server = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { registration_endpoint: string };
    const registered = await fetch(server.registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Bench',
        application_type: 'native',
        redirect_uris: [`${env.scheme}:/callback`],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      }),
    });
    const body = (await registered.json()) as { client_id?: string };
    const ms = now() - t0;
    if (registered.status !== 201 || !body.client_id) throw new Error(`bare registration answered ${registered.status}`);
    return ms;
  };
  for (let i = 0; i < 3; i += 1) {
    await ours();
    await bare();
  }
  const rounds = env.n(60, 8);
  const measured: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    // ABBA, as every section: drift hits both alike.
    if (i % 2 === 0) {
      measured.push(await ours());
      floor.push(await bare());
    } else {
      floor.push(await bare());
      measured.push(await ours());
    }
  }
  env.progress(`connect by URL: ${rounds} + ${rounds} discoveries and registrations`);
  return {
    sign_in_api_discovery: compared(measured, floor, {
      unit: 'ms',
      note: 'API URL → profile ready to sign in: RFC 9728 probe + metadata, RFC 8414 discovery, RFC 7591 registration, validated and bounded; floor: the same four requests bare (fetch + JSON.parse)',
    }),
  };
}

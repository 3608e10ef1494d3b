/**
 * 7. DPoP (RFC 9449) on the API path: an API call through the app with a
 * DPoP-bound token (IPC handler → core → fresh proof → fetch → V8
 * serialisation) against openid-client's own `fetchProtectedResource` with a
 * DPoP handle and a DPoP-bound token of its own, in the same run against the
 * same demo API (which introspects the token and verifies the proof). Also:
 * the cost of one proof, and of the first call after a nonce challenge.
 */
import path from 'node:path';
import * as client from 'openid-client';
import { parseAppConfig } from '../main/auth/config';
import { DpopKey } from '../main/auth/dpop';
import { isApiSuccess, startCoreHarness } from './core-harness';
import type { BenchEnv } from './sections';
import { compared, interleave, type Metric } from './stats';

const now = () => performance.now();

export async function apiCallsDpop(env: BenchEnv): Promise<Record<string, Metric>> {
  const { demo, bare } = env;
  const config = parseAppConfig({
    scheme: env.scheme,
    providers: [{ id: 'demo', displayName: 'Demo', issuer: demo.issuer, clientId: demo.clientId, scopes: env.scope.split(' '), apiBaseUrls: [demo.apiBaseUrl], dpop: 'required' }],
  });
  const harness = await startCoreHarness(demo, config, path.join(env.dir, 'dpop'), env.scheme);
  try {
    await harness.signIn();
    const header = harness.timer.captureAuthorization();
    if (!isApiSuccess(await harness.callApi())) throw new Error('DPoP API call through the core failed');
    if (!(await header).startsWith('DPoP ')) throw new Error('the core did not send a DPoP-bound token');

    // The floor: openid-client alone, its own key pair and DPoP-bound token.
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const handle = client.getDPoPHandle(bare.config, keyPair);
    const a = await bare.authorize(env.scope);
    const tokens = await client.authorizationCodeGrant(
      bare.config,
      a.callback,
      { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce, idTokenExpected: true },
      undefined,
      { DPoP: handle },
    );
    if (tokens.token_type !== 'dpop') throw new Error(`the floor got a ${tokens.token_type} token, not a DPoP-bound one`);
    const url = new URL(`${demo.apiBaseUrl}/hello`);
    const floorCall = async () => {
      const res = await client.fetchProtectedResource(bare.config, tokens.access_token, url, 'GET', undefined, undefined, { DPoP: handle });
      return res.text();
    };
    const timeOurs = async () => {
      const t0 = now();
      const answer = await harness.callApi();
      const dt = now() - t0;
      if (!isApiSuccess(answer)) throw new Error('DPoP API call through the core failed');
      return dt;
    };
    const timeFloor = async () => {
      const t0 = now();
      const text = await floorCall();
      const dt = now() - t0;
      if (!text.includes('Hello')) throw new Error('openid-client DPoP call failed');
      return dt;
    };
    await interleave(env.n(200, 40), timeOurs, timeFloor);
    const seq = await interleave(env.n(2000, 200), timeOurs, timeFloor);
    env.progress(`dpop: ${seq.a.length} + ${seq.b.length} sequential calls`);

    // One proof: sign an ES256 JWT (htm, htu, ath, jti, iat) with a key held in memory.
    const key = await DpopKey.generate('ES256');
    const proofs: number[] = [];
    for (let i = 0; i < env.n(2000, 200); i += 1) {
      const t0 = now();
      await key.resourceProofs.proof('GET', url, 'an-access-token-of-typical-length-0123456789abcdef');
      proofs.push(now() - t0);
    }

    // The first call after the API's nonce changed: 401 use_dpop_nonce, then the retry with the new nonce.
    const before = (await demo.counters()).apiCalls;
    await demo.rotateDpopNonce();
    await timeOurs();
    if ((await demo.counters()).apiCalls - before !== 2) throw new Error('a rotated nonce did not cause exactly one challenge and one retry');
    const challenged = await interleave(
      env.n(200, 30),
      async () => {
        await demo.rotateDpopNonce();
        return timeOurs();
      },
      async () => {
        await demo.rotateDpopNonce();
        return timeFloor();
      },
    );
    env.progress(`dpop: ${proofs.length} proofs, ${challenged.a.length} + ${challenged.b.length} challenged calls`);
    return {
      api_call_dpop: compared(seq.a, seq.b, {
        unit: 'ms per call',
        target: { limit: 1.1, on: 'ratio' },
        note: 'api:request IPC handler → core (DPoP-bound token from memory, fresh ES256 proof with htm/htu/ath/jti, nonce remembered) → fetch → answer serialised as Electron IPC does; floor: openid-client fetchProtectedResource with its own DPoP handle and DPoP-bound token + text(); the demo API introspects and verifies the proof for both',
      }),
      api_call_dpop_proof: compared(proofs, null, { unit: 'ms per proof', note: 'DpopKey proof for a resource server: SHA-256 of the token (ath) + ES256 JWT signature (WebCrypto)' }),
      api_call_dpop_after_nonce: compared(challenged.a, challenged.b, {
        unit: 'ms per call',
        note: 'the first call after the API changed its nonce: 401 use_dpop_nonce, nonce remembered, one retry with a new proof; floor: openid-client fetchProtectedResource doing the same (its retry on use_dpop_nonce)',
      }),
    };
  } finally {
    await harness.close().catch(() => {});
  }
}

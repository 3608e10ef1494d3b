/**
 * The demo provider in its own process for the benchmark, so that the
 * provider's work does not share an event loop with the code being measured
 * (as a real, remote provider would not). Talks to the parent over IPC.
 * argv[2]: the redirect URI to register.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoProvider } from '../main/demo/demo-provider';

const redirectUri = process.argv[2] ?? 'com.example.desktop:/callback';
// DPoP nonces required (both servers): `api_call_dpop_after_nonce` forces a challenge by rotating the API's nonce.
// Only DPoP requests are affected; the Bearer sections do not send proofs.
const demo = await startDemoProvider({ redirectUris: [redirectUri], accessTokenTtlSeconds: 3600, dpop: { requireNonce: true } });
// `api_call_fast`: a resource server that answers at once (it checks that a bearer token came, and
// nothing else: no introspection), so the core's own cost per call is not hidden behind the demo API's ~1 ms.
const fastApi = createServer((req, res) => {
  if (!/^Bearer [\x21-\x7e]+$/.test(req.headers.authorization ?? '')) res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
  else res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"Hello from the fast API"}');
});
await new Promise<void>((resolve) => fastApi.listen(0, '127.0.0.1', resolve));
const fastApiBaseUrl = `http://127.0.0.1:${(fastApi.address() as AddressInfo).port}/fast`;
process.send?.({
  type: 'ready',
  issuer: demo.issuer,
  apiBaseUrl: demo.apiBaseUrl,
  fastApiBaseUrl,
  clientId: demo.clientId,
  credentials: demo.credentials,
  colleague: demo.colleague,
  apis: demo.apis,
  discoverableApi: demo.discoverableApi,
});
let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  fastApi.close();
  void demo.close().finally(() => process.exit(0));
};
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'counters') process.send?.({ type: 'counters', counters: { ...demo.counters, refreshByResource: { ...demo.counters.refreshByResource } } });
  if (msg.type === 'rotate-nonce') {
    demo.rotateDpopNonce();
    process.send?.({ type: 'rotated' });
  }
  if (msg.type === 'close') close();
});
// The parent died or closed the channel: do not linger.
process.on('disconnect', close);

/**
 * The demo provider in its own process for the benchmark, so that the
 * provider's work does not share an event loop with the code being measured
 * (as a real, remote provider would not). Talks to the parent over IPC.
 * argv[2]: the redirect URI to register.
 */
import { startDemoProvider } from '../main/demo/demo-provider';

const redirectUri = process.argv[2] ?? 'com.example.desktop:/callback';
// DPoP nonces required (both servers): `api_call_dpop_after_nonce` forces a challenge by rotating the API's nonce.
// Only DPoP requests are affected; the Bearer sections do not send proofs.
const demo = await startDemoProvider({ redirectUris: [redirectUri], accessTokenTtlSeconds: 3600, dpop: { requireNonce: true } });
process.send?.({
  type: 'ready',
  issuer: demo.issuer,
  apiBaseUrl: demo.apiBaseUrl,
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

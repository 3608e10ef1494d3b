/**
 * The demo provider in its own process for the benchmark, so that the
 * provider's work does not share an event loop with the code being measured
 * (as a real, remote provider would not). Talks to the parent over IPC.
 */
import { startDemoProvider } from '../main/demo/demo-provider';

const demo = await startDemoProvider({ redirectUris: ['com.example.desktop:/callback'], accessTokenTtlSeconds: 3600 });
process.send?.({ type: 'ready', issuer: demo.issuer, apiBaseUrl: demo.apiBaseUrl, clientId: demo.clientId, credentials: demo.credentials });
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'counters') process.send?.({ type: 'counters', counters: { ...demo.counters } });
  if (msg.type === 'close') void demo.close().then(() => process.exit(0));
});
process.on('disconnect', () => void demo.close().then(() => process.exit(0)));

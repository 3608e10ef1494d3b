/**
 * This app's preload (`dist/preload/index.cjs`): the bridge and nothing else,
 * exactly what another app's preload gets from `oidc-desktop/preload`.
 */
import { exposeAuthBridge } from './expose-auth-bridge';

exposeAuthBridge();

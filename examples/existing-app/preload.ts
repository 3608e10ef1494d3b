// Bundled to preload.cjs (npm run build): a sandboxed preload must be one CommonJS file.
// --- sign-in: preload ---
import { exposeAuthBridge } from 'oidc-desktop/preload';
exposeAuthBridge();
// --- end sign-in: preload ---

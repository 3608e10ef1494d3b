/**
 * `oidc-desktop/preload`: `exposeAuthBridge()`, the one line of a preload
 * script that gives the page `window.auth` (and nothing generic).
 */
export { exposeAuthBridge } from '../preload/expose-auth-bridge';

// --- sign-in: renderer types ---
import type { AuthBridge } from 'oidc-desktop/renderer';
declare global {
  interface Window {
    auth: AuthBridge;
  }
}
// --- end sign-in: renderer types ---
export {};

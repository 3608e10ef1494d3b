import type { AuthBridge } from '../main/ipc/contract-types';

declare global {
  interface Window {
    /** Exposed by the preload (`preload/index.ts`); the page's only way out. */
    readonly auth: AuthBridge;
  }
}

export {};

/**
 * `oidc-desktop/main`: the main-process glue as one call, `installAuth`
 * (main/platform/install-auth.ts), which this repository's own app uses too.
 */
export { installAuth, type AuthApp, type AuthConfigSource, type AuthWindow, type InstallAuthOptions, type InstalledAuth } from '../main/platform/install-auth';
export type { IpcInvokeEventLike, IpcMainLike } from '../main/ipc/handlers';
export type { ProxyCredentials } from '../main/platform/net-fetch';

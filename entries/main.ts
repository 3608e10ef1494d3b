/**
 * `oidc-desktop/main`: the main-process glue as one call, `installAuth`
 * (main/platform/install-auth.ts), which this repository's own app uses too.
 */
export { installAuth, type AuthApp, type AuthConfigSource, type AuthWindow, type InstallAuthOptions, type InstalledAuth } from '../main/platform/install-auth';
export type { IpcInvokeEventLike, IpcMainLike } from '../main/ipc/handlers';
export type { AppInfo } from '../main/ipc/contract-types';
export type { Language } from '../main/i18n/strings';
export type { ProxyCredentials } from '../main/platform/net-fetch';
// The core's types that installAuth's signature names, so `oidc-desktop/main` alone is enough to
// write a host's options (the same declarations as `oidc-desktop`'s, not copies).
export type { AuthCoreOptions } from '../main/auth/auth-core';
export type { AppConfig } from '../main/auth/config';
export type { AuthCore, Cipher, FetchLike, KeyValueStore, Logger, UrlOpener } from '../main/auth/types';

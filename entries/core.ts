/**
 * `oidc-desktop`: the Electron-free auth core. Runs in plain Node; the host
 * passes in what it needs from the platform (cipher, store, fetch, opener).
 * Everything exported here is the public API (docs/semver.md); anything
 * imported from another path inside the package is not.
 */
export { createAuthCore, type AccountVault, type AuthCoreOptions } from '../main/auth/auth-core';
export { parseAppConfig, type ApiEntry, type AppConfig, type FeatureSwitch, type ProviderConfig } from '../main/auth/config';
export type { BackoffPolicy } from '../main/auth/backoff';
export { DiscoveryStore, type ClientRegistration, type DiscoveredApi, type DiscoveryStoreDeps } from '../main/auth/discovery-store';
export type { DpopPrivateJwk } from '../main/auth/dpop';
export type { RevocationStore } from '../main/auth/revocation-retry';
export { AUTH_ERROR_CODES, AuthError, isAuthError, toErrorPayload, type AuthErrorCode, type ErrorPayload } from '../main/auth/errors';
export { JsonFileStore, type JsonFileStoreOptions } from '../main/auth/json-file-store';
export { jsonLinesLogger } from '../main/auth/log';
export { Vault, type PendingRevocation, type StoredAccount, type StoredCredentials, type VaultDeps } from '../main/auth/vault';
export type { StoredAccessToken } from '../main/auth/vault-schemas';
export { HTTP_METHODS } from '../main/auth/types';
export type {
  AccountSummary,
  ApiConnectionPlan,
  ApiRequest,
  ApiResponse,
  AuthCore,
  BearerToken,
  Cipher,
  Clock,
  BrowserSignInPrompt,
  DeviceSignInPrompt,
  DpopProofSigner,
  FetchLike,
  HttpMethod,
  KeyValueStore,
  Logger,
  LogLevel,
  ProviderSummary,
  RevocationState,
  SessionState,
  SignInOptions,
  StorageStatus,
  UrlOpener,
  UserInfo,
} from '../main/auth/types';

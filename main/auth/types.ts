/**
 * What the auth core needs from its host, passed in as arguments so the core
 * runs in plain Node (tests, other apps) and in Electron alike.
 */

/** Encrypts secrets at rest. In Electron: `safeStorage`. */
export interface Cipher {
  /** False when the OS offers no encryption at all. */
  isEncryptionAvailable(): boolean;
  /**
   * The backend in use. On Linux Electron reports `basic_text` when no secret
   * service is running: the "encryption" then uses a hard-coded key, which
   * protects nothing, so the vault treats it as unavailable.
   */
  backend(): string;
  encrypt(plaintext: string): Uint8Array;
  decrypt(ciphertext: Uint8Array): string;
}

/** A small persistent key-value store. In Electron: electron-store (bundled into dist/main). */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** Opens a URL in the person's system browser. In Electron: `shell.openExternal`. */
export type UrlOpener = (url: string) => Promise<void>;

/** Milliseconds since the epoch. Injected so tests can move time. */
export type Clock = () => number;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Structured logger. The core only ever passes non-secret fields; the
 * redacting wrapper in `log.ts` is a second line of defence.
 */
export type Logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

export type FetchLike = typeof fetch;

/** An access token and the scheme it is sent with (`token_type`). */
export interface BearerToken {
  token: string;
  type: string;
}

/**
 * Signs DPoP proofs (RFC 9449) for requests to a resource server, holding the
 * key in the main process. The API client sees only this: never the key.
 */
export interface DpopProofSigner {
  /** A fresh proof (new `jti`) for `htm` + `url` (its query and fragment are left out), bound to `accessToken`. */
  proof(htm: string, url: URL, accessToken: string): Promise<string>;
  /** Remembers a nonce a server sent (`DPoP-Nonce`), for the proofs to its origin that follow. */
  rememberNonce(url: URL, nonce: string): void;
}

export interface UserInfo {
  sub: string;
  name?: string;
  email?: string;
}

/** One signed-in account as the renderer may see it: who, where, whether active. No token. */
export interface AccountSummary {
  /** `${providerId}:${sub}`. */
  id: string;
  providerId: string;
  providerName: string;
  name?: string;
  email?: string;
  active: boolean;
  /** The account's provider could not be reached at its last refresh; the core retries by itself. */
  offline?: boolean;
  /** Something needs the person: a permission to grant (`consentNeeded`) or a stronger sign-in (`stepUpNeeded`). */
  needsAttention: boolean;
  /** APIs waiting for consent (`requestConsent`). */
  consentNeeded?: string[];
  /**
   * Present when the provider gave no refresh token and the access token is
   * short-lived: the sign-in ends then (epoch ms), restart or not, and the
   * person signs in again. The window says so; the log names the likely cause.
   */
  signInEndsAt?: number;
  /**
   * APIs that asked for a stronger or more recent sign-in (RFC 9470), newest
   * last (`requestStepUp`): a declared API's id, `#<index>` for an `apiBaseUrls` entry.
   */
  stepUpNeeded?: string[];
}

/**
 * The sign-in state as the renderer may see it: no token, ever. `status`,
 * `providerId` and `user` describe the active account; `accounts` lists all
 * (always set by the core; optional so older callers' fakes still type-check).
 */
export type SessionState = (
  | {
      status: 'signed_out';
      storage: StorageStatus;
      providerId: string | null;
      /** Why the session ended when it was not the person's own sign-out (e.g. refresh token revoked). */
      reason?: { code: string; message: string };
      /** After the person's own sign-out: whether the provider was told (RFC 7009). */
      revocation?: RevocationState;
    }
  | {
      status: 'signing_in';
      storage: StorageStatus;
      providerId: string;
      /** Signing in on another device (RFC 8628): what the window shows, once the provider has answered. */
      device?: DeviceSignInPrompt;
      /** Signing in in this computer's browser, once the page was built: for "Copy link" and the time left. */
      browser?: BrowserSignInPrompt;
    }
  | {
      status: 'signed_in';
      storage: StorageStatus;
      providerId: string;
      user: UserInfo;
      /**
       * `offline`: still signed in, but the provider could not be reached at the
       * last attempt (network, 5xx, 429); the core retries by itself with backoff
       * and switches back to `online` when a refresh succeeds.
       */
      connectivity: 'online' | 'offline';
    }
) & { accounts?: AccountSummary[] };

/**
 * `revoked`: the provider confirmed; `not_offered`: it has no revocation
 * endpoint (the sign-in ends when its tokens expire); `failed`: it refused or
 * could not be reached. With `retrying`, the token is kept encrypted and the
 * revocation retried (at start-up and when the network returns) until it
 * succeeds or the retry window ends.
 */
export interface RevocationState {
  outcome: 'revoked' | 'not_offered' | 'failed';
  retrying: boolean;
}

export interface StorageStatus {
  /** True when the refresh token is kept encrypted on disk. */
  persistent: boolean;
  /** Present when secrets are kept in memory only, in words for the person. */
  notice?: string;
}

/** The methods the renderer may ask for (validated at the IPC boundary from this list). */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A request the renderer asks the main process to make with the person's token. */
export interface ApiRequest {
  method: HttpMethod;
  /** Path relative to one of the provider's API base URLs, e.g. `/me`. */
  path: string;
  /**
   * Which API: a declared API id (`apis[].id`), or an index into the
   * provider's APIs (declared `apis` first, then `apiBaseUrls`); the first when absent.
   */
  api?: number | string;
  /** Whose token: an account id from `listAccounts()`; the active account when absent. */
  accountId?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The page a browser sign-in opened. The URL carries no secret: PKCE sends
 * only the challenge, PAR only a one-time `request_uri`; it is what the
 * browser's address bar shows anyway.
 */
export interface BrowserSignInPrompt {
  /** The authorization URL the system browser was asked to open. */
  url: string;
  /** Epoch ms when the sign-in times out (`signInTimeoutMs` after the page was opened). */
  expiresAt: number;
  /** Epoch ms when the page was opened: with `expiresAt`, the waiting view's progress. */
  startedAt: number;
}

/**
 * A sign-in on another device (RFC 8628 §3.3): the person opens
 * `verificationUri` on a phone or another computer and types `userCode`
 * (or scans `verificationUriComplete`, which carries the code). No token:
 * the device code that the app polls with stays in the main process.
 */
export interface DeviceSignInPrompt {
  userCode: string;
  /** https (or http on loopback), checked by the core. */
  verificationUri: string;
  /** The same origin as `verificationUri`, with the code in it; absent when the provider sent none (or an unsafe one). */
  verificationUriComplete?: string;
  /** Epoch ms when the code expires. */
  expiresAt: number;
}

/** A configured provider as the renderer may list it. */
export interface ProviderSummary {
  id: string;
  displayName: string;
  /** The profile allows signing in on another device (RFC 8628): as a `fallback`, or as the `only` way. */
  deviceCode?: 'fallback' | 'only';
  /** Its declared APIs (`apis`), for a picker. */
  apis?: { id: string; displayName: string }[];
}

export interface SignInOptions {
  /** OIDC `prompt`, e.g. `login` or `select_account` to add another person at the same provider. */
  prompt?: 'none' | 'login' | 'consent' | 'select_account';
  /** OIDC `login_hint`: who is expected to sign in. */
  loginHint?: string;
  /** Sign in on another device (RFC 8628) instead of this computer's browser; the profile must allow `deviceCode`. */
  onAnotherDevice?: boolean;
}

/**
 * The auth core's public surface (see README "Reusing the auth core").
 * Created by `createAuthCore()` in `auth-core.ts`.
 */
/**
 * What connecting to an API by its URL would do (`planApiConnection`), for the
 * person to see and confirm before anything is registered or opened.
 */
export interface ApiConnectionPlan {
  /** Pass to `connectApi` to go ahead. */
  id: string;
  /** The API's resource URL: its only base URL once connected. */
  apiUrl: string;
  apiHost: string;
  /** The authorization server the person will sign in to. */
  issuer: string;
  /** What the person must see before the browser opens. */
  issuerHost: string;
  /** The server is on another origin than the API (RFC 9728 allows it): shown to the person. */
  otherOrigin: boolean;
  scopes: string[];
  /** The API's `resource_name`. */
  apiName?: string;
  /**
   * `register`: RFC 7591 registration now; `reuse`: the app's earlier registration; `configured`: a profile's
   * client id; `metadata_document`: the app's Client ID Metadata Document URL is its client id there (no registration).
   */
  client: 'register' | 'reuse' | 'configured' | 'metadata_document';
  /** The provider id its account will have; request the API as `{ accountId, api: 'api' }`. */
  providerId: string;
}

export interface AuthCore {
  listProviders(): ProviderSummary[];
  getSession(): SessionState;
  /** Called on every state change; returns an unsubscribe function. */
  onSessionChanged(listener: (state: SessionState) => void): () => void;
  /** Silently restores a stored session (refresh token from the vault). Never throws. */
  restore(): Promise<SessionState>;
  /**
   * Opens the system browser and resolves once signed in; rejects with an
   * AuthError. A new person adds an account (and makes it active); the same
   * person at the same provider renews that account's tokens.
   */
  signIn(providerId?: string, options?: SignInOptions): Promise<SessionState>;
  /** Every signed-in account (no token). */
  listAccounts(): AccountSummary[];
  /** Makes an account the one `request` and `getSession` use by default. */
  setActiveAccount(accountId: string): Promise<SessionState>;
  /**
   * Incremental consent: a new authorization for the same person asking for
   * what `api` is missing. Rejects with `account_mismatch` (nothing changed)
   * when another person signs in.
   */
  requestConsent(api: string, options?: { accountId?: string }): Promise<SessionState>;
  /**
   * Step-up (RFC 9470), on the person's click: signs the same person in again
   * with what `api`'s challenge asked for (the newest challenge when `api` is
   * absent), and keeps the new tokens only when the new ID token's `acr` and
   * `auth_time` meet it (`step_up_failed` otherwise, nothing replaced; another
   * person: `account_mismatch`). Retrying the call is the caller's choice.
   */
  requestStepUp(api?: string, options?: { accountId?: string }): Promise<SessionState>;
  /** Ends the sign-in that is waiting for the browser, if any (`sign_in_cancelled`). */
  cancelSignIn(): void;
  /**
   * The deep-link entry point: hand it every URL the OS delivers. Returns true
   * when the URL was a callback for a pending sign-in (the outcome then settles
   * that sign-in's promise), false when it was ignored.
   */
  handleRedirect(url: string): boolean;
  /**
   * Finds the authorization server of an API from its URL alone (RFC 9728) and
   * says what connecting would do. Opens nothing, registers nothing.
   */
  planApiConnection(apiUrl: string): Promise<ApiConnectionPlan>;
  /**
   * After the person confirmed a plan: registers the app there if needed
   * (RFC 7591), then signs in like `signIn`, with `resource` = the API (RFC 8707).
   */
  connectApi(planId: string): Promise<SessionState>;
  /** Calls an allow-listed API with that account's token for that API; refreshes once on 401. */
  request(req: ApiRequest): Promise<ApiResponse>;
  /** Ends one account (the active one by default): revokes its tokens where supported; the others keep working. */
  signOut(accountId?: string): Promise<SessionState>;
  /** Ends every account. */
  signOutAll(): Promise<SessionState>;
  /** Stops timers and pending sign-ins. */
  dispose(): Promise<void>;
}

/**
 * `oidc-desktop/renderer`: the types of `window.auth` for the page. Types
 * only: the page talks to the main process through the bridge, never by
 * importing code from here. Declare it once in the renderer:
 *
 *   import type { AuthBridge } from 'oidc-desktop/renderer';
 *   declare global { interface Window { auth: AuthBridge } }
 */
export type {
  AccountInput,
  AddAccountInput,
  AppInfo,
  AuthBridge,
  ConnectApiInput,
  IpcContract,
  IpcPushContract,
  IpcResult,
  InvokeChannel,
  Invoker,
  PlanApiConnectionInput,
  PushSubscriber,
  RequestConsentInput,
  RequestStepUpInput,
  SignInInput,
  SignOutInput,
} from '../main/ipc/contract-types';
export type { AuthErrorCode, ErrorPayload } from '../main/auth/errors';
export type { Language } from '../main/i18n/strings';
export type {
  AccountSummary,
  ApiConnectionPlan,
  ApiRequest,
  ApiResponse,
  BrowserSignInPrompt,
  DeviceSignInPrompt,
  HttpMethod,
  ProviderSummary,
  RevocationState,
  SessionState,
  StorageStatus,
  UserInfo,
} from '../main/auth/types';

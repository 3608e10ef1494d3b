/**
 * The window's state and every change to it, as pure functions: an action
 * (actions.ts) asks the bridge, then hands the answer to one of these. No
 * DOM, no bridge, no clock — a unit test drives them in plain Node.
 */
import type { ApiResponse, AppInfo, ErrorPayload, ProviderSummary, SessionState } from '../main/ipc/contract-types';

/** One thing to tell the person at a time: a problem (`error`) or news about their own action (`info`). */
export interface Message {
  kind: 'error' | 'info';
  text: string;
  code?: string;
}

export interface ApiResult {
  /** The declared API id; undefined for the provider's default API. */
  api: string | undefined;
  response: ApiResponse;
}

export interface ViewState {
  appInfo: AppInfo | null;
  /** False when the page runs without the preload's bridge (a plain browser tab). */
  bridged: boolean;
  session: SessionState | null;
  providers: ProviderSummary[];
  /** The provider chosen in the picker (several providers only). */
  selectedProvider: string | null;
  /** Our own sign-in call is waiting for the browser (before the core's push arrives). */
  signingIn: boolean;
  /** An action other than sign-in is running; its controls say so (aria-disabled) and ignore clicks. */
  busy: boolean;
  message: Message | null;
  /** An API call answered `consent_required`: the prompt the person may start with a click. */
  consent: { api: string; accountId: string } | null;
  /** An API call answered `step_up_required` (RFC 9470): the core's words, and the call to repeat afterwards. */
  stepUp: { api?: string; accountId: string; message: string } | null;
  /** The person said "Not now" to the account's step-up badge: no prompt until a call asks again. */
  stepUpDismissed: boolean;
  apiResult: ApiResult | null;
  /** The API the last call went to, for "Retry now" while offline. */
  lastApi: { api: string | undefined } | null;
  /** Feedback of "Copy link" in the waiting view. */
  copied: 'link' | 'failed' | null;
}

export function initialState(): ViewState {
  return {
    appInfo: null,
    bridged: true,
    session: null,
    providers: [],
    selectedProvider: null,
    signingIn: false,
    busy: false,
    message: null,
    consent: null,
    stepUp: null,
    stepUpDismissed: false,
    apiResult: null,
    lastApi: null,
    copied: null,
  };
}

/** The codes that are the person's own doing, not a problem: said as news, not as an error. */
const OWN_DOING = new Set(['sign_in_cancelled']);

/** An IPC error as the one message to show (replacing any earlier one). */
export function withError(state: ViewState, error: ErrorPayload | { code: string; message: string }, cancelledText: string): ViewState {
  if (OWN_DOING.has(error.code)) return { ...state, message: { kind: 'info', text: cancelledText, code: error.code } };
  return { ...state, message: { kind: 'error', text: error.message, code: error.code } };
}

/** A new session state from the core (an answer or a push). */
export function withSession(state: ViewState, session: SessionState): ViewState {
  const previous = state.session;
  let next: ViewState = { ...state, session };
  // A session ended by the app or the provider says why, also when the window opens after it happened.
  if (session.status === 'signed_out' && session.reason && previous?.status !== 'signed_out') {
    next = { ...next, message: { kind: 'error', text: session.reason.message, code: session.reason.code } };
  }
  if (session.status !== 'signed_in') next = { ...next, apiResult: null, consent: null, stepUp: null };
  if (session.status !== 'signing_in') next = { ...next, copied: null };
  const active = session.accounts?.find((a) => a.active);
  // Prompts belong to an account: another one active, they go.
  if (next.consent && next.consent.accountId !== active?.id) next = { ...next, consent: null };
  if (next.stepUp && next.stepUp.accountId !== active?.id) next = { ...next, stepUp: null };
  if ((active?.stepUpNeeded?.length ?? 0) === 0) next = { ...next, stepUpDismissed: false };
  return next;
}

export function withProviders(state: ViewState, providers: ProviderSummary[]): ViewState {
  const selected = providers.some((p) => p.id === state.selectedProvider) ? state.selectedProvider : (providers[0]?.id ?? null);
  return { ...state, providers, selectedProvider: selected };
}

/** The start of an action: the earlier message goes (it was about something else). */
export function starting(state: ViewState, kind: 'signIn' | 'busy'): ViewState {
  return { ...state, message: null, copied: null, ...(kind === 'signIn' ? { signingIn: true } : { busy: true }) };
}

export function finished(state: ViewState): ViewState {
  return { ...state, signingIn: false, busy: false };
}

/** What an API call answered: a result, or a prompt instead of an error box (one clear thing to do). */
export function withApiAnswer(
  state: ViewState,
  api: string | undefined,
  answer: { ok: true; data: ApiResponse } | { ok: false; error: ErrorPayload },
  cancelledText: string,
): ViewState {
  const accountId = state.session?.accounts?.find((a) => a.active)?.id;
  const base: ViewState = { ...state, lastApi: { api }, apiResult: null };
  if (answer.ok) return { ...base, apiResult: { api, response: answer.data } };
  const { error } = answer;
  if (error.code === 'consent_required' && accountId !== undefined) {
    // One prompt at a time: the newest question replaces the other one.
    return { ...base, message: null, stepUp: null, consent: { api: error.api ?? api ?? '', accountId } };
  }
  if (error.code === 'step_up_required' && accountId !== undefined) {
    return {
      ...base,
      message: null,
      consent: null,
      stepUpDismissed: false,
      stepUp: { ...(api !== undefined ? { api } : {}), accountId, message: error.message },
    };
  }
  return withError(base, error, cancelledText);
}

export function dismissConsent(state: ViewState): ViewState {
  return { ...state, consent: null };
}

export function dismissStepUp(state: ViewState): ViewState {
  return { ...state, stepUp: null, stepUpDismissed: true };
}

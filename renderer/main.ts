/**
 * The UI. It talks only to `window.auth` (the preload's bridge); it never
 * sees a credential, only the session state and API responses. Text is set
 * with `textContent`, never parsed as HTML, so nothing from the provider or
 * the API can inject markup.
 */
import type { ApiResponse, ErrorPayload, IpcResult, ProviderSummary, SessionState } from '../main/ipc/contract-types';
import { errorHeading } from './error-text';

function el<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`missing element ${selector}`);
  return found;
}

const ui = {
  status: el<HTMLParagraphElement>('[data-testid="status"]'),
  notice: el<HTMLParagraphElement>('[data-testid="storage-notice"]'),
  connectivity: el<HTMLParagraphElement>('[data-testid="connectivity-notice"]'),
  revocation: el<HTMLParagraphElement>('[data-testid="revocation-notice"]'),
  error: el<HTMLDivElement>('[data-testid="error"]'),
  errorTitle: el<HTMLElement>('.error-title'),
  errorMessage: el<HTMLElement>('.error-message'),
  signedOut: el<HTMLElement>('#view-signed-out'),
  waiting: el<HTMLElement>('#view-waiting'),
  signedIn: el<HTMLElement>('#view-signed-in'),
  providerField: el<HTMLLabelElement>('#provider-field'),
  providerSelect: el<HTMLSelectElement>('[data-testid="provider-select"]'),
  signIn: el<HTMLButtonElement>('[data-testid="sign-in"]'),
  cancel: el<HTMLButtonElement>('[data-testid="cancel"]'),
  signOut: el<HTMLButtonElement>('[data-testid="sign-out"]'),
  callApi: el<HTMLButtonElement>('[data-testid="call-api"]'),
  userName: el<HTMLElement>('[data-testid="user-name"]'),
  userEmail: el<HTMLElement>('[data-testid="user-email"]'),
  apiResult: el<HTMLDivElement>('[data-testid="api-result"]'),
  apiStatus: el<HTMLElement>('[data-testid="api-status"]'),
  apiBody: el<HTMLPreElement>('[data-testid="api-body"]'),
};

interface ViewState {
  session: SessionState | null;
  providers: ProviderSummary[];
  /** Our own sign-in call is waiting for the browser (before the core's push arrives). */
  signingIn: boolean;
  /** An action other than sign-in is running; its buttons are disabled meanwhile. */
  busy: boolean;
}

const view: ViewState = { session: null, providers: [], signingIn: false, busy: false };

function showError(error: ErrorPayload | { code: string; message: string } | null): void {
  ui.error.hidden = error === null;
  ui.errorTitle.textContent = error ? `${errorHeading(error.code)}.` : '';
  ui.errorMessage.textContent = error ? error.message : '';
}

function render(): void {
  const { session } = view;
  const mode = session === null ? 'loading' : view.signingIn || session.status === 'signing_in' ? 'waiting' : session.status;

  ui.status.textContent =
    mode === 'loading'
      ? 'Loading…'
      : mode === 'waiting'
        ? 'Finish signing in in your browser.'
        : mode === 'signed_in'
          ? session?.status === 'signed_in' && session.connectivity === 'offline'
            ? 'Signed in — offline.'
            : 'Signed in.'
          : 'Signed out.';
  ui.signedOut.hidden = mode !== 'signed_out';
  ui.waiting.hidden = mode !== 'waiting';
  ui.signedIn.hidden = mode !== 'signed_in';

  const notice = session?.storage.notice;
  ui.notice.hidden = !notice;
  ui.notice.textContent = notice ?? '';

  const offline = mode === 'signed_in' && session?.status === 'signed_in' && session.connectivity === 'offline' ? OFFLINE_TEXT : '';
  ui.connectivity.hidden = !offline;
  ui.connectivity.textContent = offline;
  const revocation = mode === 'signed_out' && session?.status === 'signed_out' ? revocationText(session.revocation) : '';
  ui.revocation.hidden = !revocation;
  ui.revocation.textContent = revocation;

  ui.providerField.hidden = view.providers.length <= 1;
  ui.signIn.disabled = view.busy || view.providers.length === 0;
  ui.callApi.disabled = view.busy;
  ui.signOut.disabled = view.busy;

  if (session?.status === 'signed_in') {
    ui.userName.textContent = session.user.name ?? session.user.sub;
    ui.userEmail.textContent = session.user.email ?? '—';
  } else {
    ui.userName.textContent = '';
    ui.userEmail.textContent = '';
    ui.apiResult.hidden = true;
    ui.apiStatus.textContent = '';
    ui.apiBody.textContent = '';
  }
}

const OFFLINE_TEXT =
  'The identity provider cannot be reached right now. You are still signed in; the app keeps trying and reconnects by itself when the network is back.';

/** What the person should know about the provider's side of their sign-out, in plain words ('' = nothing to say). */
function revocationText(revocation: Extract<SessionState, { status: 'signed_out' }>['revocation']): string {
  if (!revocation) return '';
  switch (revocation.outcome) {
    case 'revoked':
      return '';
    case 'not_offered':
      return 'Signed out on this computer. This provider offers no way to cancel the sign-in remotely; it ends by itself when it expires.';
    case 'failed':
      return revocation.retrying
        ? 'Signed out on this computer, but the identity provider could not be told yet. The app keeps trying (for up to 7 days) to cancel your sign-in there.'
        : 'Signed out on this computer, but the identity provider could not be told. Your sign-in stays valid there until it expires.';
  }
}

function setSession(state: SessionState): void {
  const previous = view.session;
  view.session = state;
  // A session ended by the app or the provider says why, also when the window opens after it happened.
  if (state.status === 'signed_out' && state.reason && previous?.status !== 'signed_out') showError(state.reason);
  render();
}

function setProviders(providers: ProviderSummary[]): void {
  view.providers = providers;
  ui.providerSelect.replaceChildren(
    ...providers.map((p) => {
      const option = document.createElement('option');
      option.value = p.id;
      option.textContent = p.displayName;
      return option;
    }),
  );
}

/** Unwraps an IPC result, showing its error; a rejected promise (bridge missing) is an internal error. */
async function call<T>(run: () => Promise<IpcResult<T>>): Promise<T | undefined> {
  let result: IpcResult<T>;
  try {
    result = await run();
  } catch {
    result = { ok: false, error: { code: 'internal_error', message: 'The app could not be reached. Please restart it.' } };
  }
  if (result.ok) return result.data;
  showError(result.error);
  return undefined;
}

async function refreshSession(): Promise<void> {
  const state = await call(() => window.auth.getSession());
  if (state) setSession(state);
}

async function onSignIn(): Promise<void> {
  showError(null);
  view.signingIn = true;
  render();
  const providerId = view.providers.length > 1 ? ui.providerSelect.value : undefined;
  const state = await call(() => window.auth.signIn(providerId ? { providerId } : undefined));
  view.signingIn = false;
  if (state) setSession(state);
  else await refreshSession();
  render();
}

async function onCancel(): Promise<void> {
  // The pending signIn() call then fails with `sign_in_cancelled`, which
  // onSignIn shows.
  await call(() => window.auth.cancelSignIn());
}

async function onSignOut(): Promise<void> {
  showError(null);
  view.busy = true;
  render();
  const state = await call(() => window.auth.signOut());
  view.busy = false;
  if (state) setSession(state);
  else await refreshSession();
  render();
}

function prettyBody(response: ApiResponse): string {
  try {
    return JSON.stringify(JSON.parse(response.body), null, 2);
  } catch {
    return response.body;
  }
}

async function onCallApi(): Promise<void> {
  showError(null);
  view.busy = true;
  render();
  const response = await call(() => window.auth.request({ method: 'GET', path: '/me' }));
  view.busy = false;
  if (response) {
    ui.apiStatus.textContent = String(response.status);
    ui.apiBody.textContent = prettyBody(response);
    ui.apiResult.hidden = false;
  }
  render();
}

async function start(): Promise<void> {
  if (typeof window.auth !== 'object' || window.auth === null) {
    showError({ code: 'internal_error', message: 'This page works only inside the app.' });
    ui.status.textContent = 'Unavailable.';
    return;
  }
  ui.signIn.addEventListener('click', () => void onSignIn());
  ui.cancel.addEventListener('click', () => void onCancel());
  ui.signOut.addEventListener('click', () => void onSignOut());
  ui.callApi.addEventListener('click', () => void onCallApi());
  window.auth.onSessionChanged((state) => setSession(state));

  const providers = await call(() => window.auth.listProviders());
  setProviders(providers ?? []);
  await refreshSession();
  render();
}

void start();

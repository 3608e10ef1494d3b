/**
 * The UI. It talks only to `window.auth` (the preload's bridge); it never
 * sees a credential, only the session state and API responses. Text is set
 * with `textContent`, never parsed as HTML, so nothing from the provider or
 * the API can inject markup.
 */
import type { AccountSummary, ApiResponse, ErrorPayload, IpcResult, ProviderSummary, SessionState } from '../main/ipc/contract-types';
import { mountConnectApi } from './connect-api';
import { errorHeading } from './error-text';

function el<T extends HTMLElement>(selector: string, type: new () => T): T {
  const found = document.querySelector(selector);
  if (!found) throw new Error(`missing element ${selector}`);
  if (!(found instanceof type)) throw new Error(`element ${selector} is not a ${type.name}`);
  return found;
}

const ui = {
  status: el('[data-testid="status"]', HTMLParagraphElement),
  notice: el('[data-testid="storage-notice"]', HTMLParagraphElement),
  connectivity: el('[data-testid="connectivity-notice"]', HTMLParagraphElement),
  revocation: el('[data-testid="revocation-notice"]', HTMLParagraphElement),
  error: el('[data-testid="error"]', HTMLDivElement),
  errorTitle: el('.error-title', HTMLElement),
  errorMessage: el('.error-message', HTMLElement),
  signedOut: el('#view-signed-out', HTMLElement),
  waiting: el('#view-waiting', HTMLElement),
  signedIn: el('#view-signed-in', HTMLElement),
  providerField: el('#provider-field', HTMLLabelElement),
  providerSelect: el('[data-testid="provider-select"]', HTMLSelectElement),
  signIn: el('[data-testid="sign-in"]', HTMLButtonElement),
  cancel: el('[data-testid="cancel"]', HTMLButtonElement),
  signOut: el('[data-testid="sign-out"]', HTMLButtonElement),
  callApi: el('[data-testid="call-api"]', HTMLButtonElement),
  userName: el('[data-testid="user-name"]', HTMLElement),
  userEmail: el('[data-testid="user-email"]', HTMLElement),
  apiResult: el('[data-testid="api-result"]', HTMLDivElement),
  apiStatus: el('[data-testid="api-status"]', HTMLElement),
  apiBody: el('[data-testid="api-body"]', HTMLPreElement),
  apiActions: el('[data-testid="api-actions"]', HTMLDivElement),
  consent: el('[data-testid="consent"]', HTMLDivElement),
  consentText: el('.consent-text', HTMLParagraphElement),
  grantConsent: el('[data-testid="grant-consent"]', HTMLButtonElement),
  accounts: el('#accounts', HTMLElement),
  accountList: el('[data-testid="account-list"]', HTMLUListElement),
  addAccountField: el('#add-account-field', HTMLLabelElement),
  addAccountProvider: el('[data-testid="add-account-provider"]', HTMLSelectElement),
  addAccount: el('[data-testid="add-account"]', HTMLButtonElement),
  signOutAll: el('[data-testid="sign-out-all"]', HTMLButtonElement),
};

interface ViewState {
  session: SessionState | null;
  providers: ProviderSummary[];
  /** Our own sign-in call is waiting for the browser (before the core's push arrives). */
  signingIn: boolean;
  /** An action other than sign-in is running; its buttons are disabled meanwhile. */
  busy: boolean;
  /** An API call answered `consent_required`: the prompt the person may start with a click. */
  consent: { api: string; accountId: string } | null;
  /** Which provider's API buttons are shown (rebuilt only when it changes, so focus stays put). */
  apiButtonsFor: string | null;
}

const view: ViewState = { session: null, providers: [], signingIn: false, busy: false, consent: null, apiButtonsFor: null };

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

  const accounts = session?.accounts ?? [];
  ui.accounts.hidden = accounts.length === 0 || mode === 'waiting' || mode === 'loading';
  ui.addAccountField.hidden = view.providers.length <= 1;
  ui.addAccount.disabled = view.busy || view.providers.length === 0;
  ui.signOutAll.disabled = view.busy;
  renderAccounts(accounts);

  const active = accounts.find((a) => a.active);
  if (view.consent && !accounts.some((a) => a.id === view.consent?.accountId)) view.consent = null;
  ui.consent.hidden = view.consent === null || mode !== 'signed_in';
  if (view.consent)
    ui.consentText.textContent = `${apiName(active?.providerId, view.consent.api)} needs a permission you have not granted yet. Allow it in your browser to continue.`;
  ui.grantConsent.disabled = view.busy;

  if (session?.status === 'signed_in') {
    ui.userName.textContent = session.user.name ?? session.user.sub;
    ui.userEmail.textContent = session.user.email ?? '—';
    renderApiButtons(session.providerId);
  } else {
    ui.userName.textContent = '';
    ui.userEmail.textContent = '';
    ui.apiResult.hidden = true;
    ui.apiStatus.textContent = '';
    ui.apiBody.textContent = '';
  }
}

function apiName(providerId: string | undefined, api: string): string {
  const found = view.providers.find((p) => p.id === providerId)?.apis?.find((a) => a.id === api);
  return found?.displayName ?? api;
}

/** One "Call …" button per declared API of the active account's provider, after the default one. */
function renderApiButtons(providerId: string): void {
  if (view.apiButtonsFor === providerId) {
    for (const b of ui.apiActions.querySelectorAll<HTMLButtonElement>('[data-api]')) b.disabled = view.busy;
    return;
  }
  view.apiButtonsFor = providerId;
  for (const b of ui.apiActions.querySelectorAll('[data-api]')) b.remove();
  const apis = view.providers.find((p) => p.id === providerId)?.apis ?? [];
  for (const api of apis) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.api = api.id;
    button.dataset.testid = `call-api-${api.id}`;
    button.textContent = `Call ${api.displayName}`;
    button.disabled = view.busy;
    button.addEventListener('click', () => void onCallApi(api.id));
    ui.apiActions.insertBefore(button, ui.signOut);
  }
}

/** The account list; rebuilt on every change, keeping keyboard focus on the same control. */
function renderAccounts(accounts: AccountSummary[]): void {
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.focusKey : undefined;
  ui.accountList.replaceChildren(
    ...accounts.map((account) => {
      const who = account.name ?? account.email ?? account.id;
      const item = document.createElement('li');
      item.className = 'account';
      item.dataset.testid = 'account';
      item.dataset.accountId = account.id;
      item.setAttribute('aria-current', String(account.active));
      const text = document.createElement('span');
      text.className = 'account-who';
      const name = document.createElement('strong');
      name.textContent = who;
      name.dataset.testid = 'account-name';
      const meta = document.createElement('span');
      meta.className = 'account-meta';
      meta.textContent = `${account.email ?? '—'} · ${account.providerName}`;
      text.append(name, meta);
      item.append(text);
      if (account.active) item.append(badge('Active', 'badge'));
      if (account.offline) item.append(badge('Offline', 'badge'));
      // No refresh token: the sign-in ends with its access token, restart or not (AccountSummary.signInEndsAt).
      if (account.signInEndsAt !== undefined)
        item.append(
          badge(
            `Signed in until ${new Date(account.signInEndsAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: sign in again then`,
            'badge attention',
          ),
        );
      if (account.needsAttention) item.append(badge('Needs permission', 'badge attention'));
      if (!account.active) item.append(button(`Use`, `Switch to ${who}`, `switch:${account.id}`, 'switch-account', () => void onSwitch(account.id)));
      item.append(button('Remove', `Sign out ${who} (${account.providerName})`, `remove:${account.id}`, 'remove-account', () => void onRemove(account.id)));
      return item;
    }),
  );
  if (focused) ui.accountList.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
}

function badge(text: string, className: string): HTMLElement {
  const b = document.createElement('span');
  b.className = className;
  b.textContent = text;
  return b;
}

function button(text: string, label: string, focusKey: string, testid: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.dataset.focusKey = focusKey;
  b.dataset.testid = testid;
  b.disabled = view.busy;
  b.addEventListener('click', onClick);
  return b;
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
  view.apiButtonsFor = null;
  const options = () =>
    providers.map((p) => {
      const option = document.createElement('option');
      option.value = p.id;
      option.textContent = p.displayName;
      return option;
    });
  ui.providerSelect.replaceChildren(...options());
  ui.addAccountProvider.replaceChildren(...options());
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

/** Runs an action with the buttons disabled, then re-reads the session when it failed. */
async function busy<T>(run: () => Promise<IpcResult<T>>): Promise<T | undefined> {
  showError(null);
  view.busy = true;
  render();
  const result = await call(run);
  view.busy = false;
  render();
  return result;
}

async function onSwitch(accountId: string): Promise<void> {
  view.consent = null;
  ui.apiResult.hidden = true;
  const state = await busy(() => window.auth.setActiveAccount({ accountId }));
  if (state) setSession(state);
}

async function onRemove(accountId: string): Promise<void> {
  const state = await busy(() => window.auth.signOut({ accountId }));
  if (state) setSession(state);
  else await refreshSession();
  // The removed account's button is gone: keep keyboard focus in the list's section.
  if (!ui.accounts.hidden) ui.addAccount.focus();
}

async function onSignOutAll(): Promise<void> {
  view.consent = null;
  const state = await busy(() => window.auth.signOutAll());
  if (state) setSession(state);
  else await refreshSession();
}

async function onAddAccount(): Promise<void> {
  showError(null);
  view.signingIn = true;
  render();
  const providerId = ui.addAccountProvider.value || view.providers[0]?.id;
  const state = providerId ? await call(() => window.auth.addAccount({ providerId })) : undefined;
  view.signingIn = false;
  if (state) setSession(state);
  else await refreshSession();
  render();
}

/** Started only by the person's click: the core never opens a consent page on its own. */
async function onGrantConsent(): Promise<void> {
  const consent = view.consent;
  if (!consent) return;
  showError(null);
  view.signingIn = true;
  render();
  const state = await call(() => window.auth.requestConsent(consent));
  view.signingIn = false;
  if (state) {
    view.consent = null;
    setSession(state);
    await onCallApi(consent.api);
  } else await refreshSession();
  render();
}

async function onCallApi(api?: string): Promise<void> {
  showError(null);
  // The previous answer may be another account's or another API's: it is not shown as this call's.
  ui.apiResult.hidden = true;
  ui.apiStatus.textContent = '';
  ui.apiBody.textContent = '';
  view.busy = true;
  render();
  const accountId = view.session?.accounts?.find((a) => a.active)?.id;
  let consentNeeded: string | undefined;
  const response = await call(async () => {
    const result = await window.auth.request({ method: 'GET', path: '/me', ...(api !== undefined ? { api } : {}) });
    if (!result.ok && result.error.code === 'consent_required') consentNeeded = result.error.api ?? api;
    return result;
  });
  view.busy = false;
  if (consentNeeded !== undefined && accountId !== undefined) {
    // The prompt replaces the error box: one clear thing to do.
    showError(null);
    view.consent = { api: consentNeeded, accountId };
    ui.apiResult.hidden = true;
  }
  if (response) {
    ui.apiStatus.textContent = String(response.status);
    ui.apiBody.textContent = prettyBody(response);
    ui.apiResult.hidden = false;
  }
  render();
}

async function start(): Promise<void> {
  // Declared as always there, but it exists only when the preload ran (not in a plain browser tab).
  const bridge: unknown = window.auth;
  if (typeof bridge !== 'object' || bridge === null) {
    showError({ code: 'internal_error', message: 'This page works only inside the app.' });
    ui.status.textContent = 'Unavailable.';
    return;
  }
  ui.signIn.addEventListener('click', () => void onSignIn());
  ui.cancel.addEventListener('click', () => void onCancel());
  ui.signOut.addEventListener('click', () => void onSignOut());
  ui.callApi.addEventListener('click', () => void onCallApi());
  ui.addAccount.addEventListener('click', () => void onAddAccount());
  ui.signOutAll.addEventListener('click', () => void onSignOutAll());
  ui.grantConsent.addEventListener('click', () => void onGrantConsent());
  window.auth.onSessionChanged((state) => {
    setSession(state);
  });
  mountConnectApi(el('#connect-api', HTMLElement), {
    bridge: window.auth,
    showError,
    setSession: (state) => {
      setSession(state);
      render();
    },
  });

  const providers = await call(() => window.auth.listProviders());
  setProviders(providers ?? []);
  await refreshSession();
  render();
}

void start();

/**
 * "Connect to an API by URL": the person types an API's address; the app
 * finds its authorization server (main process, RFC 9728) and shows which
 * server they are about to sign in to — its host, and a warning when it is
 * on another host than the API — before anything is registered or opened.
 * Only "Continue in browser" goes on (RFC 7591 registration if needed, then
 * the sign-in). Self-contained: its own section, its own state; the page
 * tells it how to show a session and an error.
 *
 * `connectView` is the pure part (state → what to show), testable without a DOM.
 */
import type { ApiConnectionPlan, ApiResponse, AuthBridge, ErrorPayload, IpcResult, SessionState } from '../main/ipc/contract-types';
import { format, type Language, type StringKey } from '../main/i18n/strings';

type Translate = (key: StringKey, values?: Readonly<Record<string, string | number>>) => string;

export type ConnectState =
  | { step: 'idle' }
  | { step: 'finding'; apiUrl: string }
  | { step: 'confirm'; plan: ApiConnectionPlan }
  | { step: 'connecting'; plan: ApiConnectionPlan }
  | { step: 'connected'; plan: ApiConnectionPlan; accountId?: string; response?: ApiResponse };

export interface ConnectView {
  formEnabled: boolean;
  findLabel: string;
  /** The confirmation, in words; null when there is nothing to confirm. */
  confirm: { server: string; details: string[]; warning?: string } | null;
  continueEnabled: boolean;
  /** After connecting: the API can be called. */
  connected: { what: string } | null;
}

/** How the app will be known to the server (ApiConnectionPlan.client), in the person's words. */
const CLIENT_WORDS = {
  register: 'connect.register',
  reuse: 'connect.known',
  configured: 'connect.known',
  metadata_document: 'connect.document',
} as const satisfies Record<ApiConnectionPlan['client'], StringKey>;

export function connectView(state: ConnectState, t: Translate = (key, values) => format('en', key, values)): ConnectView {
  const plan = state.step === 'confirm' || state.step === 'connecting' || state.step === 'connected' ? state.plan : null;
  return {
    formEnabled: state.step === 'idle' || state.step === 'connected' || state.step === 'confirm',
    findLabel: t(state.step === 'finding' ? 'connect.finding' : 'connect.find'),
    confirm:
      plan && state.step !== 'connected'
        ? {
            server: t('connect.server', { host: plan.issuerHost }),
            details: [
              t('connect.api', { api: plan.apiName ? `${plan.apiName} (${plan.apiUrl})` : plan.apiUrl }),
              t('connect.scopes', { scopes: plan.scopes.length > 0 ? plan.scopes.join(', ') : t('connect.noScopes') }),
              t(CLIENT_WORDS[plan.client]),
            ],
            ...(plan.otherOrigin ? { warning: t('connect.otherHost', { apiHost: plan.apiHost, host: plan.issuerHost }) } : {}),
          }
        : null,
    continueEnabled: state.step === 'confirm',
    connected: plan && state.step === 'connected' ? { what: t('connect.connected', { api: plan.apiName ?? plan.apiHost, host: plan.issuerHost }) } : null,
  };
}

export interface ConnectApiDeps {
  bridge: Pick<AuthBridge, 'planApiConnection' | 'connectApi' | 'request'>;
  showError(error: ErrorPayload | null): void;
  setSession(state: SessionState): void;
  /** The window's language (getAppInfo), read when the section paints. */
  language(): Language;
}

function node<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Builds the section's content inside `root` and wires it. */
export function mountConnectApi(root: HTMLElement, deps: ConnectApiDeps): { repaint(): void } {
  let state: ConnectState = { step: 'idle' };
  const t: Translate = (key, values) => format(deps.language(), key, values);
  const title = node('h2', { id: 'connect-api-title' });
  const input = node('input', {
    type: 'url',
    'data-testid': 'connect-api-url',
    placeholder: 'https://api.example.com/v1',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const labelText = node('span');
  const label = node('label');
  label.append(labelText, input);
  const find = node('button', { type: 'button', 'data-testid': 'connect-api-find' });
  const confirm = node('div', { 'data-testid': 'connect-api-confirm', role: 'group', 'aria-labelledby': 'connect-api-server' });
  const server = node('p', { id: 'connect-api-server', 'data-testid': 'connect-api-server' });
  const details = node('ul');
  const warning = node('p', { class: 'notice', 'data-testid': 'connect-api-warning' });
  const go = node('button', { type: 'button', class: 'primary', 'data-testid': 'connect-api-continue' });
  const back = node('button', { type: 'button', 'data-testid': 'connect-api-cancel' });
  confirm.append(server, details, warning, go, back);
  const done = node('div', { 'data-testid': 'connect-api-done' });
  const doneText = node('p');
  const path = node('input', { type: 'text', value: '/me', 'data-testid': 'connect-api-path' });
  const callApi = node('button', { type: 'button', 'data-testid': 'connect-api-call' });
  const result = node('pre', { 'data-testid': 'connect-api-result' });
  done.append(doneText, path, callApi, result);
  root.replaceChildren(title, label, find, confirm, done);

  const paint = () => {
    const v = connectView(state, t);
    title.textContent = t('connect.title');
    labelText.textContent = `${t('connect.address')} `;
    go.textContent = t('connect.continue');
    back.textContent = t('connect.cancel');
    path.setAttribute('aria-label', t('connect.path'));
    callApi.textContent = t('connect.call');
    input.disabled = !v.formEnabled;
    find.disabled = !v.formEnabled;
    find.textContent = v.findLabel;
    confirm.hidden = v.confirm === null;
    server.textContent = v.confirm?.server ?? '';
    details.replaceChildren(...(v.confirm?.details ?? []).map((d) => node('li', {}, d)));
    warning.hidden = v.confirm?.warning === undefined;
    warning.textContent = v.confirm?.warning ?? '';
    go.disabled = !v.continueEnabled;
    done.hidden = v.connected === null;
    doneText.textContent = v.connected?.what ?? '';
    result.hidden = !(state.step === 'connected' && state.response);
    result.textContent = state.step === 'connected' && state.response ? `${state.response.status}\n${state.response.body}` : '';
  };
  const unwrap = <T>(r: IpcResult<T>): T | undefined => {
    if (r.ok) return r.data;
    deps.showError(r.error);
    return undefined;
  };

  find.addEventListener('click', () => {
    const apiUrl = input.value.trim();
    deps.showError(null);
    state = { step: 'finding', apiUrl };
    paint();
    void deps.bridge.planApiConnection({ apiUrl }).then((r) => {
      const plan = unwrap(r);
      state = plan ? { step: 'confirm', plan } : { step: 'idle' };
      paint();
      // The person's next decision is the confirmation: focus goes there.
      if (plan) go.focus();
      else input.focus();
    });
  });
  back.addEventListener('click', () => {
    state = { step: 'idle' };
    paint();
    input.focus();
  });
  go.addEventListener('click', () => {
    if (state.step !== 'confirm') return;
    const plan = state.plan;
    deps.showError(null);
    state = { step: 'connecting', plan };
    paint();
    void deps.bridge.connectApi({ planId: plan.id }).then((r) => {
      const session = unwrap(r);
      if (session) deps.setSession(session);
      // The API is called with this account's token even after the person switches to another account.
      const accountId = session?.accounts?.find((a) => a.providerId === plan.providerId)?.id;
      state = session ? { step: 'connected', plan, ...(accountId !== undefined ? { accountId } : {}) } : { step: 'idle' };
      paint();
      (session ? callApi : input).focus();
    });
  });
  callApi.addEventListener('click', () => {
    if (state.step !== 'connected') return;
    const { plan, accountId } = state;
    deps.showError(null);
    void deps.bridge.request({ method: 'GET', api: 'api', path: path.value.trim() || '/', ...(accountId !== undefined ? { accountId } : {}) }).then((r) => {
      const response = unwrap(r);
      state = { step: 'connected', plan, ...(accountId !== undefined ? { accountId } : {}), ...(response ? { response } : {}) };
      paint();
    });
  });
  paint();
  return { repaint: paint };
}

/**
 * The UI's entry: finds the elements, wires each control to its action, and
 * repaints on every state change. It talks only to `window.auth` (the
 * preload's bridge); it never sees a credential, only the session state and
 * API responses.
 *
 * view-state.ts (state and its changes) and view-model.ts (state → what to
 * show) are pure; dom.ts writes; actions.ts asks the bridge.
 */
import { mountConnectApi } from './connect-api';
import { createDevicePanel } from './device-prompt';
import { createActions, type FocusTarget } from './actions';
import { findElements, isBusy, paint } from './dom';
import { format } from '../main/i18n/strings';
import { viewModel } from './view-model';
import { initialState, withError, withSession, type ViewState } from './view-state';

const ui = findElements(document);
const devicePanel = createDevicePanel(ui.devicePrompt, () => state.appInfo?.language ?? 'en');
let state: ViewState = initialState();
let pendingFocus: FocusTarget | null = null;

function focusTarget(target: FocusTarget): HTMLElement | null {
  if (target.startsWith('api:')) {
    const api = target.slice(4);
    return ui.apiActions.querySelector<HTMLElement>(`[data-testid="${api ? `call-api-${CSS.escape(api)}` : 'call-api'}"]`);
  }
  const byTarget: Record<Exclude<FocusTarget, `api:${string}`>, HTMLElement> = {
    'sign-in': ui.signIn,
    cancel: ui.cancel,
    account: ui.userName,
    'add-account': ui.addAccount,
    'grant-consent': ui.grantConsent,
    'confirm-step-up': ui.confirmStepUp,
  };
  return byTarget[target as Exclude<FocusTarget, `api:${string}`>];
}

function render(): void {
  const vm = viewModel(state, Date.now());
  paint(ui, vm, {
    callApi: (api) => {
      void actions.callApi(api);
    },
    use: (id) => {
      void actions.use(id);
    },
    signOut: (id) => {
      void actions.signOutAccount(id);
    },
  });
  devicePanel.show(vm.waiting?.device);
  if (pendingFocus) {
    const target = focusTarget(pendingFocus);
    // Only once it is on screen: a hidden element cannot take focus, the next paint tries again.
    if (target && target.offsetParent !== null) {
      target.focus();
      pendingFocus = null;
    }
  }
}

const actions = createActions({
  bridge: window.auth,
  store: {
    get: () => state,
    update(change) {
      state = change(state);
      render();
    },
  },
  focus(target) {
    pendingFocus = target;
    render();
  },
  copyText: (text) => navigator.clipboard.writeText(text),
});

/** Wires a button to an action; a busy button ignores the click (it keeps focus instead of being disabled). */
function on(button: HTMLButtonElement, run: () => unknown): void {
  button.addEventListener('click', () => {
    if (!isBusy(button)) void run();
  });
}

function start(): void {
  // Declared as always there, but it exists only when the preload ran (not in a plain browser tab).
  const bridge: unknown = window.auth;
  if (typeof bridge !== 'object' || bridge === null) {
    state = { ...state, bridged: false };
    render();
    return;
  }
  on(ui.signIn, () => actions.signIn());
  on(ui.signInDevice, () => actions.signIn(true));
  ui.providerSelect.addEventListener('change', () => {
    actions.selectProvider(ui.providerSelect.value);
  });
  ui.addAccountProvider.addEventListener('change', () => {
    actions.selectProvider(ui.addAccountProvider.value);
  });
  on(ui.openAgain, () => actions.openAgain());
  on(ui.copyLink, () => actions.copyLink());
  on(ui.cancel, () => actions.cancel());
  on(ui.signOut, () => actions.signOut());
  on(ui.retryNow, () => actions.retryNow());
  on(ui.addAccount, () => actions.addAccount());
  on(ui.signOutAll, () => actions.signOutAll());
  on(ui.grantConsent, () => actions.grantConsent());
  on(ui.dismissConsent, () => {
    actions.dismissConsent();
  });
  on(ui.confirmStepUp, () => actions.confirmStepUp());
  on(ui.dismissStepUp, () => {
    actions.dismissStepUp();
  });
  document.addEventListener('keydown', (event) => {
    // Escape ends a sign-in that is waiting for the browser, as Cancel does.
    if (event.key === 'Escape' && !ui.waiting.hidden) {
      event.preventDefault();
      void actions.cancel();
    }
  });
  // The time left counts down while waiting; nothing else changes by the clock.
  setInterval(() => {
    if (!ui.waiting.hidden) render();
  }, 1000);
  const connect = mountConnectApi(ui.connectApi, {
    language: () => state.appInfo?.language ?? 'en',
    bridge: window.auth,
    showError: (error) => {
      state = error ? withError(state, error, format(state.appInfo?.language ?? 'en', 'cancelled')) : { ...state, message: null };
      render();
    },
    setSession: (session) => {
      state = withSession(state, session);
      render();
    },
  });
  render();
  // The section paints in the window's language once the app has said which.
  void actions.start().then(() => {
    connect.repaint();
  });
}

start();

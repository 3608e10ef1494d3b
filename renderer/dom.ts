/**
 * The DOM writes: copies a `ViewModel` onto the page's elements. Text goes in
 * with `textContent` only (nothing from the provider or an API is parsed as
 * markup). Busy controls get `aria-disabled` rather than `disabled`: a
 * disabled button drops keyboard focus to <body>; this one keeps it, and the
 * click handlers ignore it while the action runs.
 */
import type { AccountRow, Badge, ViewModel } from './view-model';

function el<T extends Element>(root: ParentNode, selector: string, type: abstract new () => T): T {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`missing element ${selector}`);
  if (!(found instanceof type)) throw new Error(`element ${selector} is not a ${type.name}`);
  return found;
}

/** Every element the window writes to, found once. */
export function findElements(doc: Document) {
  const q = <T extends Element>(selector: string, type: abstract new () => T) => el(doc, selector, type);
  const button = (testid: string) => q(`[data-testid="${testid}"]`, HTMLButtonElement);
  return {
    main: q('#main', HTMLElement),
    heading: q('[data-testid="heading"]', HTMLHeadingElement),
    status: q('[data-testid="status"]', HTMLParagraphElement),
    notice: q('[data-testid="storage-notice"]', HTMLParagraphElement),
    connectivity: q('[data-testid="connectivity-notice"]', HTMLDivElement),
    offlineText: q('.offline-text', HTMLSpanElement),
    retryNow: button('retry-now'),
    revocation: q('[data-testid="revocation-notice"]', HTMLParagraphElement),
    error: q('[data-testid="error"]', HTMLParagraphElement),
    info: q('[data-testid="info"]', HTMLParagraphElement),
    signedOut: q('#view-signed-out', HTMLElement),
    signInHeading: q('#heading-sign-in', HTMLHeadingElement),
    signInIntro: q('[data-testid="sign-in-intro"]', HTMLParagraphElement),
    providerField: q('#provider-field', HTMLLabelElement),
    providerSelect: q('[data-testid="provider-select"]', HTMLSelectElement),
    signIn: button('sign-in'),
    signInDevice: button('sign-in-device'),
    waiting: q('#view-waiting', HTMLElement),
    waitingBrowser: q('[data-testid="waiting-browser"]', HTMLParagraphElement),
    progressRow: q('[data-testid="waiting-progress"]', HTMLDivElement),
    progress: q('[data-testid="time-progress"]', HTMLProgressElement),
    timeLeft: q('[data-testid="time-left"]', HTMLSpanElement),
    devicePrompt: q('[data-testid="device-prompt"]', HTMLDivElement),
    openAgain: button('open-again'),
    copyLink: button('copy-link'),
    cancel: button('cancel'),
    escapeHint: q('[data-testid="escape-hint"]', HTMLParagraphElement),
    copied: q('[data-testid="copied"]', HTMLParagraphElement),
    signedIn: q('#view-signed-in', HTMLElement),
    avatar: q('[data-testid="avatar"]', HTMLSpanElement),
    userName: q('[data-testid="user-name"]', HTMLHeadingElement),
    userEmail: q('[data-testid="user-email"]', HTMLParagraphElement),
    accountBadges: q('[data-testid="account-badges"]', HTMLParagraphElement),
    signOut: button('sign-out'),
    apiActions: q('[data-testid="api-actions"]', HTMLDivElement),
    consent: q('[data-testid="consent"]', HTMLDivElement),
    consentText: q('.consent-text', HTMLParagraphElement),
    grantConsent: button('grant-consent'),
    dismissConsent: button('dismiss-consent'),
    stepUp: q('[data-testid="step-up"]', HTMLDivElement),
    stepUpText: q('.step-up-text', HTMLParagraphElement),
    confirmStepUp: button('confirm-step-up'),
    dismissStepUp: button('dismiss-step-up'),
    apiResult: q('[data-testid="api-result"]', HTMLDivElement),
    apiSummary: q('[data-testid="api-summary"]', HTMLParagraphElement),
    apiDetails: q('[data-testid="api-details"]', HTMLElement),
    apiStatus: q('[data-testid="api-status"]', HTMLSpanElement),
    apiBody: q('[data-testid="api-body"]', HTMLPreElement),
    accounts: q('#accounts', HTMLElement),
    accountsTitle: q('#accounts-title', HTMLHeadingElement),
    accountList: q('[data-testid="account-list"]', HTMLUListElement),
    addAccountField: q('#add-account-field', HTMLLabelElement),
    addAccountProvider: q('[data-testid="add-account-provider"]', HTMLSelectElement),
    addAccount: button('add-account'),
    signOutAll: button('sign-out-all'),
    connectApi: q('#connect-api', HTMLElement),
  };
}

export type Elements = ReturnType<typeof findElements>;

/** What the account rows and API buttons call back into (actions.ts). */
export interface RowHandlers {
  callApi: (api: string | undefined) => void;
  use: (accountId: string) => void;
  signOut: (accountId: string) => void;
}

function setText(node: Element, text: string | null | undefined): void {
  if (node.textContent !== (text ?? '')) node.textContent = text ?? '';
}

function show(node: HTMLElement, visible: boolean): void {
  node.hidden = !visible;
}

function setBusy(button: HTMLButtonElement, busy: boolean): void {
  if (busy) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

/** True while a control says it is busy: its click handler returns at once. */
export function isBusy(button: HTMLButtonElement): boolean {
  return button.getAttribute('aria-disabled') === 'true';
}

function options(select: HTMLSelectElement, list: { id: string; name: string }[] | null): void {
  const wanted = (list ?? []).map((p) => `${p.id}\u0000${p.name}`).join('\n');
  if (select.dataset.options === wanted) return;
  select.dataset.options = wanted;
  const value = select.value;
  select.replaceChildren(
    ...(list ?? []).map((p) => {
      const option = select.ownerDocument.createElement('option');
      option.value = p.id;
      option.textContent = p.name;
      return option;
    }),
  );
  if ((list ?? []).some((p) => p.id === value)) select.value = value;
}

function badges(doc: Document, list: Badge[]): HTMLElement[] {
  return list.map((b) => {
    const span = doc.createElement('span');
    span.className = `badge badge-${b.tone}`;
    span.textContent = b.text;
    return span;
  });
}

function rowButton(doc: Document, text: string, label: string, focusKey: string, testid: string, busy: boolean, onClick: () => void): HTMLButtonElement {
  const b = doc.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.dataset.focusKey = focusKey;
  b.dataset.testid = testid;
  setBusy(b, busy);
  b.addEventListener('click', () => {
    if (!isBusy(b)) onClick();
  });
  return b;
}

function accountRow(doc: Document, row: AccountRow, busy: boolean, on: RowHandlers): HTMLLIElement {
  const item = doc.createElement('li');
  item.className = 'account';
  item.dataset.testid = 'account';
  item.dataset.accountId = row.id;
  item.setAttribute('aria-current', String(row.active));
  const text = doc.createElement('span');
  text.className = 'account-who';
  const name = doc.createElement('strong');
  name.textContent = row.name;
  name.dataset.testid = 'account-name';
  const meta = doc.createElement('span');
  meta.className = 'account-meta';
  meta.textContent = row.detail;
  text.append(name, meta);
  item.append(text, ...badges(doc, row.badges));
  if (row.use) {
    item.append(
      rowButton(doc, row.use.text, row.use.label, `use:${row.id}`, 'switch-account', busy, () => {
        on.use(row.id);
      }),
    );
  }
  if (row.signOut) {
    item.append(
      rowButton(doc, row.signOut.text, row.signOut.label, `sign-out:${row.id}`, 'remove-account', busy, () => {
        on.signOut(row.id);
      }),
    );
  }
  return item;
}

/** Rebuilds a list only when what it shows changed, and keeps keyboard focus on the same control. */
function replaceKeepingFocus(container: HTMLElement, key: string, build: () => HTMLElement[]): void {
  if (container.dataset.key === key) return;
  container.dataset.key = key;
  const doc = container.ownerDocument;
  const focused = doc.activeElement instanceof HTMLElement && container.contains(doc.activeElement) ? doc.activeElement.dataset.focusKey : undefined;
  container.replaceChildren(...build());
  if (focused) container.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
}

/** Writes `vm` onto the page. */
export function paint(ui: Elements, vm: ViewModel, on: RowHandlers): void {
  const doc = ui.main.ownerDocument;
  if (doc.title !== vm.title) doc.title = vm.title;
  setText(ui.heading, vm.heading);
  setText(ui.status, vm.status);
  ui.main.setAttribute('aria-busy', String(vm.busy));
  const locked = vm.actionsLocked;

  show(ui.notice, vm.storageNotice !== null);
  setText(ui.notice, vm.storageNotice);
  show(ui.connectivity, vm.offline !== null);
  setText(ui.offlineText, vm.offline?.text);
  setText(ui.retryNow, vm.offline?.retry);
  setBusy(ui.retryNow, locked);
  show(ui.revocation, vm.revocation !== null);
  setText(ui.revocation, vm.revocation);
  show(ui.error, vm.message?.kind === 'error');
  setText(ui.error, vm.message?.kind === 'error' ? vm.message.text : '');
  show(ui.info, vm.message?.kind === 'info');
  setText(ui.info, vm.message?.kind === 'info' ? vm.message.text : '');

  show(ui.signedOut, vm.mode === 'signed_out');
  setText(ui.signInHeading, vm.signIn.button);
  setText(ui.signInIntro, vm.signIn.intro);
  show(ui.providerField, vm.signIn.picker !== null);
  setText(el(ui.providerField, '.label-text', HTMLSpanElement), vm.signIn.pickerLabel);
  options(ui.providerSelect, vm.signIn.picker);
  setText(ui.signIn, vm.signIn.button);
  setBusy(ui.signIn, locked);
  show(ui.signInDevice, vm.signIn.device !== null);
  setText(ui.signInDevice, vm.signIn.device);
  setBusy(ui.signInDevice, locked);

  const w = vm.waiting;
  show(ui.waiting, w !== null);
  show(ui.waitingBrowser, w !== null && w.device === undefined);
  setText(ui.waitingBrowser, w?.text);
  show(ui.progressRow, w?.timeLeft != null);
  show(ui.progress, w?.progress != null);
  if (w?.progress) {
    ui.progress.max = w.progress.max;
    ui.progress.value = w.progress.value;
    ui.progress.setAttribute('aria-label', w.progress.label);
  }
  setText(ui.timeLeft, w?.timeLeft);
  show(ui.openAgain, w?.openAgain != null);
  setText(ui.openAgain, w?.openAgain);
  show(ui.copyLink, w?.copyLink != null);
  setText(ui.copyLink, w?.copyLink);
  setText(ui.cancel, w?.cancel);
  setText(ui.escapeHint, w?.hint);
  setText(ui.copied, w?.copied);

  const a = vm.account;
  show(ui.signedIn, a !== null);
  setText(ui.avatar, a?.initials);
  setText(ui.userName, a?.name);
  setText(ui.userEmail, a?.detail);
  replaceKeepingFocus(ui.accountBadges, JSON.stringify(a?.badges ?? []), () => badges(doc, a?.badges ?? []));
  setText(ui.signOut, a?.signOut);
  setBusy(ui.signOut, locked);

  replaceKeepingFocus(ui.apiActions, JSON.stringify(vm.apis), () =>
    vm.apis.map((api, i) => {
      const b = rowButton(doc, api.label, api.label, `api:${api.api ?? ''}`, api.api === undefined ? 'call-api' : `call-api-${api.api}`, locked, () => {
        on.callApi(api.api);
      });
      if (i === 0) b.classList.add('primary');
      // Visible label = accessible name: no aria-label needed.
      b.removeAttribute('aria-label');
      return b;
    }),
  );
  for (const b of ui.apiActions.querySelectorAll('button')) setBusy(b, locked);

  show(ui.consent, vm.consent !== null);
  setText(ui.consentText, vm.consent?.text);
  setText(ui.grantConsent, vm.consent?.allow);
  setText(ui.dismissConsent, vm.consent?.notNow);
  setBusy(ui.grantConsent, locked);
  show(ui.stepUp, vm.stepUp !== null);
  setText(ui.stepUpText, vm.stepUp?.text);
  setText(ui.confirmStepUp, vm.stepUp?.confirm);
  setText(ui.dismissStepUp, vm.stepUp?.notNow);
  setBusy(ui.confirmStepUp, locked);

  const r = vm.apiResult;
  show(ui.apiResult, r !== null);
  ui.apiResult.classList.toggle('failed', r !== null && !r.ok);
  setText(ui.apiSummary, r?.summary);
  setText(ui.apiDetails, r?.details);
  setText(ui.apiStatus, r?.status);
  setText(ui.apiBody, r?.raw);

  show(ui.connectApi, vm.connectApi);
  const list = vm.accounts;
  show(ui.accounts, list !== null);
  setText(ui.accountsTitle, list?.title);
  show(ui.accountList, (list?.rows.length ?? 0) > 0);
  replaceKeepingFocus(ui.accountList, `${JSON.stringify(list?.rows ?? [])}${locked}`, () => (list?.rows ?? []).map((row) => accountRow(doc, row, locked, on)));
  show(ui.addAccountField, list?.picker != null);
  setText(el(ui.addAccountField, '.label-text', HTMLSpanElement), vm.signIn.pickerLabel);
  options(ui.addAccountProvider, list?.picker ?? null);
  setText(ui.addAccount, list?.addLabel);
  setBusy(ui.addAccount, locked);
  show(ui.signOutAll, list?.signOutAll != null);
  setText(ui.signOutAll, list?.signOutAll);
  setBusy(ui.signOutAll, locked);
}

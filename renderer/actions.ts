/**
 * What each control does: ask the bridge, hand the answer to view-state.ts,
 * and say where keyboard focus goes next (every action leaves it somewhere
 * sensible, never on <body>). No DOM here: `focus` names a target and the
 * page resolves it after painting.
 */
import type { AuthBridge, ErrorPayload, IpcResult, SessionState } from '../main/ipc/contract-types';
import { format } from '../main/i18n/strings';
import { dismissConsent, dismissStepUp, finished, starting, withApiAnswer, withError, withProviders, withSession, type ViewState } from './view-state';

/** Where focus goes after an action; `api:<id>` is that API's button ('' = the default API). */
export type FocusTarget = 'sign-in' | 'cancel' | 'account' | 'add-account' | 'grant-consent' | 'confirm-step-up' | `api:${string}`;

export interface Store {
  get: () => ViewState;
  update: (change: (state: ViewState) => ViewState) => void;
}

export interface ActionDeps {
  bridge: AuthBridge;
  store: Store;
  focus: (target: FocusTarget) => void;
  copyText: (text: string) => Promise<void>;
}

const UNREACHABLE = 'internal_error';

export function createActions({ bridge, store, focus, copyText }: ActionDeps) {
  const cancelledText = () => format(store.get().appInfo?.language ?? 'en', 'cancelled');
  const unreachable = (): ErrorPayload => ({ code: UNREACHABLE, message: format(store.get().appInfo?.language ?? 'en', 'error.internal') });

  /** A rejected promise (bridge gone) is an answer too: the app could not be reached. */
  async function ask<T>(run: () => Promise<IpcResult<T>>): Promise<IpcResult<T>> {
    try {
      return await run();
    } catch {
      return { ok: false, error: unreachable() };
    }
  }

  async function refreshSession(): Promise<void> {
    const r = await ask(() => bridge.getSession());
    if (r.ok) store.update((s) => withSession(s, r.data));
  }

  const activeAccountId = () => store.get().session?.accounts?.find((a) => a.active)?.id;

  /**
   * The sign-ins (sign in, add account, consent, step-up) share one shape:
   * waiting view, then the answer. A newer one ("Open the page again")
   * supersedes the older: the older's answer (cancelled) is not shown.
   */
  let generation = 0;
  let again: (() => Promise<void>) | null = null;
  async function signInLike(run: () => Promise<IpcResult<SessionState>>, after?: (state: SessionState) => Promise<void>): Promise<void> {
    const mine = ++generation;
    again = () => signInLike(run, after);
    store.update((s) => starting(s, 'signIn'));
    focus('cancel');
    const r = await ask(run);
    if (mine !== generation) return;
    again = null;
    store.update(finished);
    if (r.ok) {
      store.update((s) => withSession(s, r.data));
      if (after) await after(r.data);
      else focus(r.data.status === 'signed_in' ? 'account' : 'sign-in');
      return;
    }
    store.update((s) => withError(s, r.error, cancelledText()));
    await refreshSession();
    focus(store.get().session?.status === 'signed_in' ? 'account' : 'sign-in');
  }

  /** Runs an action other than a sign-in; its controls say busy meanwhile, and focus stays where it was. */
  async function busy<T>(run: () => Promise<IpcResult<T>>): Promise<IpcResult<T>> {
    store.update((s) => starting(s, 'busy'));
    const r = await ask(run);
    store.update(finished);
    if (!r.ok) store.update((s) => withError(s, r.error, cancelledText()));
    return r;
  }

  async function callApi(api?: string): Promise<void> {
    // The previous answer may be another account's or another API's: it is not shown as this call's.
    store.update((s) => ({ ...starting(s, 'busy'), apiResult: null }));
    const r = await ask(() => bridge.request({ method: 'GET', path: '/me', ...(api !== undefined ? { api } : {}) }));
    store.update((s) => withApiAnswer(finished(s), api, r, cancelledText()));
    const s = store.get();
    if (s.consent) focus('grant-consent');
    else if (s.stepUp) focus('confirm-step-up');
  }

  return {
    async start(): Promise<void> {
      const [info, providers] = await Promise.all([ask(() => bridge.getAppInfo()), ask(() => bridge.listProviders())]);
      store.update((s) => ({
        ...withProviders(s, providers.ok ? providers.data : []),
        appInfo: info.ok ? info.data : { productName: '', version: '', language: 'en' },
      }));
      if (!info.ok) store.update((s) => withError(s, info.error, cancelledText()));
      // Subscribed first: a push that comes while the first answer is on its way is not overwritten by it.
      bridge.onSessionChanged((state) => {
        store.update((s) => withSession(s, state));
      });
      await refreshSession();
    },
    selectProvider(providerId: string): void {
      store.update((s) => ({ ...s, selectedProvider: providerId }));
    },
    signIn(onAnotherDevice = false): Promise<void> {
      const s = store.get();
      const providerId = s.providers.length > 1 ? (s.selectedProvider ?? undefined) : undefined;
      const input = { ...(providerId ? { providerId } : {}), ...(onAnotherDevice ? { onAnotherDevice } : {}) };
      return signInLike(() => bridge.signIn(Object.keys(input).length > 0 ? input : undefined));
    },
    /** "Open the page again": the same sign-in started afresh (a new page; the old one's answer is refused). */
    openAgain(): Promise<void> {
      return again ? again() : Promise.resolve();
    },
    async copyLink(): Promise<void> {
      const session = store.get().session;
      const url = session?.status === 'signing_in' ? session.browser?.url : undefined;
      if (!url) return;
      const copied = await copyText(url).then(
        () => 'link' as const,
        () => 'failed' as const,
      );
      store.update((s) => ({ ...s, copied }));
    },
    /** The pending call then answers `sign_in_cancelled`, which signInLike shows as news, not as an error. */
    async cancel(): Promise<void> {
      await ask(() => bridge.cancelSignIn());
    },
    async signOut(): Promise<void> {
      const r = await busy(() => bridge.signOut());
      if (r.ok) store.update((s) => withSession(s, r.data));
      else await refreshSession();
      focus(store.get().session?.status === 'signed_in' ? 'account' : 'sign-in');
    },
    callApi,
    retryNow(): Promise<void> {
      return callApi(store.get().lastApi?.api);
    },
    async use(accountId: string): Promise<void> {
      store.update((s) => ({ ...s, consent: null, apiResult: null }));
      const r = await busy(() => bridge.setActiveAccount({ accountId }));
      if (r.ok) store.update((s) => withSession(s, r.data));
      focus('account');
    },
    async signOutAccount(accountId: string): Promise<void> {
      const wasActive = accountId === activeAccountId();
      const r = await busy(() => bridge.signOut({ accountId }));
      if (r.ok) store.update((s) => withSession(s, r.data));
      else await refreshSession();
      const signedIn = store.get().session?.status === 'signed_in';
      // The row's button is gone: focus stays in the section it was in.
      focus(!signedIn ? 'sign-in' : wasActive ? 'account' : 'add-account');
    },
    async signOutAll(): Promise<void> {
      const r = await busy(() => bridge.signOutAll());
      if (r.ok) store.update((s) => withSession(s, r.data));
      else await refreshSession();
      focus('sign-in');
    },
    addAccount(): Promise<void> {
      const s = store.get();
      const providerId = (s.providers.length > 1 ? s.selectedProvider : null) ?? s.providers[0]?.id;
      if (!providerId) return Promise.resolve();
      return signInLike(() => bridge.addAccount({ providerId }));
    },
    /** Started only by the person's click: the core never opens a consent page on its own. */
    grantConsent(): Promise<void> {
      const consent = store.get().consent;
      if (!consent) return Promise.resolve();
      return signInLike(
        () => bridge.requestConsent(consent),
        async () => {
          store.update((s) => ({ ...s, consent: null }));
          focus(`api:${consent.api}`);
          await callApi(consent.api);
        },
      );
    },
    dismissConsent(): void {
      const api = store.get().consent?.api ?? '';
      store.update(dismissConsent);
      focus(`api:${api}`);
    },
    /** Started only by the person's click, like consent; the refused call is repeated once it succeeded. */
    confirmStepUp(): Promise<void> {
      const accountId = activeAccountId();
      if (!accountId) return Promise.resolve();
      const stepUp = store.get().stepUp;
      const api = stepUp?.api;
      return signInLike(
        () => bridge.requestStepUp({ ...(api !== undefined ? { api } : {}), accountId }),
        async () => {
          store.update((s) => ({ ...s, stepUp: null }));
          focus(`api:${api ?? ''}`);
          if (stepUp) await callApi(api);
        },
      );
    },
    dismissStepUp(): void {
      const api = store.get().stepUp?.api ?? '';
      store.update(dismissStepUp);
      focus(`api:${api}`);
    },
  };
}

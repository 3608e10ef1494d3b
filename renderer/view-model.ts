/**
 * State → what the window shows, as plain data: every word (from the strings
 * table), which part is visible, what each button is called. Pure, so each
 * state of the window is a unit test (test/unit/renderer-view-model.test.ts)
 * and dom.ts only copies this onto elements.
 */
import type { AccountSummary, ApiResponse, DeviceSignInPrompt, ProviderSummary } from '../main/ipc/contract-types';
import { format, LANGUAGES, type Language, type StringKey } from '../main/i18n/strings';
import type { ViewState } from './view-state';

export type Mode = 'loading' | 'unavailable' | 'signed_out' | 'waiting' | 'signed_in';

export interface AccountRow {
  id: string;
  name: string;
  detail: string;
  active: boolean;
  badges: Badge[];
  /** "Use" (visible) and its accessible name, which contains it (WCAG 2.5.3). */
  use: { text: string; label: string } | null;
  /** Null for the active account: the header's Sign out is its one control. */
  signOut: { text: string; label: string } | null;
}

export interface Badge {
  text: string;
  tone: 'active' | 'offline' | 'attention';
}

export interface ViewModel {
  mode: Mode;
  /** `<title>`, and with it the window's title (Electron follows the page title). */
  title: string;
  heading: string;
  status: string;
  /** `aria-busy` on the page. */
  busy: boolean;
  /** The controls say busy (aria-disabled) and ignore clicks: an action or a sign-in is running. */
  actionsLocked: boolean;
  message: { kind: 'error' | 'info'; text: string } | null;
  storageNotice: string | null;
  offline: { text: string; retry: string } | null;
  revocation: string | null;
  signIn: {
    intro: string;
    button: string;
    pickerLabel: string;
    picker: { id: string; name: string }[] | null;
    device: string | null;
  };
  waiting: {
    text: string;
    device: DeviceSignInPrompt | undefined;
    timeLeft: string | null;
    progress: { label: string; value: number; max: number } | null;
    openAgain: string | null;
    copyLink: string | null;
    copied: string | null;
    cancel: string;
    hint: string;
  } | null;
  account: { initials: string; name: string; detail: string; badges: Badge[]; signOut: string } | null;
  apis: { api: string | undefined; label: string }[];
  apiResult: { summary: string; status: string; raw: string; details: string; ok: boolean } | null;
  consent: { text: string; allow: string; notNow: string } | null;
  stepUp: { text: string; confirm: string; notNow: string } | null;
  accounts: { title: string; rows: AccountRow[]; addLabel: string; signOutAll: string | null; picker: { id: string; name: string }[] | null } | null;
  /** "Connect to an API by URL": not while a sign-in waits (the waiting view is all the person needs then). */
  connectApi: boolean;
}

type Values = Readonly<Record<string, string | number>>;

function modeOf(state: ViewState): Mode {
  if (!state.bridged) return 'unavailable';
  const { session } = state;
  if (session === null || state.appInfo === null) return 'loading';
  if (state.signingIn || session.status === 'signing_in') return 'waiting';
  return session.status;
}

/**
 * A message from the main process in the window's language: the core's
 * standard words for a code (English) are looked up in the table; a message
 * of its own (naming a field, a host) is shown as it came.
 */
export function localised(text: string, code: string | undefined, language: Language): string {
  const key = `error.${code ?? ''}`;
  if (language === 'en' || !(key in LANGUAGES.en)) return text;
  return format('en', key as StringKey) === text ? format(language, key as StringKey) : text;
}

/** "Demo User" → "DU"; an address or id → its first letter. */
export function initials(name: string): string {
  const words = name
    .replace(/@.*$/, '')
    .split(/[\s._-]+/)
    .filter(Boolean);
  const first = words[0]?.[0] ?? '';
  const last = words.length > 1 ? (words.at(-1)?.[0] ?? '') : '';
  const letters = [first, last];
  return letters.join('').toUpperCase() || '?';
}

function who(account: Pick<AccountSummary, 'name' | 'email' | 'id'>): string {
  return account.name ?? account.email ?? account.id;
}

function apiDisplayName(providers: ProviderSummary[], providerId: string | undefined, api: string | undefined, fallback: string): string {
  if (api === undefined) return fallback;
  return providers.find((p) => p.id === providerId)?.apis?.find((a) => a.id === api)?.displayName ?? api;
}

/** A JSON answer in a few words: its `name` (or first text field) and how many fields it has. */
export function summarise(response: ApiResponse, t: (key: StringKey, values?: Values) => string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    const firstLine = response.body.split('\n')[0] ?? '';
    return firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine || t('api.status', { status: response.status });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return t('api.status', { status: response.status });
  const fields = Object.entries(parsed);
  const named = fields.find(([k, v]) => k === 'name' && typeof v === 'string');
  const parts = [...(named ? [t('api.summaryName', { value: String(named[1]) })] : []), t('api.summaryFields', { count: fields.length })];
  return parts.join(', ');
}

function badgesOf(account: AccountSummary, t: (key: StringKey, values?: Values) => string, language: Language): Badge[] {
  const badges: Badge[] = [];
  if (account.active) badges.push({ text: t('badge.active'), tone: 'active' });
  if (account.offline) badges.push({ text: t('badge.offline'), tone: 'offline' });
  // No refresh token: the sign-in ends with its access token, restart or not (AccountSummary.signInEndsAt).
  if (account.signInEndsAt !== undefined) {
    const time = new Date(account.signInEndsAt).toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
    badges.push({ text: t('badge.endsAt', { time }), tone: 'attention' });
  }
  if (account.consentNeeded?.length) badges.push({ text: t('badge.consent'), tone: 'attention' });
  if (account.stepUpNeeded?.length) badges.push({ text: t('badge.stepUp'), tone: 'attention' });
  return badges;
}

function revocationText(state: ViewState, t: (key: StringKey) => string): string | null {
  const session = state.session;
  if (session?.status !== 'signed_out' || !session.revocation) return null;
  switch (session.revocation.outcome) {
    case 'revoked':
      return null;
    case 'not_offered':
      return t('revocation.notOffered');
    case 'failed':
      return t(session.revocation.retrying ? 'revocation.retrying' : 'revocation.failed');
  }
}

function waitingOf(state: ViewState, now: number, t: (key: StringKey, values?: Values) => string): ViewModel['waiting'] {
  const session = state.session;
  const device = session?.status === 'signing_in' ? session.device : undefined;
  const browser = session?.status === 'signing_in' && !device ? session.browser : undefined;
  const expiresAt = device?.expiresAt ?? browser?.expiresAt;
  const left = expiresAt !== undefined ? Math.max(0, expiresAt - now) : undefined;
  const timeLeft = left === undefined ? null : left < 60_000 ? t('waiting.timeLeftSeconds') : t('waiting.timeLeft', { minutes: Math.ceil(left / 60_000) });
  return {
    text: device ? '' : t('waiting.browser'),
    device,
    timeLeft,
    progress:
      browser && left !== undefined
        ? { label: t('waiting.progress'), value: Math.round(left / 1000), max: Math.max(1, Math.round((browser.expiresAt - browser.startedAt) / 1000)) }
        : null,
    openAgain: browser ? t('waiting.openAgain') : null,
    copyLink: browser ? t('waiting.copyLink') : null,
    copied: state.copied === 'link' ? t('waiting.copied') : state.copied === 'failed' ? t('waiting.copyFailed') : null,
    cancel: t('waiting.cancel'),
    hint: t('waiting.escapeHint'),
  };
}

/** What the window shows for `state` at time `now` (epoch ms, for the time left). */
export function viewModel(state: ViewState, now: number): ViewModel {
  const language: Language = state.appInfo?.language ?? 'en';
  const product = state.appInfo?.productName ?? '';
  const t = (key: StringKey, values: Values = {}) => format(language, key, { product, ...values });
  const mode = modeOf(state);
  const session = state.session;
  const accounts = session?.accounts ?? [];
  const active = accounts.find((a) => a.active);
  const signedIn = session?.status === 'signed_in' ? session : null;
  const activeName = signedIn ? (signedIn.user.name ?? signedIn.user.email ?? signedIn.user.sub) : '';
  const offline = mode === 'signed_in' && signedIn?.connectivity === 'offline';
  const device = session?.status === 'signing_in' && session.device !== undefined;

  const status = {
    loading: t('app.loading'),
    unavailable: t('app.unavailable'),
    signed_out: t('status.signedOut'),
    waiting: device ? t('status.waitingDevice') : t('status.waiting'),
    signed_in: t(offline ? 'status.offline' : 'status.signedIn', { name: activeName }),
  }[mode];
  const title = mode === 'waiting' ? t('title.waiting') : mode === 'signed_in' ? t('title.signedIn', { name: activeName }) : t('title.signedOut');

  const selected = state.providers.find((p) => p.id === state.selectedProvider) ?? state.providers[0];
  const several = state.providers.length > 1;
  const providerList = state.providers.map((p) => ({ id: p.id, name: p.displayName }));
  const activeProvider = state.providers.find((p) => p.id === signedIn?.providerId);
  const defaultApiName = activeProvider?.displayName ?? '';

  // The message from the core is shown as is (it says what happened and what to do); offline is said once, by the notice.
  const message =
    state.message && !(offline && state.message.code === 'network_error')
      ? { kind: state.message.kind, text: localised(state.message.text, state.message.code, language) }
      : null;
  const stepUpShown = mode === 'signed_in' && (state.stepUp !== null || ((active?.stepUpNeeded?.length ?? 0) > 0 && !state.stepUpDismissed));

  const result = state.apiResult;
  const resultName = result ? apiDisplayName(state.providers, signedIn?.providerId, result.api, defaultApiName) : '';
  const resultOk = result !== null && result.response.status >= 200 && result.response.status < 300;

  return {
    mode,
    title: title || t('signIn.buttonAny'),
    heading: product || t('signIn.buttonAny'),
    status,
    // A short action running (an API call, a sign-out, a switch). Waiting for the browser is not "busy": it is
    // a state of its own with its own controls, and a busy page would keep its announcements from being read.
    busy: state.busy,
    actionsLocked: state.busy || state.signingIn,
    message,
    storageNotice: session?.storage.notice ?? null,
    offline: offline ? { text: t('offline'), retry: t('offline.retry') } : null,
    revocation: mode === 'signed_out' ? revocationText(state, t) : null,
    connectApi: mode !== 'waiting',
    signIn: {
      intro: t('signIn.intro'),
      // One provider: its name on the button. Several: the picker names it.
      button: !several && selected ? t('signIn.button', { provider: selected.displayName }) : t('signIn.buttonAny'),
      pickerLabel: t('signIn.provider'),
      picker: several ? providerList : null,
      device: selected?.deviceCode === 'fallback' ? t('signIn.device') : null,
    },
    waiting: mode === 'waiting' ? waitingOf(state, now, t) : null,
    account:
      mode === 'signed_in' && signedIn
        ? {
            initials: initials(activeName),
            name: activeName,
            detail: [
              signedIn.user.email && signedIn.user.email !== activeName ? signedIn.user.email : null,
              t('account.provider', { provider: active?.providerName ?? defaultApiName }),
            ]
              .filter(Boolean)
              .join(' · '),
            badges: active ? badgesOf(active, t, language).filter((b) => b.tone !== 'active') : [],
            signOut: t('account.signOut'),
          }
        : null,
    apis:
      mode === 'signed_in'
        ? [
            { api: undefined, label: t('api.callDefault') },
            ...(activeProvider?.apis ?? []).map((a) => ({ api: a.id, label: t('api.call', { api: a.displayName }) })),
          ]
        : [],
    apiResult:
      mode === 'signed_in' && result
        ? {
            summary: resultOk
              ? t('api.ok', { api: resultName || t('api.callDefault'), summary: summarise(result.response, t) })
              : t('api.failed', { api: resultName, status: result.response.status }),
            status: String(result.response.status),
            raw: prettyBody(result.response.body),
            details: t('api.details'),
            ok: resultOk,
          }
        : null,
    consent:
      mode === 'signed_in' && state.consent
        ? {
            text: t('consent.text', { api: apiDisplayName(state.providers, active?.providerId, state.consent.api, state.consent.api) }),
            allow: t('consent.allow'),
            notNow: t('consent.notNow'),
          }
        : null,
    stepUp: stepUpShown ? { text: state.stepUp?.message ?? t('stepUp.text'), confirm: t('stepUp.confirm'), notNow: t('stepUp.notNow') } : null,
    accounts:
      // The list is for choosing between people: with one account, the header says it all.
      mode === 'signed_in' || mode === 'signed_out'
        ? accounts.length > 1 || (mode === 'signed_out' && accounts.length > 0)
          ? {
              title: t('account.list'),
              rows: accounts.map((a) => {
                const name = who(a);
                return {
                  id: a.id,
                  name,
                  detail: [a.email && a.email !== name ? a.email : null, a.providerName].filter(Boolean).join(' · '),
                  active: a.active,
                  badges: badgesOf(a, t, language),
                  use: a.active ? null : { text: t('account.use'), label: t('account.useNamed', { name }) },
                  signOut: a.active ? null : { text: t('account.signOut'), label: t('account.signOutNamed', { name }) },
                };
              }),
              addLabel: t('account.add'),
              signOutAll: accounts.length > 1 ? t('account.signOutAll') : null,
              picker: several ? providerList : null,
            }
          : mode === 'signed_in'
            ? { title: t('account.list'), rows: [], addLabel: t('account.add'), signOutAll: null, picker: several ? providerList : null }
            : null
        : null,
  };
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

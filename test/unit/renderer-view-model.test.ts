/**
 * The window's logic without a DOM: view-state.ts (state changes) and
 * view-model.ts (state → what is shown), one test per state the window can
 * be in, in plain Node.
 */
import { describe, expect, test } from 'vitest';
import { AuthError, toErrorPayload } from '../../main/auth/errors';
import type { AccountSummary, AppInfo, ProviderSummary, SessionState } from '../../main/ipc/contract-types';
import { initials, viewModel } from '../../renderer/view-model';
import {
  dismissConsent,
  dismissStepUp,
  initialState,
  starting,
  withApiAnswer,
  withError,
  withProviders,
  withSession,
  type ViewState,
} from '../../renderer/view-state';

const APP: AppInfo = { productName: 'Acme Desktop', version: '1.0.0', language: 'en' };
const DEMO: ProviderSummary = { id: 'demo', displayName: 'Acme ID', apis: [{ id: 'calendar', displayName: 'Calendar' }] };
const STORAGE = { persistent: true };
const NOW = 1_000_000;
const CANCELLED = 'Sign-in cancelled.';

const account = (over: Partial<AccountSummary> = {}): AccountSummary => ({
  id: 'demo:u1',
  providerId: 'demo',
  providerName: 'Acme ID',
  name: 'Demo User',
  email: 'demo@example.test',
  active: true,
  needsAttention: false,
  ...over,
});
const signedOut: SessionState = { status: 'signed_out', storage: STORAGE, providerId: null, accounts: [] };
const signedIn = (over: Partial<Extract<SessionState, { status: 'signed_in' }>> = {}, accounts = [account()]): SessionState => ({
  status: 'signed_in',
  storage: STORAGE,
  providerId: 'demo',
  user: { sub: 'u1', name: 'Demo User', email: 'demo@example.test' },
  connectivity: 'online',
  accounts,
  ...over,
});

function ready(session: SessionState, providers = [DEMO]): ViewState {
  return withSession(withProviders({ ...initialState(), appInfo: APP }, providers), session);
}

describe('states', () => {
  test('no bridge (a plain tab): says where it works, and nothing else', () => {
    const vm = viewModel({ ...initialState(), bridged: false }, NOW);
    expect(vm.mode).toBe('unavailable');
    expect(vm.status).toContain('npm run preview');
  });

  test('loading until the app has answered', () => {
    expect(viewModel(initialState(), NOW).mode).toBe('loading');
  });

  test('signed out: product in heading and title, the provider on the button', () => {
    const vm = viewModel(ready(signedOut), NOW);
    expect(vm).toMatchObject({ mode: 'signed_out', heading: 'Acme Desktop', title: 'Acme Desktop', status: 'Signed out' });
    expect(vm.signIn.button).toBe('Sign in with Acme ID');
    expect(vm.signIn.picker).toBeNull();
    expect(vm.signIn.device).toBeNull();
  });

  test('two providers: a picker, a plain "Sign in", the device button for a fallback profile', () => {
    const s = withProviders(ready(signedOut), [DEMO, { id: 'b', displayName: 'Beta', deviceCode: 'fallback' }]);
    const vm = viewModel({ ...s, selectedProvider: 'b' }, NOW);
    expect(vm.signIn.button).toBe('Sign in');
    expect(vm.signIn.picker).toEqual([
      { id: 'demo', name: 'Acme ID' },
      { id: 'b', name: 'Beta' },
    ]);
    expect(vm.signIn.device).toBe('Sign in on another device');
  });

  test('waiting for the browser: time left, progress, Open the page again, Copy link, the title follows', () => {
    const waiting: SessionState = {
      status: 'signing_in',
      storage: STORAGE,
      providerId: 'demo',
      browser: { url: 'https://id.example/auth?x=1', startedAt: NOW - 60_000, expiresAt: NOW + 240_000 },
    };
    const vm = viewModel(ready(waiting), NOW);
    expect(vm.mode).toBe('waiting');
    expect(vm.title).toBe('Signing in… — Acme Desktop');
    expect(vm.status).toBe('Waiting for your browser');
    expect(vm.waiting).toMatchObject({ timeLeft: 'About 4 min left', openAgain: 'Open the page again', copyLink: 'Copy link', cancel: 'Cancel' });
    expect(vm.waiting?.progress).toMatchObject({ value: 240, max: 300 });
    // The waiting view is the whole window: connecting to another API waits until the sign-in is over.
    expect(vm.connectApi).toBe(false);
    expect(viewModel(ready(signedOut), NOW).connectApi).toBe(true);
    expect(viewModel(ready(signedIn()), NOW).connectApi).toBe(true);
    expect(viewModel(ready(waiting), NOW + 200_000).waiting?.timeLeft).toBe('Less than a minute left');
    expect(viewModel({ ...ready(waiting), copied: 'link' }, NOW).waiting?.copied).toBe('Link copied. Paste it into your browser.');
  });

  test('our own sign-in call before the page exists: waiting, without a link to copy', () => {
    const vm = viewModel(starting(ready(signedOut), 'signIn'), NOW);
    expect(vm.mode).toBe('waiting');
    // Controls are locked while the sign-in runs, but the page is not aria-busy: waiting is a state to be read.
    expect(vm.actionsLocked).toBe(true);
    expect(vm.busy).toBe(false);
    expect(viewModel(starting(ready(signedIn()), 'busy'), NOW)).toMatchObject({ busy: true, actionsLocked: true });
    expect(vm.waiting?.copyLink).toBeNull();
  });

  test('device sign-in: its own words, no browser link', () => {
    const device = { userCode: 'WDJB-MJHT', verificationUri: 'https://id.example/device', expiresAt: NOW + 600_000 };
    const vm = viewModel(ready({ status: 'signing_in', storage: STORAGE, providerId: 'demo', device }), NOW);
    expect(vm.status).toBe('Waiting for your other device');
    expect(vm.waiting).toMatchObject({ device, openAgain: null, copyLink: null, timeLeft: 'About 10 min left' });
  });

  test('signed in: who in status and title, an account header, no list for one account', () => {
    const vm = viewModel(ready(signedIn()), NOW);
    expect(vm.status).toBe('Signed in as Demo User');
    expect(vm.title).toBe('Demo User — Acme Desktop');
    expect(vm.account).toEqual({ initials: 'DU', name: 'Demo User', detail: 'demo@example.test · with Acme ID', badges: [], signOut: 'Sign out' });
    expect(vm.apis.map((a) => a.label)).toEqual(['Call the API', 'Call Calendar']);
    expect(vm.accounts?.rows).toEqual([]);
    expect(vm.accounts?.addLabel).toBe('Add another account');
  });

  test('two accounts: rows with Use and Sign out whose accessible names contain the visible words', () => {
    const other = account({ id: 'demo:u2', name: 'Sam Colleague', email: 'sam@example.test', active: false });
    const vm = viewModel(ready(signedIn({}, [account(), other])), NOW);
    const [first, second] = vm.accounts?.rows ?? [];
    // The active account's one Sign out is the header's.
    expect(first).toMatchObject({ use: null, signOut: null, badges: [{ text: 'Active', tone: 'active' }] });
    expect(second?.use).toEqual({ text: 'Use', label: 'Use Sam Colleague' });
    expect(second?.signOut).toEqual({ text: 'Sign out', label: 'Sign out Sam Colleague' });
    for (const row of vm.accounts?.rows ?? []) for (const b of [row.use, row.signOut]) if (b) expect(b.label).toContain(b.text);
    expect(vm.accounts?.signOutAll).toBe('Sign out everyone');
  });

  test('offline: one notice with Retry now, and a network error is not said twice', () => {
    let s = ready(signedIn({ connectivity: 'offline' }, [account({ offline: true })]));
    s = withApiAnswer(s, undefined, { ok: false, error: { code: 'network_error', message: 'Could not reach the server.' } }, CANCELLED);
    const vm = viewModel(s, NOW);
    expect(vm.status).toBe('Signed in as Demo User — offline');
    expect(vm.offline?.retry).toBe('Retry now');
    expect(vm.message).toBeNull();
    expect(vm.account?.badges).toEqual([{ text: 'Offline', tone: 'offline' }]);
    expect(s.lastApi).toEqual({ api: undefined });
  });

  test('distinct badge tones for active, offline and attention', () => {
    const vm = viewModel(ready(signedIn({}, [account({ offline: true, consentNeeded: ['calendar'] }), account({ id: 'demo:u2', active: false })])), NOW);
    expect(new Set(vm.accounts?.rows[0]?.badges.map((b) => b.tone))).toEqual(new Set(['active', 'offline', 'attention']));
  });

  test('API answer: a readable summary, the raw JSON behind Details', () => {
    const s = withApiAnswer(
      ready(signedIn()),
      'calendar',
      { ok: true, data: { status: 200, headers: {}, body: '{"name":"Demo User","sub":"u1","aud":"x"}' } },
      CANCELLED,
    );
    expect(viewModel(s, NOW).apiResult).toEqual({
      summary: 'Calendar answered: name Demo User, 3 fields',
      status: '200',
      raw: JSON.stringify({ name: 'Demo User', sub: 'u1', aud: 'x' }, null, 2),
      details: 'Details',
      ok: true,
    });
  });

  test('an API error status is a failed result, not a summary of its body', () => {
    const s = withApiAnswer(ready(signedIn()), undefined, { ok: true, data: { status: 404, headers: {}, body: 'nope' } }, CANCELLED);
    expect(viewModel(s, NOW).apiResult).toMatchObject({ ok: false, summary: 'Acme ID answered with status 404' });
  });

  test('consent: a prompt instead of an error, with Not now', () => {
    let s = withApiAnswer(ready(signedIn()), 'calendar', { ok: false, error: { code: 'consent_required', message: 'x', api: 'calendar' } }, CANCELLED);
    expect(viewModel(s, NOW).consent).toEqual({
      text: 'Calendar needs a permission you have not granted yet. Allow it in your browser to continue.',
      allow: 'Allow in browser',
      notNow: 'Not now',
    });
    expect(viewModel(s, NOW).message).toBeNull();
    s = dismissConsent(s);
    expect(viewModel(s, NOW).consent).toBeNull();
  });

  test('step-up: the core’s words from the call, or the account’s badge; Not now hides the prompt until asked again', () => {
    const needing = ready(signedIn({}, [account({ stepUpNeeded: ['#0'] })]));
    expect(viewModel(needing, NOW).stepUp?.confirm).toBe('Confirm in browser');
    expect(viewModel(needing, NOW).account?.badges).toEqual([{ text: 'Needs a stronger sign-in', tone: 'attention' }]);
    const dismissed = dismissStepUp(needing);
    expect(viewModel(dismissed, NOW).stepUp).toBeNull();
    const asked = withApiAnswer(dismissed, undefined, { ok: false, error: { code: 'step_up_required', message: 'Confirm it is you.' } }, CANCELLED);
    expect(viewModel(asked, NOW).stepUp?.text).toBe('Confirm it is you.');
  });

  test('one prompt at a time: a consent question replaces a step-up prompt, and the other way round', () => {
    const stepUp = withApiAnswer(ready(signedIn()), undefined, { ok: false, error: { code: 'step_up_required', message: 'Confirm it is you.' } }, CANCELLED);
    const consent = withApiAnswer(stepUp, 'calendar', { ok: false, error: { code: 'consent_required', message: 'x', api: 'calendar' } }, CANCELLED);
    expect(viewModel(consent, NOW).consent).not.toBeNull();
    expect(viewModel(consent, NOW).stepUp).toBeNull();
    const back = withApiAnswer(consent, undefined, { ok: false, error: { code: 'step_up_required', message: 'Confirm it is you.' } }, CANCELLED);
    expect(viewModel(back, NOW).consent).toBeNull();
    expect(viewModel(back, NOW).stepUp).not.toBeNull();
  });

  test('the person’s own Cancel is news, not an error; a real failure is one message', () => {
    const cancelled = withError(ready(signedOut), { code: 'sign_in_cancelled', message: 'The sign-in was cancelled.' }, CANCELLED);
    expect(viewModel(cancelled, NOW).message).toEqual({ kind: 'info', text: CANCELLED });
    // The core's own words for the code (main/auth/errors.ts takes them from the strings table), next step included.
    const denied = withError(ready(signedOut), toErrorPayload(new AuthError('access_denied')), CANCELLED);
    expect(viewModel(denied, NOW).message).toEqual({
      kind: 'error',
      text: 'The sign-in was declined at the identity provider. Sign in again if you want to try once more.',
    });
  });

  test('a session ended by the provider says why, once', () => {
    const s = withSession(ready(signedIn()), {
      ...signedOut,
      reason: { code: 'session_ended', message: 'Your sign-in was ended by the provider. Sign in again.' },
    });
    expect(viewModel(s, NOW).message?.text).toBe('Your sign-in was ended by the provider. Sign in again.');
  });

  test('revocation outcomes while signed out', () => {
    const s = (revocation: Extract<SessionState, { status: 'signed_out' }>['revocation']) => viewModel(ready({ ...signedOut, revocation }), NOW).revocation;
    expect(s({ outcome: 'revoked', retrying: false })).toBeNull();
    expect(s({ outcome: 'not_offered', retrying: false })).toContain('no way to cancel the sign-in remotely');
    expect(s({ outcome: 'failed', retrying: true })).toContain('could not be told yet');
  });

  test('German: the core’s standard words for a code are translated; its own specific words are not', () => {
    const standard = withError(
      { ...ready(signedOut), appInfo: { ...APP, language: 'de' } },
      { code: 'session_ended', message: 'Your sign-in was ended by the provider. Sign in again.' },
      CANCELLED,
    );
    expect(viewModel(standard, NOW).message?.text).toBe('Ihre Anmeldung wurde vom Anbieter beendet. Melden Sie sich erneut an.');
    const specific = withError(
      { ...ready(signedOut), appInfo: { ...APP, language: 'de' } },
      { code: 'invalid_config', message: 'providers.0.clientId is required' },
      CANCELLED,
    );
    expect(viewModel(specific, NOW).message?.text).toBe('providers.0.clientId is required');
  });

  test('German: the same states in German', () => {
    const vm = viewModel({ ...ready(signedIn()), appInfo: { ...APP, language: 'de' } }, NOW);
    expect(vm.status).toBe('Angemeldet als Demo User');
    expect(vm.account?.signOut).toBe('Abmelden');
  });
});

test('initials', () => {
  expect(initials('Demo User')).toBe('DU');
  expect(initials('Ada')).toBe('A');
  expect(initials('sam.colleague@example.test')).toBe('SC');
  expect(initials('')).toBe('?');
});

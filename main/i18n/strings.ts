/**
 * Every sentence a person reads, keyed, in one table per language — the
 * renderer's and the main process's alike (menu, dialogs). Error *codes*
 * stay the contract; the words for them live here (`error.<code>`).
 *
 * Shared layer: no imports, no Node or DOM, so the renderer bundle and the
 * main process both take it as it is. `{name}` placeholders are filled by
 * `format`; a missing value leaves the placeholder visible rather than
 * guessing.
 */

const en = {
  'app.loading': 'Loading…',
  'app.unavailable': 'This page works only inside the app, or in `npm run preview`.',
  'status.signedOut': 'Signed out',
  'status.waiting': 'Waiting for your browser',
  'status.waitingDevice': 'Waiting for your other device',
  'status.signedIn': 'Signed in as {name}',
  'status.offline': 'Signed in as {name} — offline',
  'status.busy': 'Working…',
  'title.signedOut': '{product}',
  'title.waiting': 'Signing in… — {product}',
  'title.signedIn': '{name} — {product}',
  'signIn.intro': 'A page opens in your web browser. Sign in there, then come back here.',
  'signIn.button': 'Sign in with {provider}',
  'signIn.buttonAny': 'Sign in',
  'signIn.device': 'Sign in on another device',
  'signIn.provider': 'Provider',
  'waiting.browser': 'Complete the sign-in on the page that just opened in your browser.',
  'waiting.timeLeft': 'About {minutes} min left',
  'waiting.timeLeftSeconds': 'Less than a minute left',
  'waiting.progress': 'Time left to finish signing in',
  'waiting.openAgain': 'Open the page again',
  'waiting.copyLink': 'Copy link',
  'waiting.copied': 'Link copied. Paste it into your browser.',
  'waiting.copyFailed': 'The link could not be copied.',
  'waiting.cancel': 'Cancel',
  'waiting.escapeHint': 'Press Escape to cancel.',
  cancelled: 'Sign-in cancelled. You can sign in again whenever you like.',
  'account.provider': 'with {provider}',
  'account.signOut': 'Sign out',
  'account.signOutNamed': 'Sign out {name}',
  'account.signOutAll': 'Sign out everyone',
  'account.use': 'Use',
  'account.useNamed': 'Use {name}',
  'account.add': 'Add another account',
  'account.list': 'Accounts on this computer',
  'badge.active': 'Active',
  'badge.offline': 'Offline',
  'badge.consent': 'Needs permission',
  'badge.stepUp': 'Needs a stronger sign-in',
  'badge.endsAt': 'Sign in again after {time}',
  'api.call': 'Call {api}',
  'api.callDefault': 'Call the API',
  'api.calling': 'Calling {api}…',
  'api.ok': '{api} answered: {summary}',
  'api.failed': '{api} answered with status {status}',
  'api.status': 'Status {status}',
  'api.details': 'Details',
  'api.summaryName': 'name {value}',
  'api.summaryFields': '{count} fields',
  offline: 'The identity provider cannot be reached. You stay signed in, and the app reconnects by itself.',
  'offline.retry': 'Retry now',
  'consent.text': '{api} needs a permission you have not granted yet. Allow it in your browser to continue.',
  'consent.allow': 'Allow in browser',
  'consent.notNow': 'Not now',
  'stepUp.text': 'An API needs you to confirm it is you again, with a stronger or more recent sign-in. Confirm it in your browser to continue.',
  'stepUp.confirm': 'Confirm in browser',
  'stepUp.notNow': 'Not now',
  'revocation.notOffered': 'Signed out on this computer. This provider offers no way to cancel the sign-in remotely; it ends by itself when it expires.',
  'revocation.retrying':
    'Signed out on this computer, but the identity provider could not be told yet. The app keeps trying (for up to 7 days) to cancel your sign-in there.',
  'revocation.failed': 'Signed out on this computer, but the identity provider could not be told. Your sign-in stays valid there until it expires.',
  'error.internal': 'The app could not be reached. Please restart it.',
  'menu.about': 'About {product}',
  'menu.edit': 'Edit',
  'menu.window': 'Window',
  'menu.help': 'Help',
  'menu.view': 'View',
  'menu.licences': 'Licences',
  'about.detail': 'Version {version}\nMIT licence. Third-party licences: see THIRD-PARTY-NOTICES in the installation folder.',
  'dialog.invalidConfig': 'Invalid configuration',
  'dialog.configUnreadable': 'The configuration could not be read.',
  'dialog.startFailed': 'The app could not start',
  'dialog.startFailedDetail': 'Something went wrong while starting. See the log for details.',
} as const;

export type StringKey = keyof typeof en;
export type Strings = Readonly<Record<StringKey, string>>;

const de: Strings = {
  'app.loading': 'Wird geladen…',
  'app.unavailable': 'Diese Seite funktioniert nur in der App oder in `npm run preview`.',
  'status.signedOut': 'Abgemeldet',
  'status.waiting': 'Warten auf Ihren Browser',
  'status.waitingDevice': 'Warten auf Ihr anderes Gerät',
  'status.signedIn': 'Angemeldet als {name}',
  'status.offline': 'Angemeldet als {name} — offline',
  'status.busy': 'Einen Moment…',
  'title.signedOut': '{product}',
  'title.waiting': 'Anmeldung… — {product}',
  'title.signedIn': '{name} — {product}',
  'signIn.intro': 'Eine Seite öffnet sich in Ihrem Webbrowser. Melden Sie sich dort an und kehren Sie dann hierher zurück.',
  'signIn.button': 'Mit {provider} anmelden',
  'signIn.buttonAny': 'Anmelden',
  'signIn.device': 'Auf einem anderen Gerät anmelden',
  'signIn.provider': 'Anbieter',
  'waiting.browser': 'Schließen Sie die Anmeldung auf der eben geöffneten Browserseite ab.',
  'waiting.timeLeft': 'Noch etwa {minutes} Min.',
  'waiting.timeLeftSeconds': 'Noch weniger als eine Minute',
  'waiting.progress': 'Verbleibende Zeit für die Anmeldung',
  'waiting.openAgain': 'Seite erneut öffnen',
  'waiting.copyLink': 'Link kopieren',
  'waiting.copied': 'Link kopiert. Fügen Sie ihn in Ihren Browser ein.',
  'waiting.copyFailed': 'Der Link konnte nicht kopiert werden.',
  'waiting.cancel': 'Abbrechen',
  'waiting.escapeHint': 'Mit Escape brechen Sie ab.',
  cancelled: 'Anmeldung abgebrochen. Sie können sich jederzeit erneut anmelden.',
  'account.provider': 'bei {provider}',
  'account.signOut': 'Abmelden',
  'account.signOutNamed': '{name} abmelden',
  'account.signOutAll': 'Alle abmelden',
  'account.use': 'Verwenden',
  'account.useNamed': '{name} verwenden',
  'account.add': 'Weiteres Konto hinzufügen',
  'account.list': 'Konten auf diesem Computer',
  'badge.active': 'Aktiv',
  'badge.offline': 'Offline',
  'badge.consent': 'Berechtigung nötig',
  'badge.stepUp': 'Stärkere Anmeldung nötig',
  'badge.endsAt': 'Nach {time} erneut anmelden',
  'api.call': '{api} aufrufen',
  'api.callDefault': 'API aufrufen',
  'api.calling': '{api} wird aufgerufen…',
  'api.ok': '{api} antwortet: {summary}',
  'api.failed': '{api} antwortet mit Status {status}',
  'api.status': 'Status {status}',
  'api.details': 'Details',
  'api.summaryName': 'Name {value}',
  'api.summaryFields': '{count} Felder',
  offline: 'Der Identitätsanbieter ist nicht erreichbar. Sie bleiben angemeldet, und die App verbindet sich von selbst wieder.',
  'offline.retry': 'Jetzt erneut versuchen',
  'consent.text': '{api} braucht eine Berechtigung, die Sie noch nicht erteilt haben. Erlauben Sie sie im Browser, um fortzufahren.',
  'consent.allow': 'Im Browser erlauben',
  'consent.notNow': 'Nicht jetzt',
  'stepUp.text': 'Eine API möchte, dass Sie sich erneut bestätigen, mit einer stärkeren oder neueren Anmeldung. Bestätigen Sie es im Browser, um fortzufahren.',
  'stepUp.confirm': 'Im Browser bestätigen',
  'stepUp.notNow': 'Nicht jetzt',
  'revocation.notOffered':
    'Auf diesem Computer abgemeldet. Dieser Anbieter kann die Anmeldung nicht aus der Ferne beenden; sie endet von selbst, wenn sie abläuft.',
  'revocation.retrying':
    'Auf diesem Computer abgemeldet, aber der Identitätsanbieter konnte noch nicht benachrichtigt werden. Die App versucht es weiter (bis zu 7 Tage).',
  'revocation.failed':
    'Auf diesem Computer abgemeldet, aber der Identitätsanbieter konnte nicht benachrichtigt werden. Die Anmeldung bleibt dort gültig, bis sie abläuft.',
  'error.internal': 'Die App ist nicht erreichbar. Bitte starten Sie sie neu.',
  'menu.about': 'Über {product}',
  'menu.edit': 'Bearbeiten',
  'menu.window': 'Fenster',
  'menu.help': 'Hilfe',
  'menu.view': 'Ansicht',
  'menu.licences': 'Lizenzen',
  'about.detail': 'Version {version}\nMIT-Lizenz. Lizenzen von Drittanbietern: siehe THIRD-PARTY-NOTICES im Installationsordner.',
  'dialog.invalidConfig': 'Ungültige Konfiguration',
  'dialog.configUnreadable': 'Die Konfiguration konnte nicht gelesen werden.',
  'dialog.startFailed': 'Die App konnte nicht starten',
  'dialog.startFailedDetail': 'Beim Start ist etwas schiefgegangen. Details stehen im Protokoll.',
};

/** Every language the app speaks; the first is the fallback. */
export const LANGUAGES = { en, de } as const satisfies Record<string, Strings>;
export type Language = keyof typeof LANGUAGES;

/** The language for an OS locale (`de-AT` → `de`); English for anything else. */
export function languageFor(locale: string | undefined): Language {
  const base = (locale ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  return base in LANGUAGES ? (base as Language) : 'en';
}

/** `key` in `language`, with `{name}` placeholders filled from `values`. */
export function format(language: Language, key: StringKey, values: Readonly<Record<string, string | number>> = {}): string {
  return LANGUAGES[language][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

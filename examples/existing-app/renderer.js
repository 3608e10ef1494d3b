// @ts-check
// The page: talks to the main process only through window.auth, and never sees a token.
const status = /** @type {HTMLElement} */ (document.getElementById('status'));
const signIn = /** @type {HTMLButtonElement} */ (document.getElementById('sign-in'));
const signOut = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'));

/** @param {import('oidc-desktop/renderer').SessionState} session */
function show(session) {
  status.textContent =
    session.status === 'signed_in' ? `Signed in as ${session.user.name ?? session.user.sub}` : session.status === 'signing_in' ? 'Signing in…' : 'Signed out';
  signIn.hidden = session.status === 'signed_in';
  signOut.hidden = session.status !== 'signed_in';
}

// --- sign-in: renderer ---
window.auth.onSessionChanged(show);
signIn.addEventListener('click', async () => {
  const result = await window.auth.signIn();
  if (!result.ok) status.textContent = result.error.message;
});
signOut.addEventListener('click', () => void window.auth.signOut());
void window.auth.getSession().then((r) => {
  if (r.ok) show(r.data);
});
// --- end sign-in: renderer ---

#!/usr/bin/env node
// Release guard (.github/workflows/release.yml): fails the job, loudly, when
// the signing or notarization secrets for this runner's OS are missing.
// electron-builder on its own skips signing and notarization without a word
// when they are absent, so a tag would publish unsigned installers. A test
// build without them must say so: `workflow_dispatch` with `unsigned: true`
// (UNSIGNED=true here), which a tag push cannot set.
//
// Env: RUNNER_OS (Linux | Windows | macOS), UNSIGNED ('true' or not), and the
// secrets by name. Prints GitHub workflow commands (::error:: / ::warning::).

/** What each OS needs signed. Linux packages (AppImage, deb, rpm) are not code-signed by electron-builder. */
const REQUIRED = {
  macOS: ['CSC_LINK', 'CSC_KEY_PASSWORD', 'APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
  Windows: ['WIN_CSC_LINK', 'WIN_CSC_KEY_PASSWORD'],
  Linux: [],
};

const os = process.env.RUNNER_OS ?? '';
const required = REQUIRED[os];
if (!required) {
  console.log(`::error::Unknown RUNNER_OS "${os}": cannot tell which signing secrets are needed.`);
  process.exit(1);
}
const missing = required.filter((name) => !process.env[name]);
if (missing.length === 0) {
  console.log(`Signing secrets for ${os}: all present.`);
  process.exit(0);
}
if (process.env.UNSIGNED === 'true') {
  console.log(
    `::warning::UNSIGNED test build on ${os}: ${missing.join(', ')} missing; the installers are not signed${os === 'macOS' ? ' or notarized' : ''}. Do not publish them.`,
  );
  process.exit(0);
}
console.log(
  `::error::Signing secrets missing on ${os}: ${missing.join(', ')}. A release is never built unsigned; for a test build run the workflow by hand with "unsigned" ticked.`,
);
process.exit(1);

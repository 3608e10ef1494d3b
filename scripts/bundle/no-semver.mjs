// Stands in for `semver` in the main bundle. conf (under electron-store) uses
// it only for `migrations` keyed by app version, which the vault's store does
// not use (it versions its own format, main/auth/vault.ts). semver builds
// dozens of regular expressions when it loads (bench `main_start_ratio`).
// Should migrations ever be configured, this fails loudly.
const unsupported = () => {
  throw new Error('semver is not bundled: electron-store must be created without `migrations`.');
};
export default { eq: unsupported, clean: unsupported, satisfies: unsupported, lte: unsupported, gt: unsupported };

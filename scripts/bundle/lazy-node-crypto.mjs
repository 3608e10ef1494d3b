// Stands in for `node:crypto` where conf (under electron-store) imports it. conf reads it only
// for `encryptionKey`, which the vault's store never sets (main/platform/electron-store-kv.ts
// says why); imported at the top it would compile node:crypto at every start (~7 ms,
// main/auth/lazy-builtins.ts). Here the module is loaded at the first property read, so conf
// behaves exactly as before should it ever use it.
export default new Proxy(
  {},
  {
    get: (_target, key) => process.getBuiltinModule('node:crypto')[key],
    has: (_target, key) => key in process.getBuiltinModule('node:crypto'),
  },
);

/**
 * Node built-ins that nothing needs before the window is up, loaded at first
 * use. Imported at the top of a module, each is compiled at every start:
 * `node:crypto` is about twenty internal modules (~7 ms), `node:stream`
 * ~3 ms, `node:fs/promises` ~2 ms (bench `main_start_ratio`; a signed-out start
 * needs none of them); `node:child_process` only runs on Windows (the
 * administrator's registry policy) and in an AppImage's first run. `process.getBuiltinModule` returns Node's one cached
 * copy, so calling these on every use costs a map lookup.
 *
 * Type-only imports stay allowed; eslint.config.js refuses the value imports
 * under main/ so that this stays the one place they are loaded from.
 */
export const nodeCrypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');
export const nodeStream = (): typeof import('node:stream') => process.getBuiltinModule('node:stream');
export const nodeFsPromises = (): typeof import('node:fs/promises') => process.getBuiltinModule('node:fs/promises');
export const nodeChildProcess = (): typeof import('node:child_process') => process.getBuiltinModule('node:child_process');

/**
 * The main process's entry point (dist/main/index.js): turns on Node's
 * compile cache, then loads the app (main/index.ts, built to dist/main/app.js).
 *
 * WHY a file of its own: ESM compiles a module's whole static import graph
 * before it runs any of it, so `enableCompileCache()` called inside the app's
 * bundle would come after that bundle was compiled. Here it runs first, and the
 * dynamic import below is compiled with the cache: V8's code cache on disk, so
 * the second and later starts skip most parsing and compiling (bench
 * `main_start_ratio`). Node ≥ 22.1 has the API; Electron 45 embeds Node 24.
 * The cache lives in Node's default directory (os.tmpdir()/node-compile-cache,
 * or NODE_COMPILE_CACHE); a failure to open it only means no cache.
 *
 * The import is awaited at top level: Electron runs the entry's top-level
 * awaits before `ready`, and the app must register its scheme and deep-link
 * listeners before `ready` (electron/electron docs/tutorial/esm.md, "You must
 * use await generously before the app's ready event").
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./index');

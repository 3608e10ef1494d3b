/**
 * The app's one zod: `zod/mini` with zod's English messages (which mini does
 * not load by itself — without them a config error would say only "Invalid
 * input"). Mini rather than classic because it is tree-shaken to the parts the
 * schemas use and compiles no parser at the first parse: together about a
 * third of the main bundle and most of the schema work done before the window
 * can appear (bench `main_start_ratio`).
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export { z };

/**
 * A value (a schema, usually) built at its first use. Building zod schemas is a
 * measurable part of the main process's start (bench `main_start_ratio`), so
 * those that no start-up step parses (an IPC message, a server's answer, a
 * connected API) wait until they are needed.
 */
export function atFirstUse<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

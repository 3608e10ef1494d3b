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

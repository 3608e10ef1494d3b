/**
 * Undoing what was set up, newest first (the core stops before the demo
 * provider it talks to, IPC handlers go before the core they call). WHY one
 * home: a cleanup that throws must not leave the ones after it undone — an IPC
 * handler left registered answers for a core that is gone, and a listener left
 * on `app` keeps a disposed glue alive. Each failure is logged by its code
 * only (an error's message may quote a provider's answer) and the rest run.
 */
import { isAuthError } from '../auth/errors';
import type { Logger } from '../auth/types';

export type Cleanup = () => Promise<void> | void;

/** Runs and empties `cleanups`, newest first, one after another; never rejects. */
export async function runCleanups(cleanups: Cleanup[], log: Logger): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (err) {
      log('warn', 'app.cleanup_failed', { errorCode: isAuthError(err) ? err.code : 'internal_error' });
    }
  }
}

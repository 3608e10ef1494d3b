/**
 * Sign-ins waiting for the browser, keyed by `state`. Each one races its own
 * timeout and a cancellation; whoever settles it first removes it, so a second
 * delivery of the same callback finds nothing and exchanges nothing.
 */
import type { DpopKey } from './dpop';
import { AuthError } from './errors';

/** Names "this sign-in sends no PKCE" (a profile with `pkce: false`) instead of overloading `''`. */
export const NO_PKCE: unique symbol = Symbol('no PKCE');

export interface PendingSignIn<T> {
  readonly state: string;
  readonly providerId: string;
  readonly codeVerifier: string | typeof NO_PKCE;
  /** Absent when the sign-in is not OpenID Connect (no `openid` scope): no ID token, no nonce. */
  readonly nonce: string | undefined;
  readonly redirectUri: string;
  /**
   * False when the provider does not echo `state` (profile `callback.stateEchoed`):
   * a callback without it may then complete this sign-in, bound by loopback or PKCE.
   */
  readonly stateEchoed?: boolean;
  /** The session's DPoP key, made for this sign-in; absent when the tokens are not DPoP-bound. */
  readonly dpopKey?: DpopKey;
  /** The parameters were pushed (RFC 9126): the browser got only a `request_uri`. */
  readonly pushed?: boolean;
  /** The scopes asked for, named when the provider refuses one without saying which. */
  readonly scopes?: readonly string[];
  readonly promise: Promise<T>;
}

interface Entry<T> extends PendingSignIn<T> {
  resolve(value: T): void;
  reject(err: AuthError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class PendingSignIns<T> {
  readonly #entries = new Map<string, Entry<T>>();

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Redirect URIs of the sign-ins still waiting (loopback ones are per sign-in). */
  redirectUris(): string[] {
    return [...this.#entries.values()].map((e) => e.redirectUri);
  }

  /** Waiting sign-ins whose provider does not echo `state`: candidates for a callback without one. */
  stateless(): Pick<PendingSignIn<T>, 'state' | 'providerId' | 'redirectUri'>[] {
    return [...this.#entries.values()].filter((e) => e.stateEchoed === false).map(({ state, providerId, redirectUri }) => ({ state, providerId, redirectUri }));
  }

  add(init: Omit<PendingSignIn<T>, 'promise'>): PendingSignIn<T> {
    let resolve!: (value: T) => void;
    let reject!: (err: AuthError) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The caller may never await (e.g. superseded); keep Node from reporting it.
    promise.catch(() => {
      // Handled by whoever awaits it; nothing to do here.
    });
    const timer = setTimeout(() => this.fail(init.state, new AuthError('sign_in_timeout')), this.timeoutMs);
    timer.unref();
    const entry: Entry<T> = { ...init, promise, resolve, reject, timer };
    this.#entries.set(init.state, entry);
    return entry;
  }

  /**
   * Removes and returns the sign-in for `state`, or undefined. Taking it is
   * what makes a callback single-use: the caller then settles it.
   */
  take(state: string): (PendingSignIn<T> & { settle(outcome: { value: T } | { error: AuthError }): void }) | undefined {
    const entry = this.#entries.get(state);
    if (!entry) return undefined;
    this.#entries.delete(state);
    clearTimeout(entry.timer);
    return {
      ...entry,
      settle: (outcome) => {
        if ('error' in outcome) entry.reject(outcome.error);
        else entry.resolve(outcome.value);
      },
    };
  }

  /** States of the waiting sign-ins that satisfy `pred`. */
  statesWhere(pred: (entry: PendingSignIn<T>) => boolean): string[] {
    return [...this.#entries.values()].filter(pred).map((e) => e.state);
  }

  /** Ends one sign-in with an error (timeout, cancel, supersede). */
  fail(state: string, error: AuthError): boolean {
    const taken = this.take(state);
    taken?.settle({ error });
    return taken !== undefined;
  }

  /** Ends every pending sign-in with the same error. */
  failAll(error: AuthError): number {
    let n = 0;
    for (const state of [...this.#entries.keys()]) if (this.fail(state, error)) n += 1;
    return n;
  }
}

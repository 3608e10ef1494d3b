/**
 * Reads a dot path (`data.tokens.0.value`, optional `$.` prefix) from parsed JSON.
 * With `ignoreCase`, a key matches without regard to case when there is no
 * exact match and exactly one own key matches (two, e.g. `Token` and `token`,
 * are ambiguous: nothing is read).
 */
export function readJsonPath(value: unknown, path: string, opts: { ignoreCase?: boolean } = {}): unknown {
  let current: unknown = value;
  for (const key of path.replace(/^\$\./, '').split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    // Own properties only: a path like `__proto__.x` must not walk the prototype chain.
    let own = key;
    if (!Object.prototype.hasOwnProperty.call(current, key)) {
      if (!opts.ignoreCase) return undefined;
      const lower = key.toLowerCase();
      const matches = Object.keys(current).filter((k) => k.toLowerCase() === lower);
      if (matches.length !== 1) return undefined;
      own = matches[0]!;
    }
    current = (current as Record<string, unknown>)[own];
  }
  return current;
}

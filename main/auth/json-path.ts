/** Reads a dot path (`data.tokens.0.value`, optional `$.` prefix) from parsed JSON. */
export function readJsonPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.replace(/^\$\./, '').split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    // Own properties only: a path like `__proto__.x` must not walk the prototype chain.
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

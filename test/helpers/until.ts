/** Waits, polling every 25 ms, until `predicate` holds; throws after `ms` naming `what`. */
export async function until(predicate: () => boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`${what} not met in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * oidc-provider storage for the demo: in memory, one store per provider
 * instance, lost on restart on purpose. Our own instead of oidc-provider's
 * built-in one because that one announces itself with a "you MUST change it"
 * warning on every start, and because here we want explicit limits: no
 * timers (expiry is checked on read and swept on write), and a bounded size.
 */
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms; Infinity when the model has no expiry. */
  expiresAt: number;
}

/** Models whose entries belong to a grant and go when the grant is revoked. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export interface DemoStoreOptions {
  /** Entries kept at most; the oldest go first once expired ones are swept. */
  maxEntries?: number;
  now?: () => number;
  /** Entries to start with (a snapshot saved by a previous run). */
  initial?: readonly DemoSnapshotEntry[];
  /** Called after every change, so the caller can save a snapshot. */
  onChange?: () => void;
}

export interface DemoSnapshotEntry {
  key: string;
  payload: AdapterPayload;
  /** Epoch ms; null for no expiry (JSON has no Infinity). */
  expiresAt: number | null;
}

export interface DemoAdapterFactory extends AdapterFactory {
  /** The live entries, for saving. */
  snapshot(): DemoSnapshotEntry[];
}

/** Keeps only well-formed entries of a snapshot read back from disk. */
export function parseDemoSnapshot(value: unknown): DemoSnapshotEntry[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e: unknown): e is DemoSnapshotEntry => {
    if (typeof e !== 'object' || e === null) return false;
    // Read from disk: nothing about the fields is known until checked.
    const c = e as Partial<Record<keyof DemoSnapshotEntry, unknown>>;
    return (
      typeof c.key === 'string' &&
      /^[A-Za-z]+:/.test(c.key) &&
      typeof c.payload === 'object' &&
      c.payload !== null &&
      (c.expiresAt === null || typeof c.expiresAt === 'number')
    );
  });
}

export function createDemoAdapterFactory(opts: DemoStoreOptions = {}): DemoAdapterFactory {
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  /** Secondary indexes: `uid:<uid>` / `userCode:<code>` → entry key; grantId → entry keys. */
  const lookups = new Map<string, string>();
  const grants = new Map<string, Set<string>>();

  const live = (key: string | undefined): AdapterPayload | undefined => {
    if (key === undefined) return undefined;
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      remove(key);
      return undefined;
    }
    return entry.payload;
  };

  const remove = (key: string): void => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    const { uid, userCode, grantId } = entry.payload;
    if (uid !== undefined && lookups.get(`uid:${uid}`) === key) lookups.delete(`uid:${uid}`);
    if (userCode !== undefined && lookups.get(`userCode:${userCode}`) === key) lookups.delete(`userCode:${userCode}`);
    if (grantId !== undefined) {
      const members = grants.get(grantId);
      members?.delete(key);
      if (members?.size === 0) grants.delete(grantId);
    }
  };

  const makeRoom = (): void => {
    if (entries.size < maxEntries) return;
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) remove(key);
    // Still full: drop the oldest (Map keeps insertion order).
    for (const key of entries.keys()) {
      if (entries.size < maxEntries) break;
      remove(key);
    }
  };

  const changed = () => opts.onChange?.();
  const index = (model: string, key: string, payload: AdapterPayload) => {
    if (model === 'Session' && payload.uid !== undefined) lookups.set(`uid:${payload.uid}`, key);
    if (payload.userCode !== undefined) lookups.set(`userCode:${payload.userCode}`, key);
    if (GRANTABLE.has(model) && payload.grantId !== undefined) {
      const members = grants.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      grants.set(payload.grantId, members);
    }
  };
  for (const { key, payload, expiresAt } of opts.initial ?? []) {
    const at = expiresAt ?? Infinity;
    if (at <= now()) continue;
    entries.set(key, { payload, expiresAt: at });
    index(key.slice(0, key.indexOf(':')), key, payload);
  }

  const factory = (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      // Everything is in memory: each method does its work at once and returns a settled promise.
      upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        remove(key);
        makeRoom();
        const expiresAt = typeof expiresIn === 'number' ? now() + expiresIn * 1000 : Infinity;
        entries.set(key, { payload, expiresAt });
        index(model, key, payload);
        changed();
        return Promise.resolve();
      },
      find(id) {
        return Promise.resolve(live(keyOf(id)));
      },
      findByUid(uid) {
        return Promise.resolve(live(lookups.get(`uid:${uid}`)));
      },
      findByUserCode(userCode) {
        return Promise.resolve(live(lookups.get(`userCode:${userCode}`)));
      },
      consume(id) {
        const payload = live(keyOf(id));
        if (payload) payload.consumed = Math.floor(now() / 1000);
        changed();
        return Promise.resolve();
      },
      destroy(id) {
        remove(keyOf(id));
        changed();
        return Promise.resolve();
      },
      revokeByGrantId(grantId) {
        for (const key of [...(grants.get(grantId) ?? [])]) remove(key);
        grants.delete(grantId);
        changed();
        return Promise.resolve();
      },
    };
  };
  return Object.assign(factory, {
    snapshot: () => {
      const t = now();
      return [...entries]
        .filter(([, e]) => e.expiresAt > t)
        .map(([key, e]) => ({ key, payload: e.payload, expiresAt: Number.isFinite(e.expiresAt) ? e.expiresAt : null }));
    },
  });
}

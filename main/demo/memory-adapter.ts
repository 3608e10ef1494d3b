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
}

export function createDemoAdapterFactory(opts: DemoStoreOptions = {}): AdapterFactory {
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

  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        remove(key);
        makeRoom();
        const expiresAt = typeof expiresIn === 'number' ? now() + expiresIn * 1000 : Infinity;
        entries.set(key, { payload, expiresAt });
        if (model === 'Session' && payload.uid !== undefined) lookups.set(`uid:${payload.uid}`, key);
        if (payload.userCode !== undefined) lookups.set(`userCode:${payload.userCode}`, key);
        if (GRANTABLE.has(model) && payload.grantId !== undefined) {
          const members = grants.get(payload.grantId) ?? new Set<string>();
          members.add(key);
          grants.set(payload.grantId, members);
        }
      },
      async find(id) {
        return live(keyOf(id));
      },
      async findByUid(uid) {
        return live(lookups.get(`uid:${uid}`));
      },
      async findByUserCode(userCode) {
        return live(lookups.get(`userCode:${userCode}`));
      },
      async consume(id) {
        const payload = live(keyOf(id));
        if (payload) payload.consumed = Math.floor(now() / 1000);
      },
      async destroy(id) {
        remove(keyOf(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of [...(grants.get(grantId) ?? [])]) remove(key);
        grants.delete(grantId);
      },
    };
  };
}

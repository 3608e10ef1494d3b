/**
 * What connecting to an API by its URL leaves behind (`api-connections.ts`):
 * the client registration the app got from each authorization server
 * (RFC 7591 — its client id, and the registration access token for managing
 * it, RFC 7592) and the APIs the person connected. Kept encrypted at rest
 * with the vault's cipher, under its own store key (`discovered`), so the
 * vault's format is untouched and a vault written before it loads unchanged:
 *
 * ```json
 * { "version": 1, "ciphertext": "<base64 of cipher.encrypt(JSON of { registrations, apis })>" }
 * ```
 *
 * When the storage is not trustworthy (`status().persistent` false: no OS
 * encryption, or Linux `basic_text`), everything stays in memory for this run
 * only, as the vault does with sessions. Anything read back that does not
 * decrypt or validate is dropped (logged without content): the app then
 * registers again, which is what a server that forgot the client needs too.
 */
import { atFirstUse, z } from './zod';
import { toErrorPayload } from './errors';
import { noopLogger } from './log';
import type { Cipher, KeyValueStore, Logger, StorageStatus } from './types';

export const DISCOVERY_STORE_KEY = 'discovered';

/** One RFC 7591 registration at one authorization server. */
export interface ClientRegistration {
  issuer: string;
  clientId: string;
  redirectUris: string[];
  registeredAt: number;
  /** RFC 7592, when the server offers management; a credential, so only inside the ciphertext. */
  registrationClientUri?: string;
  registrationAccessToken?: string;
}

/** An API the person connected by its URL, with what its metadata said. */
export interface DiscoveredApi {
  /** The resource identifier (RFC 9728 `resource`), also its only base URL. */
  resource: string;
  issuer: string;
  /** Scopes the sign-in asks for: the metadata's, plus openid/offline_access when the server knows them. */
  scopes: string[];
  /** The API's scopes (`scopes_supported`), asked for its own token. */
  apiScopes: string[];
  /** What the account list shows for the server. */
  serverName: string;
  /** Whether its metadata says it takes DPoP (becomes the profile's `apis[].dpop`). */
  dpop: boolean;
  /** `resource_name`, when the metadata has one. */
  name?: string;
  /** The app's Client ID Metadata Document URL, when the server took it as the client id (no registration). */
  clientIdDocument?: string;
}

const MAX = { registrations: 32, apis: 32 };
/** The store's schemas: read at the first connection or connected API, not at start-up (atFirstUse). */
const schemas = atFirstUse(() => {
  const url = z.string().check(z.minLength(1), z.maxLength(2048));
  const scope = z.string().check(z.regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/));
  const registrationSchema = z.strictObject({
    issuer: url,
    clientId: z.string().check(z.minLength(1), z.maxLength(512)),
    redirectUris: z.array(url).check(z.minLength(1), z.maxLength(8)),
    registeredAt: z.number().check(z.int(), z.nonnegative()),
    registrationClientUri: z.optional(url),
    registrationAccessToken: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
  });
  const apiSchema = z.strictObject({
    resource: url,
    issuer: url,
    scopes: z.array(scope).check(z.maxLength(100)),
    apiScopes: z.array(scope).check(z.maxLength(100)),
    serverName: z.string().check(z.minLength(1), z.maxLength(200)),
    dpop: z.boolean(),
    name: z.optional(z.string().check(z.maxLength(200))),
    clientIdDocument: z.optional(url),
  });
  return {
    content: z.strictObject({
      registrations: z.array(registrationSchema).check(z.maxLength(MAX.registrations)),
      apis: z.array(apiSchema).check(z.maxLength(MAX.apis)),
    }),
    file: z.object({
      version: z.literal(1),
      ciphertext: z.string().check(z.minLength(1), z.maxLength(256 * 1024), z.regex(/^[A-Za-z0-9+/]+={0,2}$/)),
    }),
  };
});
type Content = z.infer<ReturnType<typeof schemas>['content']>;

export interface DiscoveryStoreDeps {
  cipher: Cipher;
  store: KeyValueStore;
  /** The vault's verdict on the storage (asked on every write: safeStorage becomes available only after ready). */
  status: () => StorageStatus;
  logger?: Logger;
}

export class DiscoveryStore {
  readonly #deps: DiscoveryStoreDeps;
  readonly #log: Logger;
  #content: Content | undefined;

  /** For a core given no store: this run only. */
  static inMemory(): DiscoveryStore {
    const unused = (): never => {
      throw new Error('an in-memory discovery store has no disk');
    };
    return new DiscoveryStore({
      cipher: { isEncryptionAvailable: () => false, backend: () => 'none', encrypt: unused, decrypt: unused },
      store: { get: unused, set: unused, delete: unused },
      status: () => ({ persistent: false }),
    });
  }

  constructor(deps: DiscoveryStoreDeps) {
    this.#deps = deps;
    this.#log = deps.logger ?? noopLogger;
  }

  registration(issuer: string): ClientRegistration | undefined {
    const found = this.#read().registrations.find((r) => r.issuer === issuer);
    return found ? { ...found, redirectUris: [...found.redirectUris] } : undefined;
  }

  saveRegistration(registration: ClientRegistration): void {
    const content = this.#read();
    content.registrations = [...content.registrations.filter((r) => r.issuer !== registration.issuer), registration].slice(-MAX.registrations);
    this.#write(content);
  }

  forgetRegistration(issuer: string): void {
    const content = this.#read();
    content.registrations = content.registrations.filter((r) => r.issuer !== issuer);
    this.#write(content);
  }

  apis(): DiscoveredApi[] {
    return this.#read().apis.map((a) => ({ ...a, scopes: [...a.scopes], apiScopes: [...a.apiScopes] }));
  }

  saveApi(api: DiscoveredApi): void {
    const content = this.#read();
    content.apis = [...content.apis.filter((a) => a.resource !== api.resource), api].slice(-MAX.apis);
    this.#write(content);
  }

  #read(): Content {
    if (this.#content) return this.#content;
    this.#content = { registrations: [], apis: [] };
    // Entries on disk are left alone while the storage is untrustworthy, as the vault does.
    if (!this.#deps.status().persistent) return this.#content;
    const raw = this.#deps.store.get(DISCOVERY_STORE_KEY);
    if (raw === undefined) return this.#content;
    try {
      const file = schemas().file.parse(raw);
      const plain = this.#deps.cipher.decrypt(Buffer.from(file.ciphertext, 'base64'));
      this.#content = schemas().content.parse(JSON.parse(plain));
    } catch (err) {
      // Unreadable: dropped, so the next connection registers afresh instead of failing on every start.
      this.#log('warn', 'discovery_store.dropped', { errorCode: toErrorPayload(err).code });
      this.#deps.store.delete(DISCOVERY_STORE_KEY);
    }
    return this.#content;
  }

  #write(content: Content): void {
    this.#content = content;
    if (!this.#deps.status().persistent) return;
    const ciphertext = Buffer.from(this.#deps.cipher.encrypt(JSON.stringify(schemas().content.parse(content)))).toString('base64');
    this.#deps.store.set(DISCOVERY_STORE_KEY, { version: 1, ciphertext });
  }
}

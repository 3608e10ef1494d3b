/**
 * Which provider a stored token belongs to, written INSIDE the vault
 * ciphertext next to the token, and compared with the configuration before
 * the token is used. A refresh token is a credential for one client at one
 * authorization server: if the configuration now names another server for
 * the same provider id (a dropped config file), or the ciphertext was moved
 * under another provider's key, the entry is dropped, never sent.
 *
 * The identity is what decides where the token goes: the issuer, the origins
 * of any explicit token and refresh endpoints (their templated paths are the
 * same server), and the client id. The file format stays version 1: the
 * binding is one more field inside the encrypted JSON.
 */
import { fillTemplate, type ProviderConfig } from './config';

/** Inside the ciphertext: the provider id and its identity when the entry was written. */
export interface VaultBinding {
  providerId: string;
  provider: string;
}

function originOf(template: string | undefined, vars: Record<string, string>): string | null {
  if (template === undefined) return null;
  try {
    return new URL(fillTemplate(template, vars)).origin;
  } catch {
    // An unusable URL has no origin to bind to; the configuration's own checks report it.
    return null;
  }
}

/** A canonical string for where this provider's tokens go. */
export function providerIdentity(provider: ProviderConfig): string {
  const vars = provider.templateVars ?? {};
  return JSON.stringify([provider.issuer ?? null, originOf(provider.endpoints?.token, vars), originOf(provider.endpoints?.refresh, vars), provider.clientId]);
}

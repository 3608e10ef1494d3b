/**
 * Which optional protocols a sign-in uses with a provider: DPoP (RFC 9449)
 * and pushed authorization requests (RFC 9126), from the profile's switches
 * (`auto` | `required` | `off`) and what the provider's metadata advertises.
 * A `required` the provider cannot meet is a configuration error that names
 * the provider, raised before the browser opens.
 */
import type * as client from 'openid-client';
import type { FeatureSwitch, ProviderConfig } from './config';
import { chooseDpopAlg, type DpopAlg } from './dpop';
import { AuthError } from './errors';

export interface ProtocolFeatures {
  /** The DPoP signing algorithm, or null when tokens are not sender-constrained. */
  dpop: DpopAlg | null;
  /** Push the authorization parameters first (the browser URL carries only client_id and request_uri). */
  par: boolean;
}

export function protocolFeatures(provider: ProviderConfig, metadata: client.ServerMetadata): ProtocolFeatures {
  return { dpop: dpopFor(provider, metadata), par: parFor(provider, metadata) };
}

function dpopFor(provider: ProviderConfig, metadata: client.ServerMetadata): DpopAlg | null {
  const mode: FeatureSwitch = provider.dpop ?? 'auto';
  if (mode === 'off') return null;
  const advertised = metadata.dpop_signing_alg_values_supported;
  const alg = chooseDpopAlg(advertised);
  if (alg === null && mode === 'required') {
    const why = Array.isArray(advertised)
      ? `it offers only the signing algorithms ${advertised.join(', ')} (this app signs with ES256 or Ed25519)`
      : 'its metadata does not advertise dpop_signing_alg_values_supported';
    throw new AuthError(
      'invalid_config',
      `The provider "${provider.displayName}" (${provider.id}) does not offer DPoP-bound tokens: ${why}. Its profile sets dpop: "required"; set it to "auto" or "off" to sign in without DPoP.`,
    );
  }
  return alg;
}

function parFor(provider: ProviderConfig, metadata: client.ServerMetadata): boolean {
  const mode: FeatureSwitch = provider.par ?? 'auto';
  const offered = typeof metadata.pushed_authorization_request_endpoint === 'string';
  const demanded = metadata.require_pushed_authorization_requests === true;
  if (mode === 'off') {
    if (demanded) {
      throw new AuthError(
        'invalid_config',
        `The provider "${provider.displayName}" (${provider.id}) accepts only pushed authorization requests, but its profile sets par: "off". Set it to "auto".`,
      );
    }
    return false;
  }
  if (!offered && (mode === 'required' || demanded)) {
    throw new AuthError(
      'invalid_config',
      `The provider "${provider.displayName}" (${provider.id}) does not offer pushed authorization requests (no pushed_authorization_request_endpoint in its metadata)${mode === 'required' ? ', but its profile sets par: "required". Set it to "auto" or "off"' : ''}.`,
    );
  }
  return offered;
}

/**
 * Which optional protocols a sign-in uses with a provider: DPoP (RFC 9449)
 * and pushed authorization requests (RFC 9126), from the profile's switches
 * (`auto` | `required` | `off`), what the provider's metadata advertises and,
 * for DPoP, what every API that will receive the grant's tokens can take
 * (`api-dpop-support.ts`). A `required` the provider or an API cannot meet is
 * a configuration error that names them and the fix, raised before the
 * browser opens.
 */
import type * as client from 'openid-client';
import type { ApiDpopStance } from './api-dpop-support';
import type { FeatureSwitch, ProviderConfig } from './config';
import { chooseDpopAlg, type DpopAlg } from './dpop';
import { AuthError } from './errors';

export interface ProtocolFeatures {
  /** The DPoP signing algorithm, or null when tokens are not sender-constrained. */
  dpop: DpopAlg | null;
  /** Push the authorization parameters first (the browser URL carries only client_id and request_uri). */
  par: boolean;
}

/**
 * `apis`: the stance of every API that will receive this grant's tokens
 * (the sign-in token and each API's own, all from one grant and, with DPoP,
 * one key). With `auto`, tokens are bound only when the provider offers DPoP
 * and every one of them takes it.
 */
export function protocolFeatures(provider: ProviderConfig, metadata: client.ServerMetadata, apis: readonly ApiDpopStance[]): ProtocolFeatures {
  return { dpop: dpopFor(provider, metadata, apis), par: parFor(provider, metadata) };
}

function dpopFor(provider: ProviderConfig, metadata: client.ServerMetadata, apis: readonly ApiDpopStance[]): DpopAlg | null {
  const mode: FeatureSwitch = provider.dpop ?? 'auto';
  const advertised = metadata.dpop_signing_alg_values_supported;
  const alg = chooseDpopAlg(advertised);
  const requiring = apis.find((a) => a.stance === 'requires');
  if (requiring && (mode === 'off' || alg === null)) {
    // Bearer tokens would be refused by that API on every call: say so now, not after the sign-in.
    const why =
      mode === 'off' ? 'the profile sets dpop: "off"' : `the provider "${provider.displayName}" (${provider.id}) does not offer DPoP with ES256 or Ed25519`;
    throw new AuthError(
      'invalid_config',
      `The API ${requiring.api} accepts only DPoP-bound tokens (dpop_bound_access_tokens_required in its RFC 9728 metadata), but ${why}. ${mode === 'off' ? 'Set "dpop" to "auto".' : 'Use a provider that offers DPoP for this API.'}`,
    );
  }
  if (mode === 'off') return null;
  if (mode === 'required') {
    const bearerOnly = apis.find((a) => a.stance === 'bearer');
    if (bearerOnly) {
      const said =
        bearerOnly.source === 'profile'
          ? `the profile declares it Bearer-only (${bearerOnly.field}: false)`
          : 'its RFC 9728 metadata names no DPoP signing algorithm';
      throw new AuthError(
        'invalid_config',
        `The provider "${provider.displayName}" (${provider.id}) sets dpop: "required", but the API ${bearerOnly.api} cannot take DPoP-bound tokens: ${said}. Set "dpop" to "auto", or set ${bearerOnly.field} to true if the API does take DPoP.`,
      );
    }
  } else if (apis.some((a) => a.stance === 'bearer' || a.stance === 'unknown')) {
    // auto: one API that knows only Bearer means Bearer for the whole grant.
    return null;
  }
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

// The `WWW-Authenticate` challenge of a refusal (RFC 6750 §3, RFC 9728 §5.1): Bearer with realm, the protected
// resource metadata URL so clients can discover the authorization server, and error/scope when there is one; DPoP
// (RFC 9449 §7.1) with the algorithms its proofs may use, for a refusal of a DPoP-bound token or proof.
import { DPOP_ALGORITHMS } from './dpop.js';
import type { AuthRefusal } from './types.js';

/** Quoted-string content: the description is ours, but stay safe if it ever holds a quote or backslash. */
const quoted = (v: string) => `"${v.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ')}"`;

export function bearerChallenge(realm: string, refusal: AuthRefusal, resourceMetadataUrl?: string): string {
  const parts = [`realm=${quoted(realm)}`];
  if (resourceMetadataUrl) parts.push(`resource_metadata=${quoted(resourceMetadataUrl)}`);
  if (refusal.error) {
    parts.push(`error=${quoted(refusal.error)}`, `error_description=${quoted(refusal.description)}`);
  }
  if (refusal.scope && refusal.scope.length > 0) parts.push(`scope=${quoted(refusal.scope.join(' '))}`);
  if (refusal.scheme === 'DPoP') return `DPoP ${[...parts, `algs=${quoted(DPOP_ALGORITHMS.join(' '))}`].join(', ')}`;
  return `Bearer ${parts.join(', ')}`;
}

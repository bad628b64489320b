// How the gateway proves itself to an identity provider with a private key instead of a secret (private_key_jwt,
// RFC 7523; Entra ID's certificate credentials): the fields `auth.oauthProxy` and `oauth.confirmCaller.oidc` take, the
// JWS algorithms a key may sign with, and the rules between the fields.
import { z } from 'zod';
import type { ClientKeyFields } from '../../server/index.js';

export type { ClientKeyFields };

export const SIGNING_ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;

const nonEmpty = (msg: string) => z.string({ error: msg }).min(1, { error: msg });

export const signingAlg = z.enum(SIGNING_ALGS, { error: `expected a JWS algorithm: ES256 (the default), ${SIGNING_ALGS.slice(1).join(', ')} (PS256 or RS256 for an RSA key, as an Entra ID certificate's)` });

/** The fields, beside `clientSecret`. */
export const clientKeyShape = {
  privateKeyFile: nonEmpty('expected the file of the PEM (PKCS#8) private key the client is registered with (private_key_jwt)').optional(),
  signingAlg: signingAlg.optional(),
  keyId: nonEmpty('expected the key id (kid) the identity provider knows the key by').optional(),
  certificateFile: nonEmpty("expected the file of the key's certificate (PEM): its thumbprint names the key to Entra ID").optional(),
};

/** What is wrong with a section's client proof (a secret and a key at once; key options without a key), if anything. */
export function clientKeyProblem(c: ClientKeyFields): string | undefined {
  if (c.clientSecret !== undefined && c.privateKeyFile !== undefined) return 'give clientSecret or privateKeyFile (how the gateway proves it is the client at the identity provider), not both';
  if (c.privateKeyFile === undefined && (c.signingAlg !== undefined || c.keyId !== undefined || c.certificateFile !== undefined)) return 'signingAlg, keyId and certificateFile go with privateKeyFile';
  return undefined;
}

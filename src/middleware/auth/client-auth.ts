// How this server proves itself as a client at an authorization server or identity provider: its secret, a JWT
// signed with its private key (private_key_jwt, RFC 7523: what Entra ID calls certificate credentials), or nothing
// (a public client, PKCE only). Shared by the OAuth proxy, caller confirmation and token introspection.
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { importPKCS8 } from 'jose';
import * as oidc from 'openid-client';

/** How a section names the client's proof: its secret, or its private key with what goes with it. */
export interface ClientKeyFields {
  clientSecret?: string;
  /** In place of the secret: a PEM (PKCS#8) file of the private key the client is registered with (private_key_jwt), read when the server is first asked. */
  privateKeyFile?: string;
  /** The JWS algorithm; default ES256 (RS256 for an RSA key). */
  signingAlg?: string;
  /** The `kid` the server knows the key by. */
  keyId?: string;
  /** The key's certificate (PEM): its SHA-256 thumbprint goes in the assertion's `x5t#S256`, which Entra ID looks the key up by. */
  certificateFile?: string;
}

/**
 * The client's proof for openid-client: its secret, or a JWT signed with its key for the server (`aud` the token
 * endpoint's URL, which Entra ID, Okta, Keycloak and oidc-provider all take, at their other endpoints too), naming the
 * key by `kid` and by its certificate's thumbprints (`x5t#S256`, and `x5t` for Entra ID's older form).
 */
export async function clientAuth(c: ClientKeyFields): Promise<oidc.ClientAuth> {
  if (c.privateKeyFile === undefined) return c.clientSecret === undefined ? oidc.None() : oidc.ClientSecretPost(c.clientSecret);
  const key = await importPKCS8(await readFile(c.privateKeyFile, 'utf8'), c.signingAlg ?? 'ES256');
  const der = c.certificateFile ? new X509Certificate(await readFile(c.certificateFile)).raw : undefined;
  const thumbprints = der ? { 'x5t#S256': createHash('sha256').update(der).digest('base64url'), x5t: createHash('sha1').update(der).digest('base64url') } : {};
  return (as, client, body, headers) =>
    oidc.PrivateKeyJwt(
      { key, ...(c.keyId && { kid: c.keyId }) },
      {
        [oidc.modifyAssertion]: (header, payload) => {
          Object.assign(header, thumbprints);
          if (as.token_endpoint) payload.aud = as.token_endpoint;
        },
      },
    )(as, client, body, headers);
}

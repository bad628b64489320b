// An OpenID Connect / OAuth identity provider this server is a client of (openid-client's discovery), found once per
// issuer and client and found again after a failure; or a plain OAuth 2.0 provider known by its endpoints (GitHub has
// no discovery). The client proves itself with its secret, with a JWT signed by its private key (private_key_jwt,
// RFC 7523: what Entra ID calls certificate credentials), or not at all (a public client, PKCE only). Plain HTTP only
// for one on this machine (a development one).
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { importPKCS8 } from 'jose';
import * as oidc from 'openid-client';
import { isLoopback } from '../../core/index.js';

/** How a section names the client's proof: its secret, or its private key with what goes with it. */
export interface ClientKeyFields {
  clientSecret?: string;
  /** In place of the secret: a PEM (PKCS#8) file of the private key the client is registered with (private_key_jwt), read when the provider is first asked. */
  privateKeyFile?: string;
  /** The JWS algorithm; default ES256 (RS256 for an RSA key). */
  signingAlg?: string;
  /** The `kid` the provider knows the key by. */
  keyId?: string;
  /** The key's certificate (PEM): its SHA-256 thumbprint goes in the assertion's `x5t#S256`, which Entra ID looks the key up by. */
  certificateFile?: string;
}

export interface ProviderClient extends ClientKeyFields {
  issuer: string;
  clientId: string;
  /** The provider's endpoints, when it has no discovery document. */
  endpoints?: { authorizationUrl: string; tokenUrl: string; userinfoUrl?: string; revocationUrl?: string };
}

export class IdentityProvider {
  #discovered: { key: string; config: Promise<oidc.Configuration> } | undefined;

  configuration(c: ProviderClient): Promise<oidc.Configuration> {
    const { issuer, clientId, endpoints } = c;
    const key = JSON.stringify([issuer, clientId, endpoints, c.clientSecret, c.privateKeyFile, c.signingAlg, c.keyId, c.certificateFile]);
    if (this.#discovered?.key !== key) {
      const config = clientAuth(c).then((auth) => (endpoints ? known(issuer, clientId, auth, endpoints) : discovered(issuer, clientId, auth)));
      this.#discovered = { key, config };
      config.catch(() => {
        if (this.#discovered?.config === config) this.#discovered = undefined;
      });
    }
    return this.#discovered.config;
  }
}

/**
 * How the client proves itself at the provider's token endpoint: its secret, or a JWT signed with its key for that
 * endpoint (`aud` the token endpoint's URL, which Entra ID, Okta and Keycloak all take), naming the key by `kid` and by
 * its certificate's thumbprints (`x5t#S256`, and `x5t` for Entra ID's older form).
 */
async function clientAuth(c: ClientKeyFields): Promise<oidc.ClientAuth> {
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

const insecureAllowed = (url: string) => {
  const u = new URL(url);
  return u.protocol === 'http:' && isLoopback(u.hostname);
};

function discovered(issuer: string, clientId: string, auth: oidc.ClientAuth): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, undefined, auth, insecureAllowed(issuer) ? { execute: [oidc.allowInsecureRequests] } : {});
}

function known(issuer: string, clientId: string, auth: oidc.ClientAuth, e: NonNullable<ProviderClient['endpoints']>): oidc.Configuration {
  const config = new oidc.Configuration(
    {
      issuer,
      authorization_endpoint: e.authorizationUrl,
      token_endpoint: e.tokenUrl,
      ...(e.userinfoUrl && { userinfo_endpoint: e.userinfoUrl }),
      ...(e.revocationUrl && { revocation_endpoint: e.revocationUrl }),
    },
    clientId,
    undefined,
    auth,
  );
  if ([e.authorizationUrl, e.tokenUrl].every(insecureAllowed)) oidc.allowInsecureRequests(config);
  return config;
}

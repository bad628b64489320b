// An OpenID Connect / OAuth identity provider this server is a client of (openid-client's discovery), found once per
// issuer and client and found again after a failure; or a plain OAuth 2.0 provider known by its endpoints (GitHub has
// no discovery). The client proves itself with its secret, with a JWT signed by its private key (private_key_jwt,
// RFC 7523: what Entra ID calls certificate credentials), or not at all (a public client, PKCE only). Plain HTTP only
// for one on this machine (a development one).
import * as oidc from 'openid-client';
import { isLoopback } from '../../core/index.js';
import { type ClientKeyFields, clientAuth } from '../../middleware/index.js';

export type { ClientKeyFields };

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

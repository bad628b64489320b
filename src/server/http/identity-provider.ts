// An OpenID Connect / OAuth identity provider this server is a client of (openid-client's discovery), found once per
// issuer and client and found again after a failure; or a plain OAuth 2.0 provider known by its endpoints (GitHub has
// no discovery). Plain HTTP only for one on this machine (a development one).
import * as oidc from 'openid-client';
import { isLoopback } from '../../core/index.js';

export interface ProviderClient {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** The provider's endpoints, when it has no discovery document. */
  endpoints?: { authorizationUrl: string; tokenUrl: string; userinfoUrl?: string; revocationUrl?: string };
}

export class IdentityProvider {
  #discovered: { key: string; config: Promise<oidc.Configuration> } | undefined;

  configuration({ issuer, clientId, clientSecret, endpoints }: ProviderClient): Promise<oidc.Configuration> {
    const key = JSON.stringify([issuer, clientId, clientSecret, endpoints]);
    if (this.#discovered?.key !== key) {
      const config = endpoints ? Promise.resolve(known(issuer, clientId, clientSecret, endpoints)) : discovered(issuer, clientId, clientSecret);
      this.#discovered = { key, config };
      config.catch(() => {
        if (this.#discovered?.config === config) this.#discovered = undefined;
      });
    }
    return this.#discovered.config;
  }
}

const auth = (clientSecret: string | undefined) => (clientSecret === undefined ? oidc.None() : undefined);
const insecureAllowed = (url: string) => {
  const u = new URL(url);
  return u.protocol === 'http:' && isLoopback(u.hostname);
};

function discovered(issuer: string, clientId: string, clientSecret: string | undefined): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, clientSecret, auth(clientSecret), insecureAllowed(issuer) ? { execute: [oidc.allowInsecureRequests] } : {});
}

function known(issuer: string, clientId: string, clientSecret: string | undefined, e: NonNullable<ProviderClient['endpoints']>): oidc.Configuration {
  const config = new oidc.Configuration(
    {
      issuer,
      authorization_endpoint: e.authorizationUrl,
      token_endpoint: e.tokenUrl,
      ...(e.userinfoUrl && { userinfo_endpoint: e.userinfoUrl }),
      ...(e.revocationUrl && { revocation_endpoint: e.revocationUrl }),
    },
    clientId,
    clientSecret,
    auth(clientSecret),
  );
  if ([e.authorizationUrl, e.tokenUrl].every(insecureAllowed)) oidc.allowInsecureRequests(config);
  return config;
}

// An OpenID Connect / OAuth identity provider this server is a client of (openid-client's discovery), found once per
// issuer and client and found again after a failure. Plain HTTP only for one on this machine (a development one).
import * as oidc from 'openid-client';
import { isLoopback } from '../../core/index.js';

export interface ProviderClient {
  issuer: string;
  clientId: string;
  clientSecret?: string;
}

export class IdentityProvider {
  #discovered: { key: string; config: Promise<oidc.Configuration> } | undefined;

  configuration({ issuer, clientId, clientSecret }: ProviderClient): Promise<oidc.Configuration> {
    const key = JSON.stringify([issuer, clientId, clientSecret]);
    if (this.#discovered?.key !== key) {
      const url = new URL(issuer);
      const config = oidc.discovery(url, clientId, clientSecret, clientSecret === undefined ? oidc.None() : undefined, {
        ...(url.protocol === 'http:' && isLoopback(url.hostname) && { execute: [oidc.allowInsecureRequests] }),
      });
      this.#discovered = { key, config };
      config.catch(() => {
        if (this.#discovered?.config === config) this.#discovered = undefined;
      });
    }
    return this.#discovered.config;
  }
}

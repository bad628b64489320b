// Letting go of a grant (`OAuthGrants.revoke`: the gateway's POST /admin/oauth/forget, `mcplex oauth forget`) revokes
// it at the authorization server that issued it (RFC 7009), against a real one (oidc-provider): its refresh token and
// its access token stop being good there, not only here. Where that cannot be done (no revocation endpoint, the
// client refused, the server unreachable), the reason is told and the grant is forgotten here all the same.
import { describe, expect, it } from 'vitest';
import { type HeldTokens, tokensKey } from '../../src/client/oauth-grant-records.js';
import { GATEWAY_GRANT, OAuthGrants } from '../../src/client/oauth-grants.js';
import { NO_REVOCATION_ENDPOINT } from '../../src/client/token-revocation.js';
import { silentLogger } from '../../src/core/index.js';
import { MemorySecretStore } from '../../src/stores/memory/secret-store.js';
import { authorized, CALLBACK, CLIENT_ID, CLIENT_SECRET, type GuardedServer, guardedServer } from '../helpers/guarded-server.js';

/** A grant for `person` at `upstream`, and a second OAuthGrants on the same store that presents `secret`. */
async function granted(upstream: GuardedServer, person: string, secret = CLIENT_SECRET) {
  const store = new MemorySecretStore();
  const grantsWith = (clientSecret: string) => new OAuthGrants('remote', upstream.url, { redirectUrl: () => CALLBACK, clientId: CLIENT_ID, clientSecret, issuer: upstream.idp.issuer }, store, silentLogger);
  await authorized(grantsWith(CLIENT_SECRET), store, upstream.idp, person);
  const tokens = JSON.parse((await store.get(tokensKey('remote', GATEWAY_GRANT)))!) as Required<HeldTokens>;
  return { grants: grantsWith(secret), tokens };
}

describe('OAuthGrants.revoke: a grant let go of is revoked where it was issued (RFC 7009)', () => {
  it('revokes the refresh token and the access token at the authorization server, then forgets the grant', async () => {
    const upstream = await guardedServer({ accessTokenTtl: 300 });
    try {
      const { grants, tokens } = await granted(upstream, 'alice');
      expect(await upstream.idp.subjectOf(tokens.access_token)).toBe('alice');
      expect(await upstream.idp.refreshable(tokens.refresh_token)).toBe(true);
      expect(await grants.revoke(GATEWAY_GRANT)).toEqual({ revoked: true, at: `${upstream.idp.issuer}/token/revocation` });
      expect(await upstream.idp.subjectOf(tokens.access_token)).toBeUndefined();
      expect(await upstream.idp.refreshable(tokens.refresh_token)).toBe(false);
      expect(await grants.has(GATEWAY_GRANT)).toBe(false);
      // Nothing held: nothing to revoke.
      expect(await grants.revoke(GATEWAY_GRANT)).toBeUndefined();
    } finally {
      await upstream.close();
    }
  }, 60_000);

  it('tells why it could not revoke (the client refused, the server unreachable) and forgets the grant here all the same', async () => {
    const upstream = await guardedServer({ accessTokenTtl: 300 });
    let down: Awaited<ReturnType<typeof granted>>;
    try {
      const refused = await granted(upstream, 'bob', 'not-the-secret');
      const told = await refused.grants.revoke(GATEWAY_GRANT);
      expect(told).toEqual({ revoked: false, reason: expect.stringMatching(/^the revocation at http:\/\/127\.0\.0\.1:\d+\/token\/revocation answered invalid_client/) });
      expect(await refused.grants.has(GATEWAY_GRANT)).toBe(false);
      // Still good at the server: it was not revoked (what the reason tells the operator).
      expect(await upstream.idp.subjectOf(refused.tokens.access_token)).toBe('bob');
      down = await granted(upstream, 'carol');
    } finally {
      await upstream.close();
    }
    expect(await down.grants.revoke(GATEWAY_GRANT)).toEqual({ revoked: false, reason: expect.stringMatching(/^the revocation at http:\/\/127\.0\.0\.1:\d+\/token\/revocation failed: /) });
    expect(await down.grants.has(GATEWAY_GRANT)).toBe(false);
  }, 60_000);

  it('an authorization server without a revocation endpoint: the grant is forgotten here, and that is said', async () => {
    const upstream = await guardedServer({ accessTokenTtl: 300, revocation: false });
    try {
      const { grants, tokens } = await granted(upstream, 'dana');
      expect(await grants.revoke(GATEWAY_GRANT)).toEqual({ revoked: false, reason: `${NO_REVOCATION_ENDPOINT} (RFC 7009)` });
      expect(await grants.has(GATEWAY_GRANT)).toBe(false);
      expect(await upstream.idp.subjectOf(tokens.access_token)).toBe('dana');
    } finally {
      await upstream.close();
    }
  }, 60_000);
});

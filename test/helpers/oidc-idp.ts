// A real OpenID Connect provider on 127.0.0.1 (panva's oidc-provider, with its development sign-in pages: any login
// name signs in as that subject), for tests that send a person through a sign-in. Its listener is up first (the
// issuer URL goes into a config); `register` then makes the provider with the one client and its redirect URI.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { DpopSession } from '@modelcontextprotocol/client';
import type { Browser, Page } from './browser.js';

/** What an authorization server for an MCP server (`register`'s `grants`) does besides signing in. */
export interface GrantOptions {
  /** The MCP server (RFC 8707 resource) its access tokens are for. */
  resource: string;
  /** Access tokens' lifetime in seconds. */
  accessTokenTtl: number;
  /** The scopes the MCP server's access tokens may carry; default [mcp]. */
  scopes?: string[];
  /** DPoP (RFC 9449): a token request with a proof gets tokens bound to its key. */
  dpop?: boolean;
  /** Access tokens as JWTs (signed with the provider's keys, at `<issuer>/jwks`) instead of opaque ones. */
  jwtAccessTokens?: boolean;
  /** The client may also get tokens for itself (client credentials grant), as a machine does. */
  clientCredentials?: boolean;
  /** An introspection endpoint (RFC 7662), which the client may ask about any token. */
  introspection?: boolean;
  /** A revocation endpoint (RFC 7009) for the client's tokens; default true. */
  revocation?: boolean;
  /**
   * Access tokens for the provider's own userinfo endpoint (no resource: as Google's and GitHub's are), which answers
   * `sub`, `email` (`<login>@example.com`), `hd` (`example.com`) and `name` for the scopes `email` and `profile`.
   */
  userinfo?: boolean;
  /** Refresh tokens with each grant; default true (false: as a GitHub OAuth app, whose tokens do not expire). */
  refreshTokens?: boolean;
  /** The client proves itself with a JWT signed by a key of this JWKS (private_key_jwt), not with its secret. */
  clientJwks?: object[];
  /**
   * Client ID Metadata Documents: a client id that is an https URL names the client its document there describes
   * (fetched with this, in place of the provider's own fetch).
   */
  clientIdMetadata?: { fetch: (url: string) => Promise<Response> };
}

export interface Idp {
  issuer: string;
  /**
   * Makes the provider, with client `clientId` (secret `clientSecret`) allowed to return to `redirectUri`. With
   * `grants`, it also issues access tokens for an MCP server and a refresh token with each grant, rotated on every use;
   * a spent one presented again revokes the whole grant (oidc-provider's reuse detection, as Auth0's and Okta's).
   */
  register(clientId: string, clientSecret: string, redirectUri: string, grants?: GrantOptions): void;
  /** The subject an access token stands for, while it is valid (not expired, not revoked). */
  subjectOf(accessToken: string): Promise<string | undefined>;
  /** The thumbprint of the DPoP key an access token is bound to (RFC 9449 `cnf.jkt`), if it is. */
  bindingOf(accessToken: string): Promise<string | undefined>;
  /** True while a refresh token would be taken (not spent, revoked or expired). */
  refreshable(refreshToken: string): Promise<boolean>;
  /** Revokes every access token issued for `person` (as a person revoking an app at GitHub). */
  revokeAll(person: string): Promise<void>;
  /** Revokes one access token, a person's or a machine's (a person's grant stays: a refresh gets another). */
  revoke(accessToken: string): Promise<void>;
  /** Refresh requests the token endpoint answered, and those it refused. */
  readonly refreshes: { granted: number; refused: number };
  /** The client assertions (private_key_jwt) of the token requests it granted. */
  readonly assertions: string[];
  /** The person in `browser`, at the sign-in page `page`, signs in as `login` and consents; stops at `stopAt`. */
  signIn(browser: Browser, page: Page, login: string, stopAt?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startIdp(): Promise<Idp> {
  let handler = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503).end();
  };
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let provider: Provider | undefined;
  const refreshes = { granted: 0, refused: 0 };
  const assertions: string[] = [];
  /** Access tokens issued to people, to revoke them all. */
  const issued: Array<{ accountId: string; destroy(): Promise<void> }> = [];
  return {
    issuer,
    refreshes,
    assertions,
    register(clientId, clientSecret, redirectUri, grants) {
      provider = new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            ...(grants?.clientJwks ? { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: grants.clientJwks } } : { client_secret: clientSecret }),
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code', ...(grants && grants.refreshTokens !== false ? ['refresh_token'] : []), ...(grants?.clientCredentials ? ['client_credentials'] : [])],
            response_types: ['code'],
            ...(grants?.clientCredentials && { scope: 'mcp' }),
          },
        ],
        pkce: { required: () => true },
        ...(grants && {
          scopes: ['openid', ...(grants.scopes ?? ['mcp'])],
          issueRefreshToken: async () => grants.refreshTokens !== false,
          ...(grants.userinfo && {
            claims: { openid: ['sub'], email: ['email', 'hd'], profile: ['name'] },
            findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, email: `${id}@example.com`, hd: 'example.com', name: `Person ${id}` }) }),
          }),
          rotateRefreshToken: true,
          ttl: { AccessToken: grants.accessTokenTtl },
          ...(grants.clientIdMetadata && { fetch: (url: string | URL) => grants.clientIdMetadata!.fetch(String(url)) }),
          features: {
            dPoP: { enabled: grants.dpop === true },
            clientIdMetadataDocument: { enabled: grants.clientIdMetadata !== undefined, ack: 'draft-02' },
            clientCredentials: { enabled: grants.clientCredentials === true },
            introspection: { enabled: grants.introspection === true },
            revocation: { enabled: grants.revocation !== false },
            resourceIndicators: {
              enabled: grants.userinfo !== true,
              defaultResource: async () => grants.resource,
              useGrantedResource: async () => true,
              getResourceServerInfo: async (_ctx: unknown, resource: string) => {
                if (resource !== grants.resource) throw new Error(`unknown resource ${resource}`);
                return { scope: (grants.scopes ?? ['mcp']).join(' '), accessTokenFormat: grants.jwtAccessTokens ? 'jwt' : 'opaque', accessTokenTTL: grants.accessTokenTtl, ...(grants.jwtAccessTokens && { audience: resource }) };
              },
            },
          },
        }),
      });
      // Opaque tokens are saved, JWTs issued.
      for (const event of ['access_token.saved', 'access_token.issued']) {
        provider.on(event, (token: { accountId?: string; destroy(): Promise<void> }) => {
          if (token.accountId !== undefined) issued.push(token as { accountId: string; destroy(): Promise<void> });
        });
      }
      provider.on('grant.success', (ctx: { oidc: { params: { grant_type?: string; client_assertion?: string } } }) => {
        if (ctx.oidc.params.grant_type === 'refresh_token') refreshes.granted++;
        if (ctx.oidc.params.client_assertion) assertions.push(ctx.oidc.params.client_assertion);
      });
      provider.on('grant.error', (ctx: { oidc: { params: { grant_type?: string } } }) => {
        if (ctx.oidc.params.grant_type === 'refresh_token') refreshes.refused++;
      });
      handler = provider.callback() as typeof handler;
    },
    async subjectOf(accessToken) {
      const token = await provider?.AccessToken.find(accessToken);
      return token?.accountId;
    },
    async refreshable(refreshToken) {
      const token = await provider?.RefreshToken.find(refreshToken);
      return token !== undefined && !token.isExpired && !token.consumed;
    },
    async bindingOf(accessToken) {
      return (await provider?.AccessToken.find(accessToken))?.jkt;
    },
    async revokeAll(person) {
      await Promise.all(issued.filter((t) => t.accountId === person).map((t) => t.destroy()));
    },
    async revoke(accessToken) {
      // A person's access token, or a machine's (client credentials).
      const machines = (provider as unknown as { ClientCredentials: NonNullable<typeof provider>['AccessToken'] } | undefined)?.ClientCredentials;
      await ((await provider?.AccessToken.find(accessToken)) ?? (await machines?.find(accessToken)))?.destroy();
    },
    async signIn(browser, page, login, stopAt) {
      let at = await browser.submit(page, { login, password: 'any' }, stopAt);
      // The consent page (one per client and person), then back to the client.
      for (let i = 0; i < 3 && at.status === 200 && at.text.includes('<form'); i++) at = await browser.submit(at, {}, stopAt);
      return at;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A client-credentials token from `idp` for `clientId` (registered with `dpop` and `clientCredentials`), bound to
 * `session`'s key (the token request carries a proof made with it), for `resource`.
 */
export async function dpopBoundToken(idp: Idp, clientId: string, secret: string, session: DpopSession, resource: string): Promise<string> {
  const tokenUrl = `${idp.issuer}/token`;
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, dpop: await session.buildProof({ htm: 'POST', htu: tokenUrl }) },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'mcp' }),
  });
  const body = (await res.json()) as { access_token: string; token_type: string };
  if (body.token_type !== 'DPoP') throw new Error(`expected a DPoP-bound token, got ${JSON.stringify(body)}`);
  return body.access_token;
}

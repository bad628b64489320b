// A remote MCP server with its own OAuth login, as hosted ones (GitHub's, Linear's, Notion's) have, on 127.0.0.1:
// to try the gateway's `auth: { oauth: {} }` and `mcplex … --oauth` without one. One origin is both the authorization
// server (the official SDK's `mcpAuthRouter`: metadata, dynamic registration, authorize with PKCE, token, refresh,
// revoke) and the protected MCP endpoint (`requireBearerAuth`, RFC 9728 metadata), whose `whoami` tool answers the
// user who approved the token. Opening the authorization link approves at once as the `user` cookie's name, or
// `demo` (`user=deny` refuses), granting the scopes asked for (`mcp` when none). The `audit_trail` tool needs the
// `mcp:admin` scope too: called with a token without it, the server answers 403 `insufficient_scope` naming it, and
// a client steps up (authorizes again asking for more).
//   npx tsx examples/oauth-server.ts                       # MCP endpoint: http://127.0.0.1:7401/mcp (PORT=0: a free port)
//   npx mcplex tools --url http://127.0.0.1:7401/mcp --oauth   # prints a URL: open it, then whoami is listed
//   npx mcplex call whoami --url http://127.0.0.1:7401/mcp --oauth   # demo (the grant was kept)
//   npx mcplex call audit_trail --url http://127.0.0.1:7401/mcp --oauth   # a URL again: the grant widened to mcp:admin
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { Response } from 'express';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { OAuthClientInformationFull, OAuthTokenRevocationRequest, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';

interface Grant {
  user: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

const SCOPES = ['mcp', 'mcp:admin'];
/** The scope the `audit_trail` tool needs, besides `mcp`. */
const ADMIN_SCOPE = 'mcp:admin';

class Clients implements OAuthRegisteredClientsStore {
  readonly clients = new Map<string, OAuthClientInformationFull>();
  async getClient(id: string) {
    return this.clients.get(id);
  }
  async registerClient(client: OAuthClientInformationFull) {
    this.clients.set(client.client_id, client);
    return client;
  }
}

class Provider implements OAuthServerProvider {
  readonly clientsStore = new Clients();
  readonly codes = new Map<string, { client: OAuthClientInformationFull; params: AuthorizationParams; user: string; scopes: string[]; asked: boolean }>();
  readonly access = new Map<string, Grant>();
  readonly refresh = new Map<string, Grant>();
  readonly counts = { registered: 0, authorized: 0, exchanged: 0, refreshed: 0, revoked: 0 };
  /** The RFC 8707 resource each authorization, code exchange and refresh named (undefined: none). */
  readonly resources: Array<string | undefined> = [];
  /** Token responses leave `scope` out when it is what was asked for (RFC 6749 §5.1 allows it; many servers do). */
  omitScope = false;

  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    const user = /(?:^|;\s*)user=([^;]+)/.exec(res.req.headers.cookie ?? '')?.[1] ?? 'demo';
    const back = new URL(params.redirectUri);
    if (params.state !== undefined) back.searchParams.set('state', params.state);
    if (user === 'deny') {
      back.searchParams.set('error', 'access_denied');
      res.redirect(back.href);
      return;
    }
    this.resources.push(params.resource?.href);
    const code = randomUUID();
    const asked = (params.scopes ?? []).filter((s) => SCOPES.includes(s));
    this.codes.set(code, { client, params, user, scopes: asked.length > 0 ? asked : ['mcp'], asked: asked.length > 0 });
    this.counts.authorized++;
    back.searchParams.set('code', code);
    res.redirect(back.href);
  }

  async challengeForAuthorizationCode(_client: OAuthClientInformationFull, code: string): Promise<string> {
    const found = this.codes.get(code);
    if (!found) throw new Error('unknown code');
    return found.params.codeChallenge;
  }

  async exchangeAuthorizationCode(client: OAuthClientInformationFull, code: string, _verifier?: string, _redirectUri?: string, resource?: URL): Promise<OAuthTokens> {
    this.resources.push(resource?.href);
    const found = this.codes.get(code);
    if (!found || found.client.client_id !== client.client_id) throw new Error('unknown code');
    this.codes.delete(code);
    this.counts.exchanged++;
    return this.#issue(found.user, client.client_id, found.scopes, found.asked);
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string, _scopes?: string[], resource?: URL): Promise<OAuthTokens> {
    this.resources.push(resource?.href);
    const grant = this.refresh.get(refreshToken);
    if (!grant || grant.clientId !== client.client_id) {
      const { InvalidGrantError } = await import('@modelcontextprotocol/sdk/server/auth/errors.js');
      throw new InvalidGrantError('refresh token not known');
    }
    this.refresh.delete(refreshToken);
    this.counts.refreshed++;
    // A refresh keeps the grant's scopes: it cannot widen them (RFC 6749 §6).
    return this.#issue(grant.user, client.client_id, grant.scopes, true);
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const grant = this.access.get(token);
    if (!grant || grant.expiresAt < Date.now()) throw new (await import('@modelcontextprotocol/sdk/server/auth/errors.js')).InvalidTokenError('token not known');
    return { token, clientId: grant.clientId, scopes: grant.scopes, expiresAt: Math.floor(grant.expiresAt / 1000), extra: { user: grant.user } };
  }

  /**
   * RFC 7009: a client's refresh token ends its grant (the access tokens issued with it too), an access token itself;
   * a token unknown, or another client's, changes nothing (and is answered 200 all the same).
   */
  async revokeToken(client: OAuthClientInformationFull, request: OAuthTokenRevocationRequest): Promise<void> {
    const grant = this.refresh.get(request.token) ?? this.access.get(request.token);
    if (!grant || grant.clientId !== client.client_id) return;
    for (const map of [this.refresh, this.access]) for (const [token, held] of map) if (held === grant) map.delete(token);
    this.counts.revoked++;
  }

  /** `asked`: the scopes are those the client asked for (a refresh: those of the grant). */
  #issue(user: string, clientId: string, scopes: string[], asked: boolean): OAuthTokens {
    const access = `at-${randomUUID()}`;
    const refresh = `rt-${randomUUID()}`;
    const grant = { user, clientId, scopes, expiresAt: Date.now() + 3_600_000 };
    this.access.set(access, grant);
    this.refresh.set(refresh, grant);
    return { access_token: access, token_type: 'bearer', expires_in: 3600, refresh_token: refresh, ...(!(this.omitScope && asked) && { scope: scopes.join(' ') }) };
  }
}

export interface OAuthServer {
  /** The MCP endpoint. */
  url: string;
  provider: Provider;
  /** Revokes every access token `user` holds (the next request with one gets 401). */
  revokeAccess(user: string): void;
  /** Revokes everything `user` holds, refresh tokens too (the next use needs a new authorization). */
  revokeAll(user: string): void;
  /** Narrows the scopes `user`'s access tokens carry; their refresh tokens keep the grant's (a refresh restores them). */
  narrowAccess(user: string, scopes: string[]): void;
  close(): Promise<void>;
}

export async function startOAuthServer(port = 0): Promise<OAuthServer> {
  const provider = new Provider();
  const app = express();
  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mcpUrl = new URL('/mcp', origin);
  const off = { rateLimit: false as const };
  app.use(
    mcpAuthRouter({
      provider,
      issuerUrl: new URL(origin),
      resourceServerUrl: mcpUrl,
      // What clients ask for unless told more: `mcp`. `mcp:admin` is granted to whoever asks for it (a step-up).
      scopesSupported: ['mcp'],
      authorizationOptions: off,
      clientRegistrationOptions: off,
      tokenOptions: off,
      revocationOptions: off,
    }),
  );
  const original = provider.clientsStore.registerClient.bind(provider.clientsStore);
  provider.clientsStore.registerClient = async (client) => {
    provider.counts.registered++;
    return original(client);
  };
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl);
  const userOf = (auth?: AuthInfo) => String((auth?.extra as { user?: string } | undefined)?.user);
  app.post('/mcp', express.json(), requireBearerAuth({ verifier: provider, resourceMetadataUrl }), async (req, res) => {
    // A call of audit_trail with a token lacking its scope is refused before the MCP server sees it, as the
    // authorization spec has a resource server do (the challenge names every scope the call needs).
    const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
    const admin = messages.some((m) => (m as { method?: string; params?: { name?: string } })?.method === 'tools/call' && (m as { params?: { name?: string } }).params?.name === 'audit_trail');
    if (admin && !req.auth?.scopes.includes(ADMIN_SCOPE)) {
      const challenge = `Bearer error="insufficient_scope", scope="mcp ${ADMIN_SCOPE}", resource_metadata="${resourceMetadataUrl}", error_description="audit_trail needs the ${ADMIN_SCOPE} scope"`;
      res.status(403).set('WWW-Authenticate', challenge).json({ error: 'insufficient_scope', error_description: `audit_trail needs the ${ADMIN_SCOPE} scope` });
      return;
    }
    const mcp = new McpServer({ name: 'oauth-upstream', version: '1.0.0' });
    mcp.registerTool('whoami', { description: 'The user who authorized this token' }, async (extra) => ({
      content: [{ type: 'text', text: userOf(extra.authInfo) }],
    }));
    mcp.registerTool('audit_trail', { description: `Who holds which scopes (needs the ${ADMIN_SCOPE} scope)` }, async (extra) => ({
      content: [{ type: 'text', text: `${userOf(extra.authInfo)} holds ${extra.authInfo?.scopes.join(' ')}` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void transport.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  // Stateless: no stream to open, no session to end.
  for (const method of ['get', 'delete'] as const) app[method]('/mcp', (_req, res) => void res.status(405).set('allow', 'POST').end());
  const revoke = (user: string, maps: Map<string, Grant>[]) => {
    for (const map of maps) for (const [token, grant] of map) if (grant.user === user) map.delete(token);
  };
  return {
    url: mcpUrl.href,
    provider,
    revokeAccess: (user) => revoke(user, [provider.access]),
    revokeAll: (user) => revoke(user, [provider.access, provider.refresh]),
    narrowAccess: (user, scopes) => {
      for (const [token, grant] of provider.access) if (grant.user === user) provider.access.set(token, { ...grant, scopes });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = await startOAuthServer(Number(process.env.PORT ?? 7401));
  process.stdout.write(`MCP server with its own OAuth login listening on ${started.url}\n`);
  process.on('SIGTERM', () => void started.close().then(() => process.exit(0)));
  process.on('SIGINT', () => void started.close().then(() => process.exit(0)));
}

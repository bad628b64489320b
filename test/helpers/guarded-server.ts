// An MCP server guarded by a real authorization server (oidc-provider, test/helpers/oidc-idp.ts): its protected
// resource metadata names the authorization server, and a request is served while its token is valid there, else
// refused with 401. It serves MCP (the official SDK's server, stateless: a `whoami` tool answering the token's
// subject); a request that is not MCP gets `{ subject }`. With `dpop`, a DPoP-bound token is served only as
// `Authorization: DPoP` with a proof (RFC 9449 §7: signed by the key the token is bound to, for this method and URL,
// carrying the token's hash, never seen before); `proofs` counts those checked.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import type { SecretStore } from '../../src/core/secret-store.js';
import { pendingAuthorization } from '../../src/client/oauth-grant-records.js';
import type { OAuthGrants } from '../../src/client/oauth-grants.js';
import { Browser } from './browser.js';
import { type GrantOptions, type Idp, startIdp } from './oidc-idp.js';

export const CALLBACK = 'http://127.0.0.1:9/cb';
export const CLIENT_ID = 'mcplex-gateway';
export const CLIENT_SECRET = 'a-client-secret-0123456789';

export interface GuardedServer {
  idp: Idp;
  url: string;
  /** DPoP proofs the server accepted, and the requests it refused for a missing or wrong one. */
  proofs: { accepted: number; refused: number };
  /** Registers the client, allowed to return to `redirectUri` (done with CALLBACK unless `register: false`). */
  register(redirectUri: string): void;
  close(): Promise<void>;
}

export async function guardedServer(opts: { accessTokenTtl: number; dpop?: boolean; register?: false } & Pick<GrantOptions, 'clientIdMetadata' | 'revocation'>): Promise<GuardedServer> {
  const idp = await startIdp();
  let url = '';
  const proofs = { accepted: 0, refused: 0 };
  const seen = new Set<string>();
  const refuse = (res: import('node:http').ServerResponse, scheme = 'Bearer') => res.writeHead(401, { 'www-authenticate': `${scheme} error="invalid_token"` }).end();
  const mcp: Server = createServer(async (req, res) => {
    if (req.url?.startsWith('/.well-known/oauth-protected-resource')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resource: url, authorization_servers: [idp.issuer], scopes_supported: ['mcp'] }));
      return;
    }
    const [, scheme, token] = /^(Bearer|DPoP) (.+)$/i.exec(req.headers.authorization ?? '') ?? [];
    const subject = token === undefined ? undefined : await idp.subjectOf(token);
    if (subject === undefined) return refuse(res);
    const bound = await idp.bindingOf(token!);
    if (bound !== undefined) {
      const proof = req.headers.dpop;
      const valid =
        scheme!.toLowerCase() === 'dpop' &&
        typeof proof === 'string' &&
        (await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', maxTokenAge: '60s' })
          .then(async ({ payload, protectedHeader }) =>
            payload.htm === req.method &&
            payload.htu === url &&
            payload.ath === createHash('sha256').update(token!).digest('base64url') &&
            typeof payload.jti === 'string' && !seen.has(payload.jti) && seen.add(payload.jti) !== undefined &&
            (await calculateJwkThumbprint(protectedHeader.jwk!)) === bound)
          .catch(() => false));
      if (!valid) {
        proofs.refused++;
        return refuse(res, 'DPoP');
      }
      proofs.accepted++;
    }
    if (req.method !== 'POST') {
      // Stateless: no stream to open, no session to end.
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (!req.headers.accept?.includes('text/event-stream')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ subject }));
      return;
    }
    const mcpServer = new McpServer({ name: 'guarded', version: '1.0.0' });
    mcpServer.registerTool('whoami', { description: 'The subject this token stands for' }, async () => ({ content: [{ type: 'text', text: subject }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void transport.close());
    await mcpServer.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => mcp.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}/mcp`;
  const register = (redirectUri: string) => idp.register(CLIENT_ID, CLIENT_SECRET, redirectUri, { resource: url, accessTokenTtl: opts.accessTokenTtl, ...(opts.dpop && { dpop: true }), ...(opts.clientIdMetadata && { clientIdMetadata: opts.clientIdMetadata }), ...(opts.revocation === false && { revocation: false }) });
  if (opts.register !== false) register(CALLBACK);
  return { idp, url, proofs, register, close: async () => void (await Promise.all([idp.close(), new Promise((resolve) => mcp.close(resolve))])) };
}

/** `grants` authorized for `key` by `person`, in a browser at the authorization server. */
export async function authorized(grants: OAuthGrants, store: SecretStore, idp: Idp, person: string, key = 'gateway'): Promise<void> {
  const browser = new Browser();
  const back = new URL((await idp.signIn(browser, await browser.open((await grants.authorize(key))!), person, CALLBACK)).url);
  const state = back.searchParams.get('state')!;
  await grants.complete((await pendingAuthorization(store, state))!, state, back.searchParams.get('code')!, back.searchParams.get('iss') ?? undefined);
}

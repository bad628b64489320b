// Shared pieces for the upstream credentials/isolation tests: a stand-in for authentication (principal from a test
// header or bearer token), SDK clients that send as someone, and a real OAuth token endpoint on 127.0.0.1.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, type ClientCapabilities, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { attachCredential, type Middleware, type Principal } from '../../../src/core/index.js';

/**
 * Until authentication lands, the principal comes from `x-test-principal` (or `Authorization: Bearer <id>-…`, whose
 * token is attached as the verified credential); the real auth middleware feeds the same `ctx.principal`.
 */
export const testPrincipal: Middleware = async (ctx, next) => {
  const headers = ctx.http?.headers;
  const bearer = headers?.get('authorization')?.match(/^Bearer (.+)$/)?.[1];
  const id = headers?.get('x-test-principal') ?? bearer?.split('-')[0];
  if (id) {
    const principal: Principal = { id, kind: bearer ? 'jwt' : 'apiKey', tenant: 't1', scopes: ['read'], claims: {} };
    if (bearer) attachCredential(principal, bearer);
    ctx.principal = principal;
  }
  return next();
};

/** An SDK client of `era` that sends `headers` on every request. */
export async function clientAs(
  url: string,
  era: 'legacy' | 'modern',
  headers: Record<string, string>,
  how: { capabilities?: ClientCapabilities; setup?: (c: Client) => void } = {},
): Promise<Client> {
  const client = new Client(
    { name: 'isolation-test', version: '1.0.0' },
    { ...(how.capabilities && { capabilities: how.capabilities }), ...(era === 'modern' && { versionNegotiation: { mode: { pin: '2026-07-28' } } }) },
  );
  how.setup?.(client);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

export async function text(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const res = await client.callTool({ name, arguments: args });
  const first = (res.content as Array<{ type: string; text?: string }>)[0];
  if (res.isError) throw new Error(`tool error: ${first?.text}`);
  return first?.text ?? '';
}

/** The JSON-RPC error a call ends with (fails the test if it succeeds). */
export async function callFails(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ code: number; message: string }> {
  const outcome = await client.callTool({ name, arguments: args }).then(
    (r) => ({ ok: r }),
    (e: { code?: number; message?: string }) => ({ err: e }),
  );
  if ('ok' in outcome) throw new Error(`expected ${name} to fail, got ${JSON.stringify(outcome.ok)}`);
  return { code: Number(outcome.err.code), message: String(outcome.err.message) };
}

export interface TokenRequest {
  grantType: string;
  clientAuth: string;
  form: URLSearchParams;
}

/**
 * A token endpoint: client credentials issue `cc-<n>`, token exchange issues `x-<subject>-<n>`, each valid
 * `expiresIn` seconds; the client must authenticate with `client`/`secret` (Basic). Every request is recorded.
 */
export async function tokenEndpoint(opts: { expiresIn?: number } = {}) {
  const requests: TokenRequest[] = [];
  let issued = 0;
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const clientAuth = req.headers.authorization ?? '';
    requests.push({ grantType: form.get('grant_type') ?? '', clientAuth, form });
    const reply = (status: number, json: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (clientAuth !== `Basic ${Buffer.from('client:secret').toString('base64')}`) return reply(401, { error: 'invalid_client' });
    const expires_in = opts.expiresIn ?? 3600;
    if (form.get('grant_type') === 'client_credentials') return reply(200, { access_token: `cc-${++issued}`, token_type: 'Bearer', expires_in });
    if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:token-exchange') {
      const subject = form.get('subject_token') ?? '';
      if (subject.includes('revoked')) return reply(400, { error: 'invalid_grant', error_description: 'subject token revoked' });
      return reply(200, { access_token: `x-${subject}-${++issued}`, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in });
    }
    return reply(400, { error: 'unsupported_grant_type' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Every HTTP request an upstream received (headers lower-cased), recorded by a proxy in front of it; requests whose
 * Authorization is in `revoked` are answered 401, as an upstream does for a token it no longer accepts.
 */
export async function recordingProxy(target: string) {
  const { request } = await import('node:http');
  const seen: Array<Record<string, string | string[] | undefined>> = [];
  const revoked = new Set<string>();
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    seen.push({ ...req.headers, ':method': req.method });
    if (revoked.has(req.headers.authorization ?? '')) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    const out = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    seen,
    revoked,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// A framework server for the authentication tests: `echo`, and `whoami` answering the principal the pipeline
// saw (id, kind, tenant, scopes); SDK clients in either era with credential headers.
import { type Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { type CreateServerOptions, createServer, type HttpHandle, type HttpServeOptions, type McplexServer, type Middleware, silentLogger } from '../../src/index.js';
import { type EraName, newClient } from '../helpers/clients.js';

export function authServer(...middleware: Middleware[]): McplexServer {
  return authServerWith({}, ...middleware);
}

export function authServerWith(opts: Partial<CreateServerOptions>, ...middleware: Middleware[]): McplexServer {
  const server = createServer({ name: 'auth-demo', version: '1.0.0', logger: silentLogger, ...opts });
  server.use(...middleware);
  server.tool('echo', { description: 'Echoes text back', input: z.object({ text: z.string() }) }, ({ text }) => `echo: ${text}`);
  server.tool('whoami', { description: 'The caller as the server sees it', input: z.object({}).passthrough() }, (_args, ctx) =>
    JSON.stringify({ id: ctx.principal.id, kind: ctx.principal.kind, tenant: ctx.principal.tenant, scopes: ctx.principal.scopes }),
  );
  return server;
}

export async function serveAuth(opts: HttpServeOptions, ...middleware: Middleware[]): Promise<HttpHandle> {
  return authServer(...middleware).serveHttp({ port: 0, ...opts });
}

/** The official SDK client, sending `headers` with every request. */
export async function connectWith(url: string, era: EraName, headers: Record<string, string>): Promise<Client> {
  const client = newClient(era);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

export interface Who {
  id: string;
  kind: string;
  tenant?: string;
  scopes: string[];
}

export async function whoami(client: Client, args: Record<string, unknown> = {}, meta?: Record<string, unknown>): Promise<Who> {
  const res = await client.callTool({ name: 'whoami', arguments: args, ...(meta && { _meta: meta }) });
  const first = (res.content as Array<{ type: string; text: string }>)[0];
  return JSON.parse(first!.text) as Who;
}

export const toolCall = (id: number, name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

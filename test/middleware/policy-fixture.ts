// A framework server for the policy tests: tools, resources, a template and prompts, some hidden by the policy,
// and a test-only middleware placed first that sets the principal from a header (until authentication lands).
import { type Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { createServer, type Middleware, type Principal, silentLogger } from '../../src/index.js';
import { type AccessPolicy, access, rateLimit } from '../../src/middleware/index.js';
import { newClient, type EraName } from '../helpers/clients.js';

export const PRINCIPALS: Record<string, Principal> = {
  alice: { id: 'alice', kind: 'apiKey', tenant: 'acme', scopes: [], roles: ['reader'], claims: {} },
  bob: { id: 'bob', kind: 'apiKey', tenant: 'beta', scopes: ['notes:write'], claims: {} },
  admin: { id: 'admin', kind: 'apiKey', tenant: 'acme', scopes: ['notes:write'], roles: ['admin'], claims: {} },
  mallory: { id: 'mallory', kind: 'apiKey', tenant: 'beta', scopes: [], claims: {} },
  gina: { id: 'gina', kind: 'apiKey', tenant: 'gamma', scopes: [], claims: {} },
  hal: { id: 'hal', kind: 'apiKey', tenant: 'gamma', scopes: [], claims: {} },
};

/** The test's stand-in for authentication: the principal named by a header, else anonymous. */
export const principalFromHeader: Middleware = (ctx, next) => {
  const id = ctx.http?.headers.get('x-test-principal');
  if (id && PRINCIPALS[id]) ctx.principal = PRINCIPALS[id];
  return next();
};

export const POLICY: AccessPolicy = {
  roles: {
    reader: [
      { resource: ['tool:ns__public', 'tool:whoami'], actions: ['call'] },
      { resource: 'tool:files__read', actions: ['call'], constraints: { arguments: { path: { glob: '/srv/data/**' } } } },
      { resource: 'tool:search', actions: ['call'], constraints: { arguments: { limit: { max: 100 } } } },
      { resource: 'tool:counter', actions: ['call'], constraints: { maxCalls: { limit: 2, windowMs: 60_000 } } },
      { resource: ['resource:note://public', 'resource:note://items/*'], actions: ['read'] },
      { resource: 'prompt:greet', actions: ['get'] },
    ],
    admin: [{ resource: '*', actions: ['*'] }],
  },
  principals: {
    bob: {
      capabilities: [
        { resource: 'tool:ns__secret', actions: ['call'], constraints: { validUntil: '2000-01-01T00:00:00Z' } },
        { resource: 'tool:ns__public', actions: ['call'], constraints: { notBefore: '2999-01-01T00:00:00Z' } },
        { resource: 'tool:notes__write', actions: ['call'] },
      ],
    },
  },
  everyone: [{ resource: 'tool:whoami', actions: ['call'] }],
};

export function buildPolicyServer() {
  const server = createServer({ name: 'policy', version: '1.0.0', logger: silentLogger });
  const text = (s: string) => ({ contents: [{ uri: 'x', text: s }] });
  for (const name of ['ns__public', 'ns__secret']) server.tool(name, { description: name }, () => `${name} ran`);
  server.tool('files__read', { description: 'reads a file', input: z.object({ path: z.string() }) }, ({ path }) => `read ${path}`);
  server.tool('search', { description: 'search', input: z.object({ q: z.string(), limit: z.number().optional() }) }, ({ q }) => `found ${q}`);
  server.tool('counter', { description: 'counts' }, () => 'counted');
  server.tool('whoami', { description: 'who the server thinks is calling', input: z.object({ user_id: z.string().optional() }) }, (_args, ctx) => ctx.principal.id);
  server.tool('notes__write', { description: 'writes a note', scopes: ['notes:write', 'notes:admin'] }, () => 'written');
  server.resource('note://public', { name: 'public' }, (uri) => text(`public ${uri.href}`));
  server.resource('note://secret', { name: 'secret' }, (uri) => text(`secret ${uri.href}`));
  server.resourceTemplate('note://items/{id}', { name: 'item' }, (uri) => text(`item ${uri.href}`), { complete: { id: () => ['1', '2'] } });
  server.resourceTemplate('note://hidden/{id}', { name: 'hidden item' }, (uri) => text(`hidden ${uri.href}`), { complete: { id: () => ['x'] } });
  const args = z.object({ name: z.string() });
  server.prompt('greet', { description: 'greets', args, complete: { name: () => ['ann'] } }, ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `hi ${name}` } }] }));
  server.prompt('internal', { description: 'internal', args, complete: { name: () => ['root'] } }, ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `internal ${name}` } }] }));
  server.use(principalFromHeader, access(POLICY), rateLimit({ rules: [{ per: ['principal'], match: 'tool:ns__public', limit: 3, windowMs: 400 }] }));
  return server;
}

export async function connectAs(url: string, era: EraName, principal?: string): Promise<Client> {
  const client = newClient(era);
  const headers = principal ? { 'x-test-principal': principal } : undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : {}));
  return client;
}

export interface Failure {
  code: number;
  message: string;
  data?: unknown;
}

/** The error a request ends with, or undefined when it succeeds. */
export async function failure(p: Promise<unknown>): Promise<Failure | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    const { code, message, data } = err as Failure;
    return { code, message, data };
  }
}

/** Repeats `attempt` until it fails (at most `max` times) and returns that failure. */
export async function firstRefusal(attempt: () => Promise<Failure | undefined>, max = 10): Promise<Failure> {
  for (let i = 0; i < max; i++) {
    const refused = await attempt();
    if (refused) return refused;
  }
  throw new Error(`no refusal after ${max} attempts`);
}

/** Waits the hinted retry-after, then repeats `attempt` (bounded) until it succeeds; returns its last failure or undefined. */
export async function afterRetryHint(refused: Failure, attempt: () => Promise<Failure | undefined>): Promise<Failure | undefined> {
  await new Promise((r) => setTimeout(r, (refused.data as { retryAfterMs: number }).retryAfterMs));
  const deadline = Date.now() + 5_000;
  let last = await attempt();
  while (last && Date.now() < deadline) last = await attempt();
  return last;
}

// docs/policy.md's framework example: access control, a tool's required scopes, a tenant quota and a rate limit
// on a server served over stdio to the local user. Run: npx tsx examples/policy-server.ts
import { access, createServer, quota, rateLimit } from 'mcplex';
import { z } from 'zod';

const server = createServer({
  name: 'notes',
  version: '1.0.0',
  // Over stdio the caller is the local user; over HTTP authentication builds the principal.
  localPrincipal: { id: 'alice', kind: 'local', tenant: 'acme', scopes: ['notes:read'], roles: ['reader'], claims: {} },
});

server.tool('notes__search', { description: 'Searches notes', input: z.object({ q: z.string(), limit: z.number().optional() }) }, ({ q }) => `found '${q}'`);
server.tool('notes__delete', { description: 'Deletes a note', input: z.object({ id: z.string() }) }, ({ id }) => `deleted ${id}`);
// Visible to readers, but calling it needs a scope alice's token lacks: Forbidden, naming 'notes:write'.
server.tool('notes__append', { description: 'Appends to a note', scopes: ['notes:write'], input: z.object({ text: z.string() }) }, () => 'appended');

server.use(
  access({
    roles: {
      reader: [
        { resource: 'tool:notes__search', actions: ['call'], constraints: { arguments: { limit: { max: 50 } } } },
        { resource: 'tool:notes__append', actions: ['call'] },
      ],
      admin: [{ resource: '*', actions: ['*'] }],
    },
  }),
  quota({ tenants: { acme: { calls: { limit: 10_000, windowMs: 86_400_000 }, concurrent: 8 } } }),
  rateLimit({ rules: [{ per: ['principal'], limit: 60, windowMs: 60_000 }] }),
);

server.serveStdio();

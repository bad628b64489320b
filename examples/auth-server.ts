// docs/auth.md's framework example: a server that only API-key holders may call, with a scope on one tool.
// Run: npx tsx examples/auth-server.ts   (PORT=0 picks a free port; API_KEY=mcplex_… reuses a key)
import { createAuthenticator, createServer, hashApiKey, newApiKey, onCallTool, requireAuth, ToolError } from 'mcplex';
import { z } from 'zod';

// In production the hash comes from config (`mcplex keys new`); here a key is made (or taken) at start.
const key = process.env.API_KEY ?? newApiKey().key;
const auth = createAuthenticator({
  apiKeys: { [hashApiKey(key)]: { id: 'demo-user', tenant: 'demo', scopes: ['notes:read'] } },
});

const server = createServer({ name: 'notes', version: '1.0.0' });
// The edge has authenticated every request; this refuses anonymous callers in the pipeline too (e.g. over stdio).
server.use(requireAuth());
// A scope check for one tool, from the verified principal only (never from arguments or _meta).
server.use(
  onCallTool(async (ctx, next) => {
    if (ctx.target === 'delete' && !ctx.principal.scopes.includes('notes:write')) throw new ToolError('delete needs the notes:write scope');
    return next();
  }),
);
server.tool('whoami', { description: 'Who the server thinks you are' }, (_args, ctx) => `${ctx.principal.id} (${ctx.principal.kind}, tenant ${ctx.principal.tenant})`);
server.tool('delete', { description: 'Deletes a note', input: z.object({ id: z.string() }) }, ({ id }) => `deleted ${id}`);

const handle = await server.serveHttp({ port: Number(process.env.PORT ?? 7334), auth });
if (!process.env.API_KEY) console.log(`API key (shown once): ${key}`);
console.log(`notes server listening on ${handle.url}`);
process.on('SIGTERM', () => void handle.close().then(() => process.exit(0)));

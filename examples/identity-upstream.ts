// An upstream MCP server built with mcplex that trusts only the gateway: identityClaims() verifies the signed
// identity the gateway puts in `_meta` and sets ctx.principal, so each tool can scope its data to the caller.
import { createServer, identityClaims } from 'mcplex';
import { z } from 'zod';

const key = process.env.MCPLEX_IDENTITY_KEY;
if (!key) throw new Error('set MCPLEX_IDENTITY_KEY (the same key as the gateway’s identity.key)');

const server = createServer({ name: 'notes-per-user', version: '1.0.0' });
// `audience` is this server's name in the gateway's config; claims minted for another server are refused.
server.use(identityClaims({ key, audience: 'notes' }));

const notes = new Map<string, string[]>();
server.tool('add', { description: 'Adds a note for the caller', input: z.object({ text: z.string() }) }, ({ text }, ctx) => {
  const mine = notes.get(ctx.principal.id) ?? [];
  mine.push(text);
  notes.set(ctx.principal.id, mine);
  return `${ctx.principal.id} has ${mine.length} note(s)`;
});
server.tool('mine', { description: "Lists the caller's notes" }, (_args, ctx) => ({ structuredContent: { owner: ctx.principal.id, notes: notes.get(ctx.principal.id) ?? [] } }));

const http = await server.serveHttp({ port: Number(process.env.PORT ?? 7400) });
console.log(`upstream listening on ${http.url}`);
process.once('SIGTERM', async () => {
  await http.close();
  process.exit(0);
});

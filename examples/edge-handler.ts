// A framework server as a web-standard fetch handler, for serverless and edge runtimes that offer Node's APIs (Bun,
// Deno, Cloudflare Workers with nodejs_compat; tested here on Node): both eras on one URL with no sessions (the 2025
// era statelessly), API keys checked before anything else, the pipeline as everywhere.
//   Cloudflare Workers, Bun:  export default edge            Deno:  Deno.serve(edge.fetch)
//   Hono:  app.all('/mcp', (c) => edge.fetch(c.req.raw))      Vercel:  export const POST = edge.fetch
// Run with Node: MCP_API_KEY_HASH=sha256:… npx tsx examples/edge-handler.ts (`mcplex keys new` makes a key and its hash;
// without a hash anyone may call). A small node:http bridge below serves it on 127.0.0.1 (PORT=0: a free port).
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createAuthenticator, createServer } from 'mcplex';
import { z } from 'zod';

const server = createServer({ name: 'edge-notes', version: '1.0.0' });
server.tool('shout', { description: 'Says it louder', input: z.object({ text: z.string() }) }, ({ text }, ctx) => `${text.toUpperCase()}! (for ${ctx.principal.id})`);
// `region` travels in an Mcp-Param-Region header too (SEP-2243), so the platform's router can see it without the body;
// a 2026-era call whose header disagrees with its arguments is refused (400, -32020).
server.tool('forecast', { description: 'Tomorrow in a region', input: z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }) }) }, ({ region }) => `Sunny in ${region}`);

const keyHash = process.env.MCP_API_KEY_HASH;
const handler = server.fetchHandler(keyHash ? { auth: createAuthenticator({ apiKeys: { [keyHash]: { id: 'edge-client' } } }) } : {});
const edge = { fetch: (request: Request) => handler.fetch(request) };
export default edge;

// Node has no fetch-style server of its own: each node request becomes a Request, each Response is streamed back.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const http = createHttpServer(async (req, res) => {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const headers = Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : (v ?? []).map((x) => [k, x]))) as [string, string][];
    const body = req.method === 'POST' ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined;
    const response = await edge.fetch(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body, signal: gone.signal, duplex: 'half' } as RequestInit));
    res.writeHead(response.status, [...response.headers].flat());
    if (response.body) for await (const chunk of response.body) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    res.end();
  });
  http.listen(Number(process.env.PORT ?? 7340), '127.0.0.1', () => {
    console.log(`edge-notes listening on http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
  });
  const stop = () => http.close(() => handler.close().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

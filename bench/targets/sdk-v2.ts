// Target "sdk-v2": the official SDK v2 Streamable HTTP server, sessionful (McpServer +
// NodeStreamableHTTPServerTransport per session, on node:http), with echo and sleep in-process.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

function makeServer(): McpServer {
  const server = new McpServer({ name: 'bench-sdk-v2', version: '1.0.0' });
  server.registerTool('echo', { description: 'Returns the text', inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('sleep', { description: 'Waits ms milliseconds', inputSchema: z.object({ ms: z.number().int().min(0).max(60_000) }) }, async ({ ms }) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { content: [{ type: 'text', text: `slept ${ms}` }] };
  });
  return server;
}

const transports = new Map<string, NodeStreamableHTTPServerTransport>();

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const http = createServer((req, res) => {
  void (async () => {
    const sid = req.headers['mcp-session-id'];
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
    if (!transport && sid === undefined && req.method === 'POST') {
      const t = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, t);
        },
        onsessionclosed: (id) => {
          transports.delete(id);
        },
      });
      await makeServer().connect(t);
      transport = t;
    }
    if (!transport) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
      return;
    }
    await transport.handleRequest(req, res, body);
  })().catch((err: Error) => {
    if (!res.headersSent) res.writeHead(500).end(err.message);
  });
});

http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp\n`);
});
process.on('SIGTERM', () => process.exit(0));

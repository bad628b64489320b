// A hand-written HTTP upstream on 127.0.0.1 speaking both eras, with the faults real servers have: a 2026-era
// tools/call result without `resultType`, a reply that is not JSON, a listen that is never acknowledged. It records
// every request (method, era, the client capabilities it carried) so tests can see what the gateway sent.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;
const MODERN = '2026-07-28';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';

export interface Seen {
  method: string;
  era: 'legacy' | 'modern';
  /** Per-request client capabilities (2026), or those declared at initialize (2025). */
  capabilities?: Json;
  params: Json;
}

export interface RawUpstream {
  readonly url: string;
  readonly seen: Seen[];
  /** Resolves when a subscriptions/listen request arrives (it is never acknowledged). */
  readonly listenArrived: Promise<void>;
  close(): Promise<void>;
}

const TOOLS = ['plain', 'no_result_type', 'no_result_type_asks', 'bad_json', 'asks', 'opens'].map((name) => ({ name, description: name, inputSchema: { type: 'object' } }));

export async function startRawUpstream(): Promise<RawUpstream> {
  const seen: Seen[] = [];
  const held: ServerResponse[] = [];
  let listened = () => {};
  const listenArrived = new Promise<void>((resolve) => {
    listened = resolve;
  });
  const reply = (res: ServerResponse, id: unknown, result: Json) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result }));
  const fail = (res: ServerResponse, id: unknown, code: number, message: string) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }));

  const server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; method?: string; params?: Json };
      if (msg.id === undefined || msg.method === undefined) return void res.writeHead(202).end();
      const params = msg.params ?? {};
      const meta = (params._meta ?? {}) as Json;
      const era = req.headers['mcp-protocol-version'] === MODERN ? 'modern' : 'legacy';
      const capabilities = (era === 'modern' ? meta[CAPS] : params.capabilities) as Json | undefined;
      seen.push({ method: msg.method, era, params, ...(capabilities && { capabilities }) });
      const done = era === 'modern' ? { resultType: 'complete' } : {};
      switch (msg.method) {
        case 'server/discover':
          return reply(res, msg.id, { supportedVersions: [MODERN], capabilities: { tools: { listChanged: true } }, resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'raw', version: '1.0.0' } } });
        case 'initialize':
          return reply(res, msg.id, { protocolVersion: params.protocolVersion, capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'raw', version: '1.0.0' } });
        case 'tools/list':
          return reply(res, msg.id, { tools: TOOLS, ...done, ...(era === 'modern' && { ttlMs: 0, cacheScope: 'private' }) });
        case 'subscriptions/listen':
          // The stream opens and stays silent: no acknowledgement, ever.
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.flushHeaders();
          held.push(res);
          listened();
          return;
        case 'tools/call': {
          const name = String(params.name);
          const content = [{ type: 'text', text: `${name} (${era})` }];
          if (name === 'plain') return reply(res, msg.id, { content, ...done });
          if (name === 'no_result_type') return reply(res, msg.id, { content });
          if (name === 'no_result_type_asks') return reply(res, msg.id, { inputRequests: { q: { method: 'roots/list', params: {} } } });
          // Asks for a form whatever the caller declared (a server that does not check capabilities).
          if (name === 'asks' && params.inputResponses === undefined) {
            const ask = { method: 'elicitation/create', params: { mode: 'form', message: 'Name?', requestedSchema: { type: 'object', properties: {} } } };
            return reply(res, msg.id, { resultType: 'input_required', inputRequests: { q: ask }, requestState: 'r1' });
          }
          // Asks the caller to open a page (a URL elicitation, as 2026-07-28 has it: no elicitationId).
          if (name === 'opens' && params.inputResponses === undefined) {
            const ask = { method: 'elicitation/create', params: { mode: 'url', message: 'Connect your account', url: 'https://example.com/connect' } };
            return reply(res, msg.id, { resultType: 'input_required', inputRequests: { q: ask }, requestState: 'r1' });
          }
          if (name === 'asks' || name === 'opens') return reply(res, msg.id, { content: [{ type: 'text', text: `answered ${JSON.stringify(params.inputResponses)}` }], ...done });
          if (name === 'bad_json') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":');
          return fail(res, msg.id, -32602, `Unknown tool: ${name}`);
        }
        default:
          return fail(res, msg.id, -32601, `Method not found: ${msg.method}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    listenArrived,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

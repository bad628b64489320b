// A framework server at several MCP paths (`serveHttp({ endpoints })`) with `endpointViews`, through the official
// SDK client in both eras: a request carries its endpoint's name (`ctx.call.endpoint`), a view narrows that path's
// lists and refuses the rest as unknown, an endpoint without a view and the main path show everything, and a path
// that collides with another is refused when serving starts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger, createServer, endpointViews, ErrorCode, type HttpHandle, requestLog, silentLogger } from '../../src/index.js';
import { connectHttp, type EraName } from '../helpers/clients.js';
import { waitUntil } from '../helpers/process.js';

const lines: Array<Record<string, unknown>> = [];
const logger = createLogger('paths', { level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });

function build() {
  const server = createServer({ name: 'paths', version: '1.0.0', logger: silentLogger });
  server.use(requestLog({ logger, level: 'info' }), endpointViews({ public: { include: ['tool:where', 'resource:docs://**'] } }));
  server.tool('where', { description: 'which endpoint was called' }, (_args, ctx) => ctx.call.endpoint ?? 'main');
  server.tool('reset', { description: 'an operator tool', input: z.object({}) }, () => 'reset');
  server.resource('docs://readme', { name: 'readme', mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, text: 'read me' }] }));
  server.resource('vault://keys', { name: 'keys', mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, text: 'k' }] }));
  return server;
}

describe('serveHttp endpoints with endpointViews', () => {
  let handle: HttpHandle;
  let origin: string;
  beforeAll(async () => {
    handle = await build().serveHttp({ port: 0, endpoints: [{ name: 'public', path: '/public/mcp' }, { name: 'ops', path: '/ops' }] });
    origin = new URL(handle.url).origin;
  });
  afterAll(() => handle?.close());

  const text = (r: unknown) => (r as { content: Array<{ text: string }> }).content[0]!.text;

  for (const era of ['legacy', 'modern'] as EraName[]) {
    it(`${era}: a view narrows its path; the others show everything`, async () => {
      const pub = await connectHttp(`${origin}/public/mcp`, era);
      const ops = await connectHttp(`${origin}/ops`, era);
      const main = await connectHttp(handle.url, era);
      try {
        expect((await pub.listTools()).tools.map((t) => t.name)).toEqual(['where']);
        expect((await pub.listResources()).resources.map((r) => r.uri)).toEqual(['docs://readme']);
        expect(text(await pub.callTool({ name: 'where', arguments: {} }))).toBe('public');
        await expect(pub.callTool({ name: 'reset', arguments: {} })).rejects.toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringMatching(/Unknown tool: reset/) });
        await expect(pub.readResource({ uri: 'vault://keys' })).rejects.toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringMatching(/Resource not found/) });
        expect((await ops.listTools()).tools.map((t) => t.name).sort()).toEqual(['reset', 'where']);
        expect(text(await ops.callTool({ name: 'where', arguments: {} }))).toBe('ops');
        expect(text(await main.callTool({ name: 'reset', arguments: {} }))).toBe('reset');
        expect(text(await main.callTool({ name: 'where', arguments: {} }))).toBe('main');
        // The request line says which endpoint a request came to (none on the main path).
        const where = await waitUntil(() => {
          const found = lines.filter((l) => l.msg === 'request' && l.target === 'where' && l.era === era);
          return found.length >= 3 ? found : undefined;
        }, 5000, 'three request lines');
        expect(where.map((l) => l.endpoint ?? 'main')).toEqual(['public', 'ops', 'main']);
      } finally {
        await Promise.all([pub.close(), ops.close(), main.close()]);
      }
    });
  }

  it('refuses paths that collide or are reserved', async () => {
    const server = build();
    await expect(server.serveHttp({ port: 0, endpoints: [{ name: 'x', path: '/mcp' }] })).rejects.toThrow(/endpoint 'x': path '\/mcp' is already the MCP path/);
    await expect(server.serveHttp({ port: 0, endpoints: [{ name: 'x', path: '/a' }, { name: 'y', path: '/a' }] })).rejects.toThrow(/endpoint 'y': path '\/a' is already endpoint 'x'/);
    await expect(server.serveHttp({ port: 0, endpoints: [{ name: 'x', path: '/healthz' }] })).rejects.toThrow(/is reserved/);
    await expect(server.serveHttp({ port: 0, endpoints: [{ name: 'x', path: 'nope' }] })).rejects.toThrow(/must start with '\/'/);
  });
});

// One middleware suite, run unchanged against a framework server and a gateway in front of a 2025-era stdio
// upstream (whose calls take the raw stdio lane), over a 2025-era HTTP session, the 2026-07-28 HTTP lane and
// stdio: every request passes the pipeline, with its principal and (over HTTP) the peer's address.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CallContext, ErrorCode, type Middleware, onCallTool, onList, WireError } from '../../src/core/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { connectInMemory, createServer, type ServingHost, silentLogger } from '../../src/index.js';
import { connectHttp, type EraName } from '../helpers/clients.js';
import { waitGone } from '../helpers/process.js';
import { everything } from '../gateway/helpers/harness.js';

interface Seen {
  method: string;
  era: string;
  principal: string;
  remoteAddress?: string;
}

/** The suite's middleware: records every request, refuses one tool, rewrites another's result, hides a third. */
function suiteMiddleware(seen: Seen[], tool: (name: string) => string): Middleware[] {
  const record: Middleware = async (ctx: CallContext, next) => {
    seen.push({ method: ctx.method, era: ctx.era, principal: ctx.principal.id, ...(ctx.http?.remoteAddress && { remoteAddress: ctx.http.remoteAddress }) });
    return next();
  };
  return [
    record,
    onCallTool(async (ctx, next) => {
      if (ctx.target === tool('get-env')) throw new WireError(ErrorCode.Forbidden, 'get-env is not allowed here');
      const result = await next();
      if (ctx.target !== tool('echo')) return result;
      const [first] = result.content as Array<{ type: string; text: string }>;
      return { ...result, content: [{ type: 'text', text: `${first?.text} (seen by middleware)` }] };
    }),
    onList<{ name: string }>('tools', (t) => t.name !== tool('get-sum')),
  ];
}

interface Target {
  name: string;
  host: () => ServingHost;
  tool: (name: string) => string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A framework server with the same three tools the gateway's upstream (server-everything) has. */
function framework(): Target {
  const server = createServer({ name: 'suite', version: '1.0.0', logger: silentLogger });
  server.tool('echo', { description: 'echo', input: z.object({ message: z.string() }) }, ({ message }) => `Echo: ${message}`);
  server.tool('get-env', { description: 'env', input: z.object({}) }, () => 'secret');
  server.tool('get-sum', { description: 'sum', input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => String(a + b));
  return { name: 'framework', host: () => server, tool: (n) => n, start: async () => {}, stop: async () => {} };
}

function gateway(): Target {
  const gw = new Gateway({ listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: { ev: everything() } }, { logger: silentLogger });
  return {
    name: 'gateway',
    host: () => gw.host,
    tool: (n) => `ev__${n}`,
    start: async () => {
      await gw.start();
      // The upstream is 2025-era over stdio: forwarded calls take the raw lane.
      expect(gw.health().upstreams[0]).toMatchObject({ state: 'up', era: 'legacy' });
    },
    stop: async () => {
      const pids = gw.health().upstreams.flatMap((u) => ('pid' in u && u.pid ? [u.pid] : []));
      await gw.close();
      await waitGone(pids);
    },
  };
}

const TRANSPORTS = [
  { transport: 'HTTP', era: 'legacy' },
  { transport: 'HTTP', era: 'modern' },
  { transport: 'stdio', era: 'legacy' },
  { transport: 'stdio', era: 'modern' },
] as const;

describe.each([framework, gateway])('%o', (make) => {
  const target = make();
  const seen: Seen[] = [];
  let url: string;
  let closeHttp: () => Promise<void>;

  beforeAll(async () => {
    await target.start();
    target.host().use(...suiteMiddleware(seen, target.tool));
    const handle = await target.host().serveHttp({ port: 0 });
    url = handle.url;
    closeHttp = () => handle.close();
  }, 60_000);
  afterAll(async () => {
    await closeHttp?.();
    await target.stop();
  }, 30_000);

  describe.each(TRANSPORTS)('$transport, $era era', ({ transport, era }) => {
    let client: Client;
    beforeAll(async () => {
      seen.length = 0;
      client = transport === 'HTTP' ? await connectHttp(url, era as EraName) : await connectInMemory(target.host(), { era: era as EraName });
    });
    afterAll(async () => {
      await client?.close();
    });

    it(`${target.name}: every request passes the pipeline with its principal${transport === 'HTTP' ? ' and address' : ''}`, async () => {
      if (era === 'legacy') {
        await client.ping();
        await client.setLoggingLevel('info');
      }
      await client.listTools();
      const methods = new Set(seen.map((s) => s.method));
      for (const m of era === 'legacy' ? ['initialize', 'ping', 'logging/setLevel', 'tools/list'] : ['server/discover', 'tools/list']) expect(methods).toContain(m);
      for (const s of seen) {
        expect(s.principal).toBe('anonymous');
        expect(s.remoteAddress).toBe(transport === 'HTTP' ? '127.0.0.1' : undefined);
      }
      expect(seen.find((s) => s.method === 'tools/list')?.era).toBe(era);
    });

    it(`${target.name}: refuses, rewrites and hides what the middleware says`, async () => {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain(target.tool('echo'));
      expect(tools).not.toContain(target.tool('get-sum'));
      const echoed = await client.callTool({ name: target.tool('echo'), arguments: { message: 'hi' } });
      expect((echoed.content as Array<{ text: string }>)[0]?.text).toBe('Echo: hi (seen by middleware)');
      await expect(client.callTool({ name: target.tool('get-env'), arguments: {} })).rejects.toThrow(/get-env is not allowed here/);
      expect(seen.filter((s) => s.method === 'tools/call')).toHaveLength(2);
    });
  });
});

// `endpoints:` in front of two real third-party servers (server-everything and server-memory), with API keys, through
// the official SDK client in both eras: each named path lists only what its view includes, answers for anything
// else exactly as for an item that does not exist, and the main path still shows everything; a 2025-era session
// stays on the path it opened; each path is its own protected resource (RFC 9728 metadata and challenge); a reload
// changes a view at once, while an endpoint moved keeps its old view until a restart; bad sections are config
// errors naming the path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type Gateway, newApiKey, parseConfig } from '../../src/index.js';
import { rejection as issuesOf } from '../helpers/config.js';
import { waitUntil } from '../helpers/process.js';
import { EVERYTHING, type EraName, MEMORY, type RunningGateway, startGateway, text } from './helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'endpoints-'));
const key = newApiKey();

const configOf = (endpoints: unknown, extra: Record<string, unknown> = {}) =>
  parseConfig(
    stringify({
      listen: { host: '127.0.0.1', port: 0 },
      auth: { apiKeys: { [key.hash]: { id: 'agent', scopes: ['mcplex:admin'] } } },
      audit: { path: join(dir, 'audit.db') },
      servers: {
        ev: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
        mem: { command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') } },
      },
      endpoints,
      ...extra,
    }),
    { format: 'yaml' },
  );

const ENDPOINTS = {
  research: { include: ['server:mem', 'tool:ev__echo'] },
  calc: { path: '/tools/calc', include: 'tool:ev__get-sum' },
  plain: { exclude: ['tool:ev__*', 'prompt:*', 'resource:**'] },
};

describe('endpoints', () => {
  let running: RunningGateway;
  let gateway: Gateway;
  let origin: string;
  const connect = (era: EraName, path: string) => running.connect(era, { path, headers: { authorization: `Bearer ${key.key}` } });
  const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name).sort();
  const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: { code?: number; message: string }) => e);

  beforeAll(async () => {
    running = await startGateway(configOf(ENDPOINTS));
    gateway = running.gateway;
    origin = new URL(running.url).origin;
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it.each(['legacy', 'modern'] as const)('%s: each path lists what its view includes; the main path lists everything', async (era) => {
    const main = await connect(era, '/mcp');
    const all = await names(main);
    const mem = all.filter((n) => n.startsWith('mem__'));
    expect(mem.length).toBeGreaterThan(3);
    expect(all).toContain('ev__get-sum');
    expect((await main.listPrompts()).prompts.length).toBeGreaterThan(0);
    expect((await main.listResources()).resources.length).toBeGreaterThan(0);

    const research = await connect(era, '/research/mcp');
    expect(await names(research)).toEqual(['ev__echo', ...mem].sort());
    expect((await research.listPrompts()).prompts).toEqual([]);
    expect(await names(await connect(era, '/tools/calc'))).toEqual(['ev__get-sum']);
    const plain = await connect(era, '/plain/mcp');
    expect(await names(plain)).toEqual(mem);
    expect((await plain.listResources()).resources).toEqual([]);
  });

  it.each(['legacy', 'modern'] as const)('%s: what a view leaves out is answered as if it did not exist', async (era) => {
    const research = await connect(era, '/research/mcp');
    expect(text(await research.callTool({ name: 'ev__echo', arguments: { message: 'hi' } }))).toBe('Echo: hi');
    expect(await failure(research.callTool({ name: 'ev__get-sum', arguments: { a: 1, b: 2 } }))).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringMatching(/Unknown tool: ev__get-sum/) });
    const main = await connect(era, '/mcp');
    const [prompt] = (await main.listPrompts()).prompts;
    const [resource] = (await main.listResources()).resources;
    expect(await failure(research.getPrompt({ name: prompt!.name }))).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringMatching(/Unknown prompt/) });
    const plain = await connect(era, '/plain/mcp');
    expect(await failure(plain.readResource({ uri: resource!.uri }))).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringMatching(/Resource not found/) });
    // The main path is not narrowed by any view.
    expect(text(await main.callTool({ name: 'ev__get-sum', arguments: { a: 1, b: 2 } }))).toBe('The sum of 1 and 2 is 3.');
    expect((await main.readResource({ uri: resource!.uri })).contents.length).toBeGreaterThan(0);
  });

  it('counts requests per endpoint in /metrics', async () => {
    const body = await (await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${key.key}` } })).text();
    const count = (endpoint: string, outcome: string) => Number(new RegExp(`^mcp_endpoint_requests_total\\{endpoint="${endpoint}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(body)?.[1] ?? 0);
    // The tests above listed and called on every path, and were refused on research and plain.
    for (const e of ['research', 'calc', 'plain']) expect(count(e, 'ok')).toBeGreaterThan(0);
    expect(count('research', 'error')).toBeGreaterThanOrEqual(4);
    // The main path's requests are not in it.
    expect(body).not.toMatch(/mcp_endpoint_requests_total\{endpoint=""/);
  });

  it('names the endpoint in audit records, and finds them by it', async () => {
    const audit = async (q: string) =>
      ((await (await fetch(`${origin}/admin/audit?${q}`, { headers: { authorization: `Bearer ${key.key}` } })).json()) as { records: Array<{ method: string; target?: string; endpoint?: string | null; outcome: string }> }).records;
    // The calls above: ev__echo answered on research, ev__get-sum refused there as unknown, and calls on the main path.
    // Records are written in batches: wait for them.
    const research = await waitUntil(
      async () => {
        const found = await audit('endpoint=research&method=tools/call');
        return found.some((r) => r.target === 'ev__echo') && found.some((r) => r.target === 'ev__get-sum') ? found : undefined;
      },
      10_000,
      'the research calls in the audit log',
    );
    expect(research.map((r) => [r.target, r.outcome])).toEqual(expect.arrayContaining([['ev__echo', 'ok'], ['ev__get-sum', 'error']]));
    expect(research.every((r) => r.endpoint === 'research')).toBe(true);
    const main = await waitUntil(async () => {
      const ok = (await audit('method=tools/call&tool=ev__get-sum')).filter((r) => r.outcome === 'ok');
      return ok.length > 0 ? ok : undefined;
    }, 10_000, 'a main-path call in the audit log');
    expect(main.every((r) => r.endpoint === null)).toBe(true);
  });

  it('keeps a 2025-era session on the path it opened', async () => {
    const post = (path: string, body: unknown, session?: string) =>
      fetch(new URL(path, origin), {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(session && { 'mcp-session-id': session }) },
        body: JSON.stringify(body),
      });
    const init = await post('/research/mcp', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    expect(init.status).toBe(200);
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    await (await post('/research/mcp', { jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    // At the main path the session does not exist: it cannot be used to step out of its view.
    const elsewhere = await post('/mcp', list, session);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ error: { code: ErrorCode.SessionNotFound } });
    const home = await post('/research/mcp', list, session);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('ev__echo');
  });

  it('makes each path its own protected resource', async () => {
    const bare = await fetch(new URL('/tools/calc', origin), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/tools/calc"`);
    const metadata = await (await fetch(`${origin}/.well-known/oauth-protected-resource/tools/calc`)).json();
    expect(metadata).toMatchObject({ resource: `${origin}/tools/calc` });
    expect(await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json()).toMatchObject({ resource: `${origin}/mcp` });
    expect((await fetch(`${origin}/.well-known/oauth-protected-resource/nowhere`)).status).toBe(404);
  });

  it('applies changed views on reload; an endpoint moved keeps its view until a restart', async () => {
    try {
      await gateway.reload(configOf({ ...ENDPOINTS, research: { include: 'tool:ev__get-sum' }, calc: { path: '/elsewhere', include: '*' } }));
      expect(await names(await connect('modern', '/research/mcp'))).toEqual(['ev__get-sum']);
      expect(await names(await connect('modern', '/tools/calc'))).toEqual(['ev__get-sum']);
    } finally {
      await gateway.reload(configOf(ENDPOINTS));
    }
    expect(await names(await connect('modern', '/research/mcp'))).toContain('ev__echo');
  });

  it('searches and calls within the view with tool search on', async () => {
    try {
      await gateway.reload(configOf(ENDPOINTS, { toolSearch: {} }));
      const calc = await connect('modern', '/tools/calc');
      const found = async (query: string) => ((await calc.callTool({ name: 'mcplex__search_tools', arguments: { query } })).structuredContent as { tools: { name: string }[] }).tools.map((t) => t.name);
      expect(await found('sum of two numbers')).toEqual(['ev__get-sum']);
      expect(await found('echo message')).toEqual([]);
      expect(text(await calc.callTool({ name: 'mcplex__call_tool', arguments: { name: 'ev__get-sum', arguments: { a: 2, b: 2 } } }))).toBe('The sum of 2 and 2 is 4.');
      expect(await failure(calc.callTool({ name: 'mcplex__call_tool', arguments: { name: 'ev__echo', arguments: { message: 'x' } } }))).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringMatching(/Unknown tool: ev__echo/) });
    } finally {
      await gateway.reload(configOf(ENDPOINTS));
    }
  });

  it('turns tool search on or off per endpoint', async () => {
    const SEARCH = ['mcplex__call_tool', 'mcplex__search_tools'];
    try {
      // On for research only (no gateway-wide section): its view is searched; the main path lists tools as usual.
      await gateway.reload(configOf({ ...ENDPOINTS, research: { ...ENDPOINTS.research, toolSearch: true } }));
      const research = await connect('modern', '/research/mcp');
      expect(await names(research)).toEqual(SEARCH);
      const found = (await research.callTool({ name: 'mcplex__search_tools', arguments: { query: 'echo a message' } })).structuredContent as { tools: { name: string }[] };
      expect(found.tools[0]?.name).toBe('ev__echo');
      expect(found.tools.every((t) => t.name === 'ev__echo' || t.name.startsWith('mem__'))).toBe(true);
      expect(await names(await connect('modern', '/mcp'))).toContain('ev__get-sum');
      // On everywhere but plain.
      await gateway.reload(configOf({ ...ENDPOINTS, plain: { ...ENDPOINTS.plain, toolSearch: false } }, { toolSearch: {} }));
      expect(await names(await connect('legacy', '/mcp'))).toEqual(SEARCH);
      expect((await names(await connect('legacy', '/plain/mcp'))).every((n) => n.startsWith('mem__'))).toBe(true);
    } finally {
      await gateway.reload(configOf(ENDPOINTS));
    }
  });

  it('lets access rules grant a capability on some endpoints only', async () => {
    const policy = {
      access: {
        principals: {
          agent: {
            capabilities: [
              { resource: 'server:mem', actions: ['*'] },
              { resource: 'tool:ev__*', actions: ['*'], constraints: { endpoints: ['research'] } },
            ],
          },
        },
      },
    };
    try {
      await gateway.reload(configOf(ENDPOINTS, { policy }));
      const main = await connect('modern', '/mcp');
      expect((await names(main)).every((n) => n.startsWith('mem__'))).toBe(true);
      expect(await failure(main.callTool({ name: 'ev__echo', arguments: { message: 'x' } }))).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringMatching(/Unknown tool: ev__echo/) });
      const research = await connect('modern', '/research/mcp');
      expect(await names(research)).toContain('ev__echo');
      expect(text(await research.callTool({ name: 'ev__echo', arguments: { message: 'x' } }))).toBe('Echo: x');
    } finally {
      await gateway.reload(configOf(ENDPOINTS));
    }
  });

  it('refuses bad sections naming the path and the fix', () => {
    const base = { listen: { port: 0 }, servers: { a: { command: 'node' } } };
    const rejection = (tree: unknown) => issuesOf(() => parseConfig(stringify(tree), { format: 'yaml' })).join('\n');
    expect(rejection({ ...base, endpoints: { x: { path: '/mcp' } } })).toMatch(/endpoints\.x\.path: '\/mcp' is already the MCP path/);
    expect(rejection({ ...base, endpoints: { x: {}, y: { path: '/x/mcp' } } })).toMatch(/endpoints\.y\.path: '\/x\/mcp' is already the path of endpoints\.x/);
    expect(rejection({ ...base, endpoints: { x: { path: '/sse' } } })).toMatch(
      /endpoints\.x\.path: '\/sse' is already the legacy SSE stream of the MCP path \(listen\.path\) \(give this endpoint another path, or set listen\.legacySse: false\)/,
    );
    expect(rejection({ ...base, endpoints: { x: {}, y: { path: '/x/messages' } } })).toMatch(/endpoints\.y\.path: '\/x\/messages' is already the legacy SSE messages path of endpoints\.x/);
    expect(() => parseConfig(stringify({ ...base, listen: { port: 0, legacySse: false }, endpoints: { x: { path: '/sse' } } }), { format: 'yaml' })).not.toThrow();
    expect(rejection({ ...base, listen: { port: 0, legacySse: 'yes' } })).toMatch(/listen\.legacySse: expected true or false/);
    expect(rejection({ ...base, endpoints: { x: { path: '/admin/pins' } } })).toMatch(/endpoints\.x\.path: '\/admin\/pins' is served by the gateway itself/);
    expect(rejection({ ...base, endpoints: { x: { path: 'x' } } })).toMatch(/endpoints\.x\.path: must start with '\/'/);
    expect(rejection({ ...base, endpoints: { x: { include: ['github__*'] } } })).toMatch(/endpoints\.x\.include\[0\]: .*must start with tool:/);
    expect(rejection({ ...base, endpoints: { x: { incude: [] } } })).toMatch(/endpoints\.x\.incude: unknown key \(did you mean 'include'\?\)/);
    expect(rejection({ ...base, endpoints: { 'a b': {} } })).toMatch(/endpoint names may only contain/);
    expect(rejection({ ...base, endpoints: { x: { toolSearch: 'yes' } } })).toMatch(/endpoints\.x\.toolSearch: expected true or false/);
    expect(rejection({ ...base, endpoints: { main: {} } })).toMatch(/endpoints\.main: 'main' names listen\.path in access rules/);
    const limited = { access: { everyone: [{ resource: '*', actions: ['*'], constraints: { endpoints: ['main', 'reserch'] } }] } };
    expect(rejection({ ...base, endpoints: { research: {} }, policy: limited })).toMatch(
      /policy\.access\.everyone\[0\]\.constraints\.endpoints: 'reserch' is no endpoint \(expected one of: main, research\)/,
    );
    expect(rejection({ servers: { mcplex: { command: 'node' } }, endpoints: { x: { toolSearch: true } } })).toMatch(/toolSearch\.namespace: 'mcplex' is the namespace of server 'mcplex'/);
  });
});

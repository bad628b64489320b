// `toolSearch:` in front of two real third-party servers (server-everything and server-memory), with API keys, an
// access policy and an audit log, through the official SDK client in both eras: tools/list shows the search tools
// and the `alwaysList` tools; a search ranks the tools the caller may see (another caller's policy hides the memory
// server's); call_tool runs the named tool through the whole pipeline (its own audit record and policy decision,
// progress and elicitation reaching the caller); read-only mode still lets searches and read-only calls through; a
// reload turns it off; bad sections are config errors naming the path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, Gateway, type HttpHandle, newApiKey, parseConfig, silentLogger } from '../../src/index.js';
import type { StoredAuditRecord } from '../../src/core/audit.js';
import { rejection } from '../helpers/config.js';
import { waitGone, waitUntil } from '../helpers/process.js';
import { EVERYTHING, MEMORY, text } from './helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tool-search-'));
const full = newApiKey();
const limited = newApiKey();
const SEARCH = 'mcplex__search_tools';
const CALL = 'mcplex__call_tool';

const configOf = (toolSearch: unknown) =>
  parseConfig(
    stringify({
      listen: { host: '127.0.0.1', port: 0 },
      auth: { apiKeys: { [full.hash]: { id: 'full', scopes: ['mcplex:admin'] }, [limited.hash]: { id: 'limited' } } },
      policy: { access: { everyone: [{ resource: 'server:ev', actions: ['*'] }], principals: { full: { capabilities: [{ resource: '*', actions: ['*'] }] } } } },
      audit: { path: join(dir, 'audit.db') },
      servers: {
        ev: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
        mem: { command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') } },
      },
      ...(toolSearch !== undefined && { toolSearch }),
    }),
    { format: 'yaml' },
  );

type Era = 'legacy' | 'modern';
type Found = { name: string; description?: string; inputSchema?: { properties?: Record<string, unknown> } };

describe('tool search', () => {
  let gateway: Gateway;
  let handle: HttpHandle;
  const clients: Client[] = [];

  async function connect(era: Era, key: string, capabilities: Record<string, unknown> = {}) {
    const client = new Client({ name: `search-${era}`, version: '1.0.0' }, { capabilities, ...(era === 'modern' && { versionNegotiation: { mode: { pin: '2026-07-28' } } }) });
    if (capabilities.elicitation) client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada', check: true, email: 'ada@example.com', integer: 3, number: 1.5, enums: 'opt1', untitledSingleSelectEnum: 'value1', titledSingleSelectEnum: 'value1', untitledMultipleSelectEnum: ['value1'], titledMultipleSelectEnum: ['value1'] } }) as never);
    await client.connect(new StreamableHTTPClientTransport(new URL(handle.url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    clients.push(client);
    return client;
  }
  const search = async (c: Client, query: string, limit?: number) =>
    ((await c.callTool({ name: SEARCH, arguments: { query, ...(limit !== undefined && { limit }) } })).structuredContent as { tools: Found[] }).tools;

  beforeAll(async () => {
    gateway = new Gateway(configOf({ alwaysList: ['ev__echo', 'ev__get-structured-*'] }), { logger: silentLogger });
    await gateway.start();
    handle = await gateway.serveHttp({ port: 0 });
  }, 60_000);
  afterAll(async () => {
    const pids = gateway?.health().upstreams.flatMap((u) => ('pid' in u && typeof u.pid === 'number' ? [u.pid] : [])) ?? [];
    for (const c of clients) await c.close();
    await handle?.close();
    await gateway?.close();
    await waitGone(pids, 10_000);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it.each(['legacy', 'modern'] as const)('%s: lists the search tools and the alwaysList tools only', async (era) => {
    const c = await connect(era, full.key);
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual([SEARCH, CALL, 'ev__echo', 'ev__get-structured-content']);
    expect(tools[0]!.inputSchema.required).toEqual(['query']);
    // Listed tools come whole, as the full list has them (output schema included).
    expect(tools[3]!.outputSchema?.properties).toBeDefined();
  });

  it.each(['legacy', 'modern'] as const)('%s: finds tools by what they do, with their schemas, as the caller may see them', async (era) => {
    const c = await connect(era, full.key);
    const sum = await search(c, 'sum of two numbers', 3);
    expect(sum[0]?.name).toBe('ev__get-sum');
    expect(Object.keys(sum[0]?.inputSchema?.properties ?? {})).toEqual(['a', 'b']);
    expect(sum.length).toBeLessThanOrEqual(3);
    expect((await search(c, 'knowledge graph entities')).map((t) => t.name)).toContain('mem__create_entities');
    // The search tools never find themselves; a query nothing matches says so.
    expect((await search(c, 'search tools call')).map((t) => t.name)).not.toContain(SEARCH);
    const none = await c.callTool({ name: SEARCH, arguments: { query: 'zzqxj' } });
    expect(text(none)).toMatch(/No tool matches 'zzqxj'/);
    // Another caller's access rules hide the memory server from its searches.
    const other = await connect(era, limited.key);
    expect((await search(other, 'knowledge graph entities')).some((t) => t.name.startsWith('mem__'))).toBe(false);
    expect((await search(other, 'sum of two numbers'))[0]?.name).toBe('ev__get-sum');
  });

  it.each(['legacy', 'modern'] as const)('%s: calls a tool found, through the whole pipeline', async (era) => {
    const c = await connect(era, full.key);
    expect(text(await c.callTool({ name: CALL, arguments: { name: 'ev__get-sum', arguments: { a: 2, b: 3 } } }))).toBe('The sum of 2 and 3 is 5.');
    // The caller's policy decides for the tool named: hidden from `limited` as if it did not exist.
    const other = await connect(era, limited.key);
    const refused = await other.callTool({ name: CALL, arguments: { name: 'mem__read_graph', arguments: {} } }).catch((e: { code?: number; message: string }) => e);
    expect(refused).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringMatching(/Unknown tool: mem__read_graph/) });
    // Unlisted tools stay callable by their own names.
    expect(text(await c.callTool({ name: 'ev__get-sum', arguments: { a: 1, b: 1 } }))).toBe('The sum of 1 and 1 is 2.');
  });

  it.each(['legacy', 'modern'] as const)('%s: relays progress and elicitation of a call made with call_tool to its caller', async (era) => {
    const c = await connect(era, full.key, { elicitation: { form: {} } });
    const steps: number[] = [];
    const long = await c.callTool({ name: CALL, arguments: { name: 'ev__trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 } } }, { onprogress: (p) => steps.push(p.progress) });
    expect(text(long)).toMatch(/Long running operation completed/);
    expect(steps).toEqual([1, 2]);
    const asked = await c.callTool({ name: CALL, arguments: { name: 'ev__trigger-elicitation-request', arguments: {} } });
    expect(text(asked)).toMatch(/User provided the requested information/);
  });

  it('answers bad search and call arguments with -32602', async () => {
    const c = await connect('legacy', full.key);
    const fails = (args: Record<string, unknown>, name = SEARCH) => c.callTool({ name, arguments: args }).catch((e: { code?: number; message: string }) => e);
    expect(await fails({})).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('give query') });
    expect(await fails({ query: 'x'.repeat(1001) })).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('query is 1001 characters long; at most 1000') });
    expect(await fails({ query: 'x', limit: 0 })).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('limit must be a whole number from 1 to 10') });
    expect(await fails({}, CALL)).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('give name') });
    expect(await fails({ name: SEARCH }, CALL)).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining(`call ${SEARCH} directly`) });
    expect(await fails({ name: 'ev__echo', arguments: 'hi' }, CALL)).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('arguments must be an object') });
  });

  it('audits the tool a call_tool ran and the lists a search read, never the search tools themselves', async () => {
    const c = await connect('legacy', full.key);
    await c.callTool({ name: CALL, arguments: { name: 'ev__get-sum', arguments: { a: 40, b: 2 } } });
    const records = await waitUntil(
      async () => {
        const res = await fetch(new URL('/admin/audit?limit=1000', handle.url), { headers: { authorization: `Bearer ${full.key}` } });
        const all = ((await res.json()) as { records: StoredAuditRecord[] }).records;
        return all.some((r) => r.target === 'ev__get-sum' && r.principal === 'full') ? all : undefined;
      },
      5000,
      'the call recorded',
    );
    expect(records.filter((r) => r.target === SEARCH || r.target === CALL)).toEqual([]);
    expect(records.some((r) => r.method === 'tools/list' && r.principal === 'limited')).toBe(true);
  });

  it('in read-only mode still searches and calls read-only tools, and refuses the others by name', async () => {
    const mode = (m: string | null) =>
      fetch(new URL('/admin/mode', handle.url), { method: 'POST', headers: { authorization: `Bearer ${full.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ mode: m }) });
    expect((await mode('read-only')).status).toBe(200);
    try {
      const c = await connect('legacy', full.key);
      expect((await c.listTools()).tools.map((t) => t.name)).toEqual([SEARCH, CALL, 'ev__echo', 'ev__get-structured-content']);
      // Tools that may change data are left out of searches like lists.
      expect((await search(c, 'create entities knowledge graph', 10)).map((t) => t.name)).not.toContain('mem__create_entities');
      expect(text(await c.callTool({ name: CALL, arguments: { name: 'ev__get-sum', arguments: { a: 1, b: 2 } } }))).toBe('The sum of 1 and 2 is 3.');
      const refused = await c.callTool({ name: CALL, arguments: { name: 'mem__create_entities', arguments: { entities: [] } } });
      expect([refused.isError, text(refused)]).toEqual([true, expect.stringMatching(/Tool 'mem__create_entities' may change data .* read-only mode/)]);
    } finally {
      expect((await mode(null)).status).toBe(200);
    }
  });

  it('turns off on reload: the full list is back, and the search tools are unknown', async () => {
    await gateway.reload(configOf(undefined));
    const c = await connect('legacy', full.key);
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toContain('ev__get-sum');
    expect(names).toContain('mem__read_graph');
    expect(names).not.toContain(SEARCH);
    const gone = await c.callTool({ name: SEARCH, arguments: { query: 'sum' } }).catch((e: { code?: number }) => e);
    expect(gone).toMatchObject({ code: ErrorCode.InvalidParams });
  });
});

describe('tool search config', () => {
  const issues = (extra: Record<string, unknown>) => rejection(() => parseConfig(stringify({ servers: { ev: { command: 'x' } }, ...extra }), { format: 'yaml' }));

  it('defaults, and errors that name the path and the fix', () => {
    expect(parseConfig(stringify({ servers: {}, toolSearch: {} }), { format: 'yaml' }).toolSearch).toEqual({ namespace: 'mcplex', alwaysList: [], maxResults: 10 });
    expect(parseConfig('servers: {}\ntoolSearch:\n', { format: 'yaml' }).toolSearch).toEqual({ namespace: 'mcplex', alwaysList: [], maxResults: 10 });
    expect(issues({ toolSearch: { maxResults: 100 } })).toEqual(['toolSearch.maxResults: expected a whole number from 1 to 50']);
    expect(issues({ toolSearch: { alwaysLists: ['x'] } })).toEqual([expect.stringMatching(/^toolSearch\.alwaysLists: unknown key.*alwaysList/)]);
    expect(issues({ toolSearch: { namespace: 'ev' } })).toEqual(["toolSearch.namespace: 'ev' is the namespace of server 'ev' (set toolSearch.namespace to another name)"]);
    expect(issues({ servers: { mcplex: { command: 'x' } }, toolSearch: {} })).toEqual([
      "toolSearch.namespace: 'mcplex' is the namespace of server 'mcplex' (set toolSearch.namespace to another name)",
    ]);
  });
});

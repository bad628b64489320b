// An upstream whose lists hold items that are none (a tool whose inputSchema is no object schema, a tool without a
// name, a prompt whose arguments are not a list, a resource without a uri): those items are left out, with one
// warning a listing naming each and what is wrong, and the rest is served to callers of both eras. Before, the
// gateway passed them on and the official SDK clients refused the gateway's whole list (every server's tools).
// A list the server fails to give costs only that list: a server whose prompts/list fails still has its tools
// listed, and server-postgres (the real one: it declares resources but answers resources/templates/list -32601)
// has its tools listed at all (before, none of its lists was taken).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.js';
import { capturingLogger, type LogEntry } from '../helpers/logger.js';
import { type RunningGateway, startGateway, stdio } from './helpers/harness.js';

const MALFORMED = new URL('./fixtures/malformed-upstream.mjs', import.meta.url).pathname;
const OFFICIAL_PG = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-postgres', 'dist', 'index.js');
const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL && process.env.CI === 'true') throw new Error('DATABASE_URL is required when CI=true');
if (!DATABASE_URL) console.log('leaving server-postgres out: DATABASE_URL is not set');
const entries: LogEntry[] = [];
let gw: RunningGateway;
beforeAll(async () => {
  const servers = [
    stdio('bad', process.execPath, [MALFORMED], { env: { BAD_LISTS: '1' } }),
    stdio('good', process.execPath, [MALFORMED]),
    stdio('noprompts', process.execPath, [MALFORMED], { env: { FAIL_PROMPTS: '1' } }),
    ...(DATABASE_URL ? [stdio('pg', process.execPath, [OFFICIAL_PG, DATABASE_URL])] : []),
  ];
  gw = await startGateway(servers, { logger: capturingLogger(entries) });
}, 60_000);
afterAll(() => gw?.close());

describe.each(['legacy', 'modern'] as const)('an upstream listing items that are none, %s caller', (era) => {
  it('serves the rest of every list, its own and the other servers', async () => {
    const client = await gw.connect(era);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools.filter((t) => t.startsWith('bad__')).sort()).toEqual(['bad__asks_odd', 'bad__bad_error', 'bad__contentless', 'bad__fine', 'bad__neither', 'bad__no_text', 'bad__null', 'bad__string']);
    expect(tools.filter((t) => t.startsWith('good__'))).toHaveLength(8);
    expect((await client.listPrompts()).prompts.map((p) => p.name).sort()).toEqual(['bad__brief', 'good__brief']);
    // A server whose prompts/list fails: its tools are there all the same.
    expect(tools.filter((t) => t.startsWith('noprompts__'))).toHaveLength(8);
    // Both servers list note://a (one entry); the resource without a uri is not there.
    expect((await client.listResources()).resources.map((r) => r.name)).toEqual(['a']);
    const fine = await client.callTool({ name: 'bad__fine', arguments: {} });
    expect((fine.content as Array<{ text: string }>)[0]?.text).toBe('ok');
  });

  it.skipIf(!DATABASE_URL)('lists and calls the tools of server-postgres, which has no resources/templates/list', async () => {
    const client = await gw.connect(era);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('pg__query');
    const answer = await client.callTool({ name: 'pg__query', arguments: { sql: 'SELECT 41 + 1 AS answer' } });
    expect(JSON.parse((answer.content as Array<{ text: string }>)[0]?.text ?? '')).toEqual([{ answer: 42 }]);
  });
});

it('warns once a listing, naming each item left out and what is wrong with it', () => {
  const warnings = entries.filter((e) => e.level === 'warn' && e.msg?.startsWith('left out of the'));
  const byKind = new Map(warnings.map((w) => [(w.obj as { kind: string }).kind, { upstream: w.bindings.upstream, ...(w.obj as object) }]));
  expect(byKind.get('tools')).toEqual({
    upstream: 'bad',
    kind: 'tools',
    count: 2,
    leftOut: [
      { item: 'stringly', problem: 'inputSchema.type: expected "object"' },
      { item: '#9', problem: 'name: expected string, received undefined' },
    ],
  });
  expect(byKind.get('prompts')).toMatchObject({ upstream: 'bad', count: 1, leftOut: [{ item: 'odd', problem: 'arguments: expected array, received string' }] });
  expect(byKind.get('resources')).toMatchObject({ upstream: 'bad', count: 1, leftOut: [{ item: 'nowhere', problem: 'uri: expected string, received undefined' }] });
  expect(warnings.every((w) => w.bindings.upstream === 'bad')).toBe(true);
  // /readyz's detail (and `mcplex check --connect`) say what was left out, per server.
  const health = gw.gateway.health().upstreams;
  expect(health.find((u) => u.name === 'bad')?.leftOut).toEqual([
    { kind: 'tools', item: 'stringly', problem: 'inputSchema.type: expected "object"' },
    { kind: 'tools', item: '#9', problem: 'name: expected string, received undefined' },
    { kind: 'prompts', item: 'odd', problem: 'arguments: expected array, received string' },
    { kind: 'resources', item: 'nowhere', problem: 'uri: expected string, received undefined' },
  ]);
  expect(health.find((u) => u.name === 'good')).not.toHaveProperty('leftOut');
  // The failing prompts/list is named, once a listing, and only it.
  const failed = entries.filter((e) => e.msg === 'could not list upstream; keeping its previous list');
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.every((e) => e.bindings.upstream === undefined && (e.obj as { upstream: string; list: string }).upstream === 'noprompts' && (e.obj as { list: string }).list === 'prompts')).toBe(true);
});

// The SQL reference server on real SQLite (a seeded in-memory database and a file), through the official SDK
// client in both eras: tools, limits, schema resources, the prompt, and injection attempts the database refuses.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInMemory, silentLogger } from '../../src/index.js';
import { createSqlServer } from '../../src/servers/sql/index.js';
import { ROOT } from '../helpers/process.js';

const SEED = join(ROOT, 'samples', 'shop.sql');
type Result = { content: Array<{ text?: string }>; isError?: boolean; structuredContent?: Record<string, unknown> };
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcplex-sqlite-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['legacy', 'modern'] as const)('SQL server on SQLite, read-only (%s era)', (era) => {
  let client: Client;
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as Result;
  beforeAll(async () => {
    client = await connectInMemory(createSqlServer({ database: ':memory:', seed: SEED, maxRows: 4 }, { logger: silentLogger }), { era });
  });
  afterAll(() => client.close());

  it('lists and describes tables', async () => {
    const tables = (await call('list_tables', {})).structuredContent!.tables as Array<{ name: string; type: string }>;
    expect(tables.map((t) => t.name)).toEqual(['customers', 'order_items', 'order_totals', 'orders', 'products']);
    expect(tables.find((t) => t.name === 'order_totals')?.type).toBe('view');
    const d = await call('describe_table', { table: 'customers' });
    expect(d.structuredContent!.columns).toContainEqual({ name: 'id', type: 'INTEGER', nullable: false, default: null, primaryKey: true });
    expect((await call('describe_table', { table: 'nope' })).isError).toBe(true);
  });

  it('runs parameterized queries with column types and row limits', async () => {
    const r = await call('query', { sql: 'SELECT name, price_cents FROM products WHERE category = ? ORDER BY id', params: ['hardware'] });
    expect(r.structuredContent).toEqual({
      columns: [
        { name: 'name', type: 'TEXT' },
        { name: 'price_cents', type: 'INTEGER' },
      ],
      rows: [
        ['Mechanical keyboard', 12900],
        ['USB-C hub', 4500],
      ],
      rowCount: 2,
    });
    const many = await call('query', { sql: 'SELECT id FROM products' });
    expect(many.structuredContent).toMatchObject({ rowCount: 4, truncated: expect.stringContaining('maxRows') });
    const injected = await call('query', { sql: 'SELECT name FROM customers WHERE name = ?', params: ["x' OR '1'='1"] });
    expect(injected.structuredContent).toMatchObject({ rowCount: 0 });
  });

  it.each([
    ['stacked statements', 'SELECT 1; DROP TABLE customers', /more than one statement/],
    ['a write', "DELETE FROM customers", /read-only/],
    ['a comment-hidden write', "/* SELECT */ DELETE FROM customers -- ", /read-only/],
    ['ATTACH', `ATTACH DATABASE '${'/tmp/mcplex-evil.db'}' AS evil`, /read-only/],
    ['turning query_only off', 'PRAGMA query_only = OFF', /read-only/],
    ['VACUUM INTO', "VACUUM INTO '/tmp/mcplex-vacuum.db'", /read-only/],
    ['load_extension', "SELECT load_extension('/tmp/x')", /not authorized/],
  ])('refuses %s', async (_what, sql, why) => {
    const r = await call('query', { sql });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(why);
    expect(existsSync('/tmp/mcplex-vacuum.db')).toBe(false);
    const count = await call('query', { sql: 'SELECT count(*) AS n FROM customers' });
    expect(count.structuredContent!.rows).toEqual([[5]]);
  });

  it('explains, offers no execute, and describes the schema as resources and a prompt', async () => {
    expect(text(await call('explain', { sql: 'SELECT * FROM orders WHERE id = ?', params: [1] }))).toMatch(/SEARCH orders USING INTEGER PRIMARY KEY/);
    const tools = (await client.listTools()).tools;
    expect(tools.map((t) => t.name)).not.toContain('execute');
    expect(tools.find((t) => t.name === 'query')?.annotations).toMatchObject({ readOnlyHint: true });
    const table = await client.readResource({ uri: 'sql://schema/products' });
    expect((table.contents[0] as { text: string }).text).toContain('price_cents INTEGER NOT NULL');
    const prompt = await client.getPrompt({ name: 'write_query', arguments: { question: 'best customer?' } });
    expect((prompt.messages[0]!.content as { text: string }).text).toMatch(/TABLE orders[\s\S]*best customer\?/);
  });
});

describe('SQL server on an SQLite file in write mode', () => {
  it('executes writes (annotated destructive) that queries then see', async () => {
    const file = join(dir, 'shop.db');
    const client = await connectInMemory(createSqlServer({ database: file, seed: SEED, readOnly: false }, { logger: silentLogger }));
    const execute = (await client.listTools()).tools.find((t) => t.name === 'execute');
    expect(execute?.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    const r = (await client.callTool({ name: 'execute', arguments: { sql: 'UPDATE products SET price_cents = price_cents + ? WHERE id = ?', params: [100, 2] } })) as Result;
    expect(r.structuredContent).toEqual({ rowsAffected: 1 });
    const q = (await client.callTool({ name: 'query', arguments: { sql: 'SELECT price_cents FROM products WHERE id = 2' } })) as Result;
    expect(q.structuredContent!.rows).toEqual([[4600]]);
    const still = (await client.callTool({ name: 'query', arguments: { sql: 'DELETE FROM products' } })) as Result;
    expect(still.isError).toBe(true);
    await client.close();
  });

  it('refuses a missing database file in read-only mode with a clear error', () => {
    expect(() => createSqlServer({ database: join(dir, 'missing.db') })).toThrow(/SQLite database not found/);
  });
});

// Last in the file: the abandoned statement keeps its worker thread busy until this test process ends.
describe('SQL server on SQLite, statement timeout', () => {
  it('gives up on a statement SQLite cannot interrupt and keeps serving from a fresh worker', async () => {
    const client = await connectInMemory(createSqlServer({ database: ':memory:', seed: SEED, statementTimeoutMs: 300 }, { logger: silentLogger }));
    const endless = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
    const r = (await client.callTool({ name: 'query', arguments: { sql: endless } })) as Result;
    expect(text(r)).toContain('over the 300 ms statement timeout');
    const after = (await client.callTool({ name: 'query', arguments: { sql: 'SELECT count(*) FROM products' } })) as Result;
    expect(after.structuredContent!.rows).toEqual([[6]]);
    await client.close();
  });
});

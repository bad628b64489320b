// The SQL reference server on real PostgreSQL (DATABASE_URL), in a schema and with a SELECT-only role unique to
// this run (both dropped after): read-only enforced by the database, injection attempts refused, write mode.
import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInMemory, silentLogger } from '../../src/index.js';
import { disposeServer } from '../../src/servers/lifecycle.js';
import { createSqlServer, type SqlOptions } from '../../src/servers/sql/index.js';

/** A client on a fresh server whose close also ends the server's pool. */
async function open(opts: SqlOptions, era: 'legacy' | 'modern' = 'legacy'): Promise<Client> {
  const server = createSqlServer(opts, { logger: silentLogger });
  const client = await connectInMemory(server, { era });
  const close = client.close.bind(client);
  client.close = async () => {
    await close();
    await disposeServer(server);
  };
  return client;
}

const URL_ = process.env.DATABASE_URL;
if (!URL_ && process.env.CI === 'true') throw new Error('DATABASE_URL is required when CI=true (postgres://postgres@127.0.0.1:5432/test)');
if (!URL_) console.log('skipping PostgreSQL tests: DATABASE_URL is not set');

type Result = { content: Array<{ text?: string }>; isError?: boolean; structuredContent?: Record<string, unknown> };
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('');
const suffix = randomBytes(4).toString('hex');
const schema = `mcplex_sql_${suffix}`;
const role = `mcplex_reader_${suffix}`;

describe.skipIf(!URL_)('SQL server on PostgreSQL', () => {
  const admin = new pg.Client({ connectionString: URL_ });
  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.items (id serial PRIMARY KEY, name text NOT NULL, price numeric(8,2), tags text[])`);
    await admin.query(`INSERT INTO ${schema}.items (name, price, tags) VALUES ('apple', 1.25, '{fruit}'), ('bread', 3.10, '{bakery}'), ('cheese', 7.00, NULL)`);
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT SELECT, INSERT ON ${schema}.items TO ${role}`);
    await admin.query(`GRANT USAGE ON SEQUENCE ${schema}.items_id_seq TO ${role}`);
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  /** The same database, logged in as the SELECT-only role (trust auth on 127.0.0.1 in the test setup). */
  const asReader = () => {
    const u = new URL(URL_!);
    u.username = role;
    u.password = '';
    return u.href;
  };

  it('refuses to run statements as a superuser login', async () => {
    const client = await open({ database: URL_!, schema });
    const r = (await client.callTool({ name: 'query', arguments: { sql: 'SELECT 1' } })) as Result;
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/Refusing to run statements as a superuser/);
    await client.close();
  });

  describe.each(['legacy', 'modern'] as const)('read-only, logged in as a SELECT-only role (%s era)', (era) => {
    let client: Client;
    const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as Result;
    beforeAll(async () => {
      client = await open({ database: asReader(), schema, statementTimeoutMs: 300, maxRows: 2 }, era);
    });
    afterAll(() => client.close());

    it('lists, describes and queries with parameters and column types', async () => {
      expect((await call('list_tables', {})).structuredContent).toEqual({ tables: [{ schema, name: 'items', type: 'table' }] });
      const d = await call('describe_table', { table: 'items' });
      expect(d.structuredContent!.columns).toContainEqual({ name: 'id', type: 'int4', nullable: false, default: expect.stringContaining('nextval'), primaryKey: true });
      const q = await call('query', { sql: 'SELECT name, price, tags FROM items WHERE price > $1 ORDER BY id', params: [1] });
      expect(q.structuredContent).toMatchObject({
        columns: [
          { name: 'name', type: 'text' },
          { name: 'price', type: 'numeric' },
          { name: 'tags', type: '1009' },
        ],
        rows: [
          ['apple', '1.25', ['fruit']],
          ['bread', '3.10', ['bakery']],
        ],
        truncated: expect.stringContaining('maxRows'),
      });
      expect(text(await call('explain', { sql: 'SELECT * FROM items WHERE id = $1', params: [1] }))).toContain('"Node Type"');
    });

    it.each([
      ['stacked statements', 'SELECT 1; DROP TABLE items', /cannot insert multiple commands into a prepared statement/],
      ['a write', 'DELETE FROM items', /read-only transaction/],
      ['a comment-hidden write', '/* harmless */ INSERT INTO items (name) VALUES ($$x$$) -- ', /read-only transaction/],
      ['pg_read_file', "SELECT pg_read_file('/etc/passwd')", /permission denied/],
      ['COPY … PROGRAM', "COPY (SELECT 1) TO PROGRAM 'touch /tmp/mcplex-pwned'", /permission denied|must be superuser|pg_execute_server_program/],
      ['becoming a superuser', "SELECT set_config('role', 'postgres', true), query_to_xml('SELECT pg_read_file(''/etc/passwd'')', true, true, '')", /permission denied/],
      ['a statement over the timeout', 'SELECT pg_sleep(5)', /statement timeout/],
    ])('refuses %s', async (_what, sql, why) => {
      const r = await call('query', { sql });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(why);
      const count = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.items`);
      expect(count.rows[0].n).toBeGreaterThanOrEqual(3);
    });
  });

  it('executes writes in write mode, within the role', async () => {
    const client = await open({ database: asReader(), schema, readOnly: false });
    const r = (await client.callTool({ name: 'execute', arguments: { sql: 'INSERT INTO items (name, price) VALUES ($1, $2)', params: ['dates', 4.5] } })) as Result;
    expect(r.structuredContent).toEqual({ rowsAffected: 1 });
    const denied = (await client.callTool({ name: 'execute', arguments: { sql: 'DELETE FROM items' } })) as Result;
    expect(text(denied)).toMatch(/permission denied/);
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.items WHERE name = 'dates'`);
    expect(rows[0].n).toBe(1);
    await client.close();
  });
});

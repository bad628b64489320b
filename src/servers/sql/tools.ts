// The SQL server's tools: list_tables, describe_table, query and explain (always), execute (write mode only).
// Results carry column names and types as structured content beside a readable table.
import { z } from 'zod';
import { ToolError } from '../../core/index.js';
import type { McplexServer } from '../../server/index.js';
import type { Limits, QueryResult, SqlDriver } from './driver.js';

const params = z
  .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .default([])
  .describe('Values for the placeholders ($1, $2 … in PostgreSQL; ? in SQLite), never spliced into the text');
const sql = z.string().min(1).describe('One SQL statement');
const resultShape = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(z.array(z.unknown())),
  rowCount: z.number(),
  truncated: z.string().optional(),
});

/** A plain-text table, for clients that show only text. */
function table(r: QueryResult): string {
  const head = r.columns.map((c) => c.name).join(' | ');
  const body = r.rows.map((row) => row.map((v) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' | '));
  return [head, ...body, `(${r.rows.length} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? `; ${r.truncated}` : ''})`].join('\n');
}
const structured = (r: QueryResult) => ({ columns: r.columns, rows: r.rows, rowCount: r.rows.length, ...(r.truncated && { truncated: r.truncated }) });

export function registerSqlTools(server: McplexServer, db: SqlDriver, limits: Limits, readOnly: boolean): void {
  const read = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

  server.tool(
    'list_tables',
    { title: 'List tables', description: 'Lists the tables and views.', input: z.object({}), output: z.object({ tables: z.array(z.object({ schema: z.string(), name: z.string(), type: z.string() })) }), annotations: read },
    async () => {
      const tables = await db.listTables();
      return { content: [{ type: 'text', text: tables.map((t) => `${t.name}${t.type === 'view' ? ' (view)' : ''}`).join('\n') || '(no tables)' }], structuredContent: { tables } };
    },
  );

  server.tool(
    'describe_table',
    {
      title: 'Describe table',
      description: 'The columns of a table or view: name, type, nullability, default, primary key.',
      input: z.object({ table: z.string().min(1) }),
      output: z.object({ table: z.string(), columns: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean(), default: z.string().nullable(), primaryKey: z.boolean() })) }),
      annotations: read,
    },
    async ({ table: name }) => {
      const columns = await db.describe(name);
      if (!columns) throw new ToolError(`No table or view named '${name}'; list_tables shows what exists`);
      const text = columns.map((c) => `${c.name} ${c.type}${c.primaryKey ? ' PRIMARY KEY' : ''}${c.nullable ? '' : ' NOT NULL'}${c.default !== null ? ` DEFAULT ${c.default}` : ''}`).join('\n');
      return { content: [{ type: 'text', text }], structuredContent: { table: name, columns } };
    },
  );

  server.tool(
    'query',
    {
      title: 'Query',
      description: `Runs one read-only SQL statement with parameters. The database enforces read-only; at most ${limits.maxRows} rows / ${limits.maxBytes} bytes, ${limits.timeoutMs} ms timeout.`,
      input: z.object({ sql, params }),
      output: resultShape,
      annotations: read,
    },
    async (args) => {
      const r = await db.query(args.sql, args.params, limits);
      return { content: [{ type: 'text', text: table(r) }], structuredContent: structured(r) };
    },
  );

  server.tool(
    'explain',
    { title: 'Explain', description: 'Shows the query plan of one statement without running it.', input: z.object({ sql, params }), annotations: read },
    async (args) => {
      const plan = await db.explain(args.sql, args.params, limits);
      return { content: [{ type: 'text', text: typeof plan === 'string' ? plan : JSON.stringify(plan, null, 2) }], structuredContent: { plan } };
    },
  );

  if (readOnly) return;
  server.tool(
    'execute',
    {
      title: 'Execute',
      description: 'Runs one SQL statement that may change data or schema (INSERT, UPDATE, DELETE, CREATE …), in its own transaction.',
      input: z.object({ sql, params }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async (args) => {
      const { rowsAffected, result } = await db.execute(args.sql, args.params, limits);
      const text = result ? table(result) : `${rowsAffected} row${rowsAffected === 1 ? '' : 's'} affected`;
      return { content: [{ type: 'text', text }], structuredContent: { rowsAffected, ...(result && { result: structured(result) }) } };
    },
  );
}

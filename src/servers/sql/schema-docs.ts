// The database schema for models: one resource per table (`sql://schema/{table}`), the whole schema as
// `sql://schema`, and the `write_query` prompt that embeds it.
import { z } from 'zod';
import { ErrorCode, WireError } from '../../core/index.js';
import type { McplexServer } from '../../server/index.js';
import type { SqlDriver } from './driver.js';

async function ddl(db: SqlDriver, table: string): Promise<string | undefined> {
  const cols = await db.describe(table);
  if (!cols) return undefined;
  const lines = cols.map((c) => `  ${c.name} ${c.type || 'ANY'}${c.primaryKey ? ' PRIMARY KEY' : ''}${c.nullable ? '' : ' NOT NULL'}`);
  return `TABLE ${table} (\n${lines.join(',\n')}\n)`;
}

export async function wholeSchema(db: SqlDriver): Promise<string> {
  const tables = await db.listTables();
  const parts = await Promise.all(tables.map((t) => ddl(db, t.name)));
  return parts.filter(Boolean).join('\n\n') || '(no tables)';
}

export function registerSchemaDocs(server: McplexServer, db: SqlDriver): void {
  server.resource('sql://schema', { name: 'schema', mimeType: 'text/plain', description: `Every table of the ${db.dialect} database` }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: await wholeSchema(db) }],
  }));
  server.resourceTemplate(
    'sql://schema/{table}',
    { name: 'table-schema', mimeType: 'text/plain', description: 'The columns of one table' },
    async (uri, vars) => {
      const text = await ddl(db, decodeURIComponent(String(vars.table)));
      if (!text) throw new WireError(ErrorCode.ResourceNotFound, `Resource not found: ${uri.href}`);
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text }] };
    },
    { complete: { table: async (v) => (await db.listTables()).map((t) => t.name).filter((n) => n.startsWith(v)) } },
  );
  server.prompt(
    'write_query',
    {
      description: 'Asks the model to write an SQL query for a question, with the database schema included',
      args: z.object({ question: z.string().describe('What you want to know') }),
    },
    async ({ question }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Write one ${db.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} SELECT statement that answers the question below. Use placeholders for values. Schema:\n\n${await wholeSchema(db)}\n\nQuestion: ${question}`,
          },
        },
      ],
    }),
  );
}

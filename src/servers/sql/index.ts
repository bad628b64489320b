// The SQL reference server: SQLite (better-sqlite3) or PostgreSQL (pg pool), read-only by default with the
// database as the guard, limits on every statement, schema resources and a query-writing prompt.
import { VERSION } from '../../core/index.js';
import { type CreateServerOptions, createServer, type McplexServer } from '../../server/index.js';
import { onDispose } from '../lifecycle.js';
import type { Limits, SqlDriver } from './driver.js';
import { isPostgresUrl, type SqlOptions } from './options.js';
import { PostgresDriver } from './postgres.js';
import { registerSchemaDocs } from './schema-docs.js';
import { SqliteDriver } from './sqlite.js';
import { registerSqlTools } from './tools.js';

export type { SqlOptions } from './options.js';

export function createSqlServer(options: SqlOptions, serverOpts: Partial<CreateServerOptions> = {}): McplexServer {
  const readOnly = options.readOnly ?? true;
  const limits: Limits = { maxRows: options.maxRows ?? 1000, maxBytes: options.maxBytes ?? 1024 * 1024, timeoutMs: options.statementTimeoutMs ?? 10_000 };
  const db: SqlDriver = isPostgresUrl(options.database)
    ? new PostgresDriver({ url: options.database, readOnly, ...(options.schema && { schema: options.schema }) })
    : new SqliteDriver(options.database, { readOnly, ...(options.seed && { seed: options.seed }) });
  const server = createServer({
    name: 'mcplex-sql',
    version: VERSION,
    instructions: `A ${db.dialect} database${readOnly ? ' (read-only)' : ''}. Start with list_tables and describe_table; query takes one statement with params.`,
    ...serverOpts,
  });
  onDispose(server, () => db.close());
  registerSqlTools(server, db, limits, readOnly);
  registerSchemaDocs(server, db);
  return server;
}

// PostgreSQL through a pg pool. Every query runs in its own READ ONLY transaction with a statement timeout, on
// the extended protocol (one statement per call: stacking is refused by the server), as an unprivileged login.
import type pg from 'pg';
import { optionalModule } from '../../stores/optional-module.js';

const driver = optionalModule<typeof pg>('pg');
import { ToolError } from '../../core/index.js';
import { type ColumnInfo, type Limits, type QueryResult, RowCollector, type SqlDriver, type SqlParam, type TableInfo } from './driver.js';

/** OID → type name for the built-in types (pg's own table), e.g. 23 → 'int4'. */
let typeNames: Map<number, string> | undefined;
/** PostgreSQL's type names by OID, from the driver's table (built on first use). */
const TYPE_NAMES = () => (typeNames ??= new Map(Object.entries(driver().types.builtins).map(([name, oid]) => [oid as number, name.toLowerCase()])));
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

export interface PostgresOptions {
  url: string;
  readOnly: boolean;
  /** Schema whose tables are listed and searched first (search_path); default public. */
  schema?: string;
  maxConnections?: number;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
  readonly #pool: pg.Pool;
  readonly #schema: string;
  #checked: Promise<void> | undefined;

  constructor(private readonly opts: PostgresOptions) {
    this.#pool = new (driver().Pool)({ connectionString: opts.url, max: opts.maxConnections ?? 4, idleTimeoutMillis: 30_000 });
    // An idle client's error (the server restarted) must not crash the process; the pool replaces it.
    this.#pool.on('error', () => {});
    this.#schema = opts.schema ?? 'public';
  }

  /**
   * A superuser reads server files and runs programs even in a READ ONLY transaction, and can leave any SET ROLE
   * within one statement (set_config), so the login itself must be unprivileged: the database is the guard, not a
   * pattern match on the SQL. Checked once per pool, before the first statement.
   */
  #guard(): Promise<void> {
    this.#checked ??= (async () => {
      const { rows } = await this.#pool.query(
        "SELECT rolsuper OR pg_has_role(session_user, 'pg_read_server_files', 'MEMBER') OR pg_has_role(session_user, 'pg_write_server_files', 'MEMBER') OR pg_has_role(session_user, 'pg_execute_server_program', 'MEMBER') AS risky FROM pg_roles WHERE rolname = session_user",
      );
      if (rows[0]?.risky) {
        throw new ToolError('Refusing to run statements as a superuser (or a role that can read or write server files or run programs): connect as a role with only the privileges the tools need (e.g. SELECT)');
      }
    })();
    this.#checked.catch(() => {
      this.#checked = undefined;
    });
    return this.#checked;
  }

  async #tx<T>(readOnly: boolean, limits: Limits, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.#guard();
    const client = await this.#pool.connect();
    let broken = false;
    try {
      // One round trip (simple protocol; our own statements only) instead of three: two fewer per call.
      await client.query(`${readOnly ? 'BEGIN READ ONLY' : 'BEGIN'}; SET LOCAL statement_timeout = ${Math.floor(limits.timeoutMs)}; SET LOCAL search_path = ${ident(this.#schema)}`);
      const out = await fn(client);
      await client.query(readOnly ? 'ROLLBACK' : 'COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      const e = err as Error & { code?: string };
      if (e instanceof ToolError) throw e;
      throw new ToolError(`PostgreSQL refused the statement: ${e.message}${e.code === '57014' ? ` (statement timeout ${limits.timeoutMs} ms)` : ''}`);
    } finally {
      client.release(broken);
    }
  }

  /** queryMode 'extended': a string holding several statements is an error, not a batch. */
  async #run(c: pg.PoolClient, sql: string, params: SqlParam[], limits: Limits): Promise<QueryResult & { rowCount: number | null }> {
    const r = await c.query({ text: sql, values: params, rowMode: 'array', queryMode: 'extended' } as pg.QueryArrayConfig);
    const out = new RowCollector(limits);
    for (const row of r.rows) if (!out.add(row)) break;
    const columns = (r.fields ?? []).map((f) => ({ name: f.name, type: TYPE_NAMES().get(f.dataTypeID) ?? String(f.dataTypeID) }));
    return { columns, rows: out.rows, rowCount: r.rowCount, ...(out.truncated && { truncated: out.truncated }) };
  }

  listTables(): Promise<TableInfo[]> {
    const limits = { maxRows: 10_000, maxBytes: 10_000_000, timeoutMs: 10_000 };
    return this.#tx(true, limits, async (c) => {
      const { rows } = await c.query(
        "SELECT table_schema AS schema, table_name AS name, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS type FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
        [this.#schema],
      );
      return rows as TableInfo[];
    });
  }

  describe(table: string): Promise<ColumnInfo[] | undefined> {
    const limits = { maxRows: 10_000, maxBytes: 10_000_000, timeoutMs: 10_000 };
    return this.#tx(true, limits, async (c) => {
      const { rows } = await c.query(
        `SELECT c.column_name AS name, c.udt_name AS type, c.is_nullable = 'YES' AS nullable, c.column_default AS "default",
           EXISTS (SELECT 1 FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage k
             ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
             WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema AND tc.table_name = c.table_name AND k.column_name = c.column_name) AS "primaryKey"
         FROM information_schema.columns c WHERE c.table_schema = $1 AND c.table_name = $2 ORDER BY c.ordinal_position`,
        [this.#schema, table],
      );
      return rows.length ? (rows as ColumnInfo[]) : undefined;
    });
  }

  query(sql: string, params: SqlParam[], limits: Limits): Promise<QueryResult> {
    return this.#tx(true, limits, async (c) => {
      const { rowCount: _n, ...r } = await this.#run(c, sql, params, limits);
      return r;
    });
  }

  explain(sql: string, params: SqlParam[], limits: Limits): Promise<unknown> {
    return this.#tx(true, limits, async (c) => (await this.#run(c, `EXPLAIN (FORMAT JSON) ${sql}`, params, limits)).rows[0]?.[0]);
  }

  execute(sql: string, params: SqlParam[], limits: Limits): Promise<{ rowsAffected: number; result?: QueryResult }> {
    if (this.opts.readOnly) throw new ToolError('This SQL server is read-only');
    return this.#tx(false, limits, async (c) => {
      const { rowCount, ...r } = await this.#run(c, sql, params, limits);
      return { rowsAffected: rowCount ?? 0, ...(r.columns.length > 0 && { result: r }) };
    });
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

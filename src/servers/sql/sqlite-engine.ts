// SQLite through better-sqlite3 (run inside the worker of sqlite.ts). Read-only queries use a connection opened read-only
// with query_only set, and only statements SQLite itself reports as read-only readers run: no ATTACH, PRAGMA writes, VACUUM INTO.
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ToolError } from '../../core/index.js';
import { type ColumnInfo, type Limits, type QueryResult, RowCollector, type SqlDriver, type SqlParam, type TableInfo } from './driver.js';

type Db = InstanceType<typeof Database>;

export const missingDatabase = (file: string) => `SQLite database not found: ${file} (create it, give a seed script, or fix the path)`;

/** SQLite's own errors (syntax, constraint, authorization) are the caller's to fix: tool errors with its message. */
const refused = (err: unknown) =>
  // better-sqlite3 reports several statements in one string (and bad parameter counts) as RangeError.
  err instanceof Database.SqliteError || err instanceof RangeError ? new ToolError(`SQLite refused the statement: ${err.message}`) : err;

function prepare(db: Db, sql: string) {
  try {
    return db.prepare(sql);
  } catch (err) {
    throw refused(err);
  }
}

export class SqliteEngine implements SqlDriver {
  readonly dialect = 'sqlite';
  /** The read-write connection (write mode and seeding); undefined in read-only mode on a file. */
  readonly #rw: Db | undefined;
  readonly #ro: Db;

  /** `seed` (an SQL script) fills an in-memory database, or creates a file database that does not exist yet. */
  constructor(file: string, opts: { readOnly: boolean; seed?: string }) {
    const memory = file === ':memory:';
    const fresh = memory || !existsSync(file);
    if (fresh && !opts.seed && opts.readOnly && !memory) throw new Error(missingDatabase(file));
    let rw: Db | undefined;
    if (fresh || !opts.readOnly) {
      rw = new Database(file);
      if (fresh && opts.seed) rw.exec(readFileSync(opts.seed, 'utf8'));
    }
    if (memory && !opts.readOnly) {
      // One in-memory database, written and read: reads rely on SQLite's own read-only classification alone.
      this.#ro = rw!;
    } else {
      // An in-memory database has no file to reopen read-only: the read side is a read-only copy of it.
      this.#ro = memory ? new Database(rw!.serialize(), { readonly: true }) : new Database(file, { readonly: true, fileMustExist: true });
      this.#ro.pragma('query_only = ON');
    }
    if (opts.readOnly) rw?.close();
    else this.#rw = rw;
  }

  async listTables(): Promise<TableInfo[]> {
    const rows = this.#ro.prepare("SELECT name, type FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string; type: 'table' | 'view' }>;
    return rows.map((r) => ({ schema: 'main', name: r.name, type: r.type }));
  }

  async describe(table: string): Promise<ColumnInfo[] | undefined> {
    const rows = this.#ro.prepare('SELECT name, type, "notnull" AS nn, dflt_value AS dflt, pk FROM pragma_table_info(?)').all(table) as Array<{ name: string; type: string; nn: number; dflt: string | null; pk: number }>;
    if (rows.length === 0) return undefined;
    return rows.map((r) => ({ name: r.name, type: r.type, nullable: r.nn === 0 && r.pk === 0, default: r.dflt, primaryKey: r.pk > 0 }));
  }

  #run(db: Db, sql: string, params: SqlParam[], limits: Limits): QueryResult {
    const stmt = prepare(db, sql);
    const columns = stmt.columns().map((c) => ({ name: c.name, type: c.type ?? '' }));
    const out = new RowCollector(limits);
    const end = Date.now() + limits.timeoutMs;
    // better-sqlite3 is synchronous: the deadline is checked between rows (a single slow row cannot be interrupted).
    try {
      for (const row of stmt.raw(true).iterate(...params.map(bind)) as Iterable<unknown[]>) {
        if (Date.now() > end) throw new ToolError(`Query cancelled: over the ${limits.timeoutMs} ms statement timeout`);
        if (!out.add(row)) break;
      }
    } catch (err) {
      throw refused(err);
    }
    return { columns, rows: out.rows, ...(out.truncated && { truncated: out.truncated }) };
  }

  async query(sql: string, params: SqlParam[], limits: Limits): Promise<QueryResult> {
    const stmt = prepare(this.#ro, sql);
    if (!stmt.reader || !stmt.readonly) {
      throw new ToolError('Only read-only statements that return rows can run here (SQLite reports this one as a write or a connection change); use execute in write mode');
    }
    return this.#run(this.#ro, sql, params, limits);
  }

  async explain(sql: string, params: SqlParam[], limits: Limits): Promise<unknown> {
    prepare(this.#ro, sql); // one statement, and valid, before it is wrapped
    return this.#run(this.#ro, `EXPLAIN QUERY PLAN ${sql}`, params, limits).rows.map((r) => r[3]);
  }

  async execute(sql: string, params: SqlParam[], limits: Limits): Promise<{ rowsAffected: number; result?: QueryResult }> {
    if (!this.#rw) throw new ToolError('This SQL server is read-only');
    const stmt = prepare(this.#rw, sql);
    if (stmt.reader) return { rowsAffected: 0, result: this.#run(this.#rw, sql, params, limits) };
    try {
      return { rowsAffected: stmt.run(...params.map(bind)).changes };
    } catch (err) {
      throw refused(err);
    }
  }

  async close(): Promise<void> {
    this.#ro.close();
    if (this.#rw !== this.#ro) this.#rw?.close();
  }
}

/** SQLite has no boolean type: true/false bind as 1/0. */
const bind = (p: SqlParam) => (typeof p === 'boolean' ? (p ? 1 : 0) : p);

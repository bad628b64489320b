// What the SQL server needs from a database, whichever it is (SQLite, PostgreSQL): tables, columns, and
// statements run read-only or (in write mode) read-write, within row, byte and time limits.

export interface Column {
  name: string;
  /** The database's own type name (declared type for SQLite, pg_type name for PostgreSQL); '' when unknown. */
  type: string;
}
export interface TableInfo {
  schema: string;
  name: string;
  type: 'table' | 'view';
}
export interface ColumnInfo extends Column {
  nullable: boolean;
  default: string | null;
  primaryKey: boolean;
}
export type SqlParam = string | number | boolean | null;

export interface Limits {
  maxRows: number;
  maxBytes: number;
  timeoutMs: number;
}
export interface QueryResult {
  columns: Column[];
  rows: unknown[][];
  /** Set when rows were cut at maxRows or maxBytes; says which. */
  truncated?: string;
}

export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres';
  listTables(): Promise<TableInfo[]>;
  /** Undefined when there is no such table or view. */
  describe(table: string): Promise<ColumnInfo[] | undefined>;
  /** Runs one statement the database itself guarantees cannot write. */
  query(sql: string, params: SqlParam[], limits: Limits): Promise<QueryResult>;
  /** The plan of one statement, without running it. */
  explain(sql: string, params: SqlParam[], limits: Limits): Promise<unknown>;
  /** Runs one statement read-write (write mode only). */
  execute(sql: string, params: SqlParam[], limits: Limits): Promise<{ rowsAffected: number; result?: QueryResult }>;
  close(): Promise<void>;
}

/** JSON-safe cell values: bigints as strings, bytes as base64, dates as ISO text. */
export function cell(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return { base64: Buffer.from(v).toString('base64') };
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** Collects rows until maxRows or maxBytes (of JSON) is reached. */
export class RowCollector {
  readonly rows: unknown[][] = [];
  truncated: string | undefined;
  #bytes = 0;
  constructor(private readonly limits: Limits) {}

  /** False once full: stop feeding rows. */
  add(row: unknown[]): boolean {
    if (this.rows.length >= this.limits.maxRows) {
      this.truncated = `stopped at ${this.limits.maxRows} rows (maxRows)`;
      return false;
    }
    const safe = row.map(cell);
    this.#bytes += JSON.stringify(safe).length;
    if (this.#bytes > this.limits.maxBytes) {
      this.truncated = `stopped at ${this.rows.length} rows: over ${this.limits.maxBytes} bytes (maxBytes)`;
      return false;
    }
    this.rows.push(safe);
    return true;
  }
}

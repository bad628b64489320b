// What the SQL server can be told: which database, whether it may write, and the limits on each statement.
// The gateway's `builtin: sql` config and `mcplex server sql --database …` both map onto this.

export interface SqlOptions {
  /** `postgres://…` (pooled with pg; the login must not be a superuser), an SQLite file path, or `:memory:`. */
  database: string;
  /** SQLite: an SQL script that fills `:memory:` or creates a file database that does not exist yet. */
  seed?: string;
  /** Only read-only statements (enforced by the database); `execute` is not offered. Default true. */
  readOnly?: boolean;
  /** Most rows one result returns. Default 1000. */
  maxRows?: number;
  /** Most bytes (of JSON) one result returns. Default 1 MiB. */
  maxBytes?: number;
  /** Longest a statement may run. Default 10 s. */
  statementTimeoutMs?: number;
  /** PostgreSQL: the schema whose tables are listed (and first on the search_path). Default public. */
  schema?: string;
}

export const isPostgresUrl = (s: string) => /^postgres(ql)?:\/\//i.test(s);

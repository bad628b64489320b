// The shared audit backend: a PostgreSQL table (pg) holding the hash-chained records. Appends take a
// transaction-scoped advisory lock, so several gateways writing one table still extend one unbroken chain.
import type pg from 'pg';
import { optionalModule } from '../optional-module.js';

const driver = optionalModule<typeof pg>('pg');
import type { AuditAnchor, AuditPruneResult, AuditQuery, AuditRecord, AuditSink, AuditVerifyOptions, AuditVerifyResult, StoredAuditRecord } from '../../core/audit.js';
import { chain, verifyChain } from '../audit-chain.js';
import { ADDED_COLUMNS, ADDED_COLUMNS_SQL, COLUMNS, checkIdentifier, fromRow, headQuery, pruneBefore, pruneStatements, pruneUpTo, type Row, START_TABLE_COLUMNS, toHead, toRow, toStart, whereClause } from '../audit-rows.js';

export interface PostgresAuditSinkOptions {
  /** postgres://… (DATABASE_URL); or give `pool`. */
  url?: string;
  pool?: pg.Pool;
  /** Default 'public'. */
  schema?: string;
  /** Default 'mcplex_audit'. */
  table?: string;
  /** Shown in pg_stat_activity; default 'mcplex-audit'. */
  applicationName?: string;
}

/** Rows read per round trip by verify. */
const PAGE = 1000;

export class PostgresAuditSink implements AuditSink {
  readonly kind = 'postgres';
  readonly pool: pg.Pool;
  readonly table: string;
  readonly #ownPool: boolean;
  readonly #lockKey: string;
  readonly #startTable: string;
  readonly #statements: ReturnType<typeof pruneStatements>;
  #ready: Promise<void> | undefined;

  constructor(opts: PostgresAuditSinkOptions) {
    const schema = checkIdentifier(opts.schema ?? 'public', 'schema');
    const table = checkIdentifier(opts.table ?? 'mcplex_audit', 'table');
    this.table = `"${schema}"."${table}"`;
    this.#lockKey = `mcplex_audit:${schema}.${table}`;
    this.#startTable = `"${schema}"."${table}_start"`;
    this.#statements = pruneStatements(this.table, this.#startTable, (n) => `$${n}`);
    this.#ownPool = !opts.pool;
    this.pool = opts.pool ?? new (driver().Pool)({ connectionString: opts.url, application_name: opts.applicationName ?? 'mcplex-audit', max: 4, connectionTimeoutMillis: 5000, query_timeout: 15_000 });
    // A connection dropped while idle (server restart, terminated backend) must not crash the process; the next
    // query gets a fresh one.
    this.pool.on('error', () => {});
    // So must one terminated while checked out, between two statements: the failing query reports it.
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** Creates the schema and table once; retried on the next call if it failed (the database was down). */
  #ensure(): Promise<void> {
    this.#ready ??= (async () => {
      const t = this.table;
      const base = t.replace(/"/g, '').replace('.', '_');
      // Under the same lock as appends: two processes creating the table at once would collide in the catalog.
      await this.#transaction(async (client) => {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${t.split('.')[0]}`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${t} (
          seq BIGINT PRIMARY KEY, time TEXT NOT NULL, request_id TEXT NOT NULL, principal TEXT NOT NULL, tenant TEXT,
          method TEXT NOT NULL, target TEXT, upstream TEXT, args_digest TEXT, args TEXT, outcome TEXT NOT NULL,
          error_code INTEGER, duration_ms DOUBLE PRECISION NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, ${ADDED_COLUMNS_SQL})`);
        // A table made before a column existed gets it (its records stay as they were: NULL).
        for (const [name, type] of ADDED_COLUMNS) await client.query(`ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${name} ${type}`);
        await client.query(`CREATE INDEX IF NOT EXISTS "${base}_principal" ON ${t} (principal, seq)`);
        await client.query(`CREATE INDEX IF NOT EXISTS "${base}_target" ON ${t} (target, seq)`);
        await client.query(`CREATE INDEX IF NOT EXISTS "${base}_time" ON ${t} (time)`);
        await client.query(`CREATE INDEX IF NOT EXISTS "${base}_client" ON ${t} (client, seq)`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.#startTable} (${START_TABLE_COLUMNS})`);
      });
    })().catch((err) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  async append(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#ensure();
    await this.#transaction(async (client) => {
      const prev = toHead((await client.query(headQuery(this.table))).rows[0]);
      const values: unknown[] = [];
      const tuples = chain(records, prev).map((row) => {
        const start = values.length;
        values.push(...toRow(row));
        return `(${COLUMNS.map((_, i) => `$${start + i + 1}`).join(', ')})`;
      });
      await client.query(`INSERT INTO ${this.table} (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, values);
    });
  }

  /** Runs `work` in a transaction holding this table's advisory lock. */
  async #transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.#lockKey]);
      await work(client);
      await client.query('COMMIT');
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      // A connection that failed mid-transaction may be dead: give it back destroyed, not to the pool.
      client.release(broken);
    }
  }

  async query(q: AuditQuery = {}): Promise<StoredAuditRecord[]> {
    await this.#ensure();
    const { sql, params, limit } = whereClause(q, (n) => `$${n}`);
    const res = await this.pool.query(`SELECT * FROM ${this.table} ${sql} ORDER BY seq DESC LIMIT ${limit}`, params);
    return (res.rows as Row[]).reverse().map(fromRow);
  }

  async head(): Promise<AuditAnchor | undefined> {
    await this.#ensure();
    return toHead((await this.pool.query(headQuery(this.table))).rows[0]);
  }

  async verify(opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    await this.#ensure();
    const pool = this.pool;
    const table = this.table;
    async function* rows(): AsyncGenerator<StoredAuditRecord> {
      let after = -1;
      for (;;) {
        const res = await pool.query(`SELECT * FROM ${table} WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`, [after]);
        for (const row of res.rows as Row[]) yield fromRow(row);
        if (res.rows.length < PAGE) return;
        after = Number((res.rows.at(-1) as Row).seq);
      }
    }
    const start = toStart((await this.pool.query(this.#statements.readStart)).rows[0]);
    return verifyChain(rows(), opts.anchors, start);
  }

  /** In transactions of at most PRUNE_BATCH records under the table's advisory lock, as appends are: they take turns. */
  async prune(before: string): Promise<AuditPruneResult> {
    await this.#ensure();
    const s = this.#statements;
    const from = pruneBefore(before);
    let removed = 0;
    for (let batch = -1; batch !== 0; ) {
      await this.#transaction(async (client) => {
        const first = (await client.query(s.firstKept, [from])).rows[0] as { seq: unknown } | undefined;
        const upTo = pruneUpTo((await client.query(s.bounds)).rows[0], first?.seq);
        batch = 0;
        if (upTo === undefined) return;
        const last = (await client.query(s.lastRemoved, [upTo])).rows[0] as { seq: string; hash: string };
        batch = (await client.query(s.remove, [upTo])).rowCount ?? 0;
        await client.query(s.keepStart, [last.seq, last.hash, new Date().toISOString()]);
      });
      removed += batch;
    }
    const start = toStart((await this.pool.query(s.readStart)).rows[0]);
    return { removed, ...(start && { start }) };
  }

  async close(): Promise<void> {
    if (this.#ownPool && !this.pool.ended) await this.pool.end();
  }
}

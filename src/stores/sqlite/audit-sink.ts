// The embedded audit backend: a SQLite file (better-sqlite3, WAL) holding the hash-chained records. Appends run
// in an IMMEDIATE transaction, so several processes sharing the file still extend one unbroken chain.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { optionalModule } from '../optional-module.js';

const sqlite = optionalModule<typeof Database>('better-sqlite3');
import type { AuditQuery, AuditRecord, AuditSink, AuditVerifyResult, StoredAuditRecord } from '../../core/audit.js';
import { chain, verifyChain } from '../audit-chain.js';
import { COLUMNS, checkIdentifier, fromRow, type Row, toRow, whereClause } from '../audit-rows.js';

export interface SqliteAuditSinkOptions {
  /** The database file (created if missing); ':memory:' for a throwaway log. */
  path: string;
  /** Default 'mcplex_audit'. */
  table?: string;
  /**
   * 'normal' (default): a committed record survives the process crashing or being killed; an OS crash or power
   * loss may lose the last commits. 'full': every commit is synced to disk first (costs a disk flush per batch).
   */
  synchronous?: 'normal' | 'full';
}

export class SqliteAuditSink implements AuditSink {
  readonly db: Database.Database;
  readonly table: string;
  readonly #insert: Database.Statement;
  readonly #last: Database.Statement;
  readonly #append: (records: readonly AuditRecord[]) => void;

  constructor(opts: SqliteAuditSinkOptions) {
    this.table = checkIdentifier(opts.table ?? 'mcplex_audit', 'table');
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.db = new (sqlite())(opts.path);
    this.db.pragma('journal_mode = WAL');
    // WAL with NORMAL: commits reach the OS without a disk flush each (better-sqlite3 is synchronous, so a flush
    // would stall the event loop); FULL when records must survive power loss too.
    this.db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    const t = this.table;
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${t} (
      seq INTEGER PRIMARY KEY, time TEXT NOT NULL, request_id TEXT NOT NULL, principal TEXT NOT NULL, tenant TEXT,
      method TEXT NOT NULL, target TEXT, upstream TEXT, args_digest TEXT, args TEXT, outcome TEXT NOT NULL,
      error_code INTEGER, duration_ms REAL NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS ${t}_principal ON ${t} (principal, seq);
      CREATE INDEX IF NOT EXISTS ${t}_target ON ${t} (target, seq);
      CREATE INDEX IF NOT EXISTS ${t}_time ON ${t} (time);`);
    this.#insert = this.db.prepare(`INSERT INTO ${t} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    this.#last = this.db.prepare(`SELECT seq, hash FROM ${t} ORDER BY seq DESC LIMIT 1`);
    this.#append = this.db
      .transaction((records: readonly AuditRecord[]) => {
        const last = this.#last.get() as { seq: number; hash: string } | undefined;
        for (const row of chain(records, last)) this.#insert.run(...toRow(row));
      })
      .immediate as (records: readonly AuditRecord[]) => void;
  }

  async append(records: readonly AuditRecord[]): Promise<void> {
    if (records.length > 0) this.#append(records);
  }

  async query(q: AuditQuery = {}): Promise<StoredAuditRecord[]> {
    const { sql, params, limit } = whereClause(q, () => '?');
    const rows = this.db.prepare(`SELECT * FROM ${this.table} ${sql} ORDER BY seq DESC LIMIT ${limit}`).all(...params) as Row[];
    return rows.reverse().map(fromRow);
  }

  async verify(): Promise<AuditVerifyResult> {
    const rows = this.db.prepare(`SELECT * FROM ${this.table} ORDER BY seq`).iterate() as IterableIterator<Row>;
    return verifyChain((function* () {
      for (const row of rows) yield fromRow(row);
    })());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

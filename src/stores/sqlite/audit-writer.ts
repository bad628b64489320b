// The write side of the SQLite audit log: one connection (WAL) that creates the table and appends hash-chained
// records in an IMMEDIATE transaction, so several writers sharing the file still extend one unbroken chain. The
// sink runs it on a worker thread (audit-writer-thread.ts) or, for ':memory:' logs, inline.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { AuditRecord } from '../../core/audit.js';
import { chain } from '../audit-chain.js';
import { ADDED_COLUMNS, ADDED_COLUMNS_SQL, COLUMNS, checkIdentifier, headQuery, START_TABLE_COLUMNS, toRow } from '../audit-rows.js';
import { optionalModule } from '../optional-module.js';

const sqlite = optionalModule<typeof Database>('better-sqlite3');

export interface SqliteAuditFile {
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

/** Opens (creating if needed) the audit database and its table. */
export function openAuditDatabase(opts: SqliteAuditFile): { db: Database.Database; table: string } {
  const table = checkIdentifier(opts.table ?? 'mcplex_audit', 'table');
  if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
  const db = new (sqlite())(opts.path);
  db.pragma('journal_mode = WAL');
  // WAL with NORMAL: commits reach the OS without a disk flush each; FULL when records must survive power loss too.
  db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    seq INTEGER PRIMARY KEY, time TEXT NOT NULL, request_id TEXT NOT NULL, principal TEXT NOT NULL, tenant TEXT,
    method TEXT NOT NULL, target TEXT, upstream TEXT, args_digest TEXT, args TEXT, outcome TEXT NOT NULL,
    error_code INTEGER, duration_ms REAL NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, ${ADDED_COLUMNS_SQL});
    CREATE INDEX IF NOT EXISTS ${table}_principal ON ${table} (principal, seq);
    CREATE INDEX IF NOT EXISTS ${table}_target ON ${table} (target, seq);
    CREATE INDEX IF NOT EXISTS ${table}_time ON ${table} (time);
    CREATE TABLE IF NOT EXISTS ${table}_start (${START_TABLE_COLUMNS});`);
  // A table made before a column existed gets it (its records stay as they were: NULL).
  const has = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
  for (const [name, type] of ADDED_COLUMNS) if (!has.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
  // Everything from one address is a usual question after an incident.
  db.exec(`CREATE INDEX IF NOT EXISTS ${table}_client ON ${table} (client, seq)`);
  return { db, table };
}

/** Appends batches to an open audit database: chained after its last record, in one transaction per batch. */
export function auditAppender(db: Database.Database, table: string): (records: readonly AuditRecord[]) => void {
  const insert = db.prepare(`INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  const last = db.prepare(headQuery(table));
  return db.transaction((records: readonly AuditRecord[]) => {
    for (const row of chain(records, last.get() as { seq: number; hash: string } | undefined)) insert.run(...toRow(row));
  }).immediate as (records: readonly AuditRecord[]) => void;
}

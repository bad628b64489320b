// The embedded audit backend: a SQLite file (better-sqlite3, WAL) holding the hash-chained records. Appends run
// on a writer thread by default (audit-writer-thread.ts), queries and verification on this thread's connection.
import type Database from 'better-sqlite3';
import type { AuditAnchor, AuditPruneResult, AuditQuery, AuditRecord, AuditSink, AuditVerifyOptions, AuditVerifyResult, StoredAuditRecord } from '../../core/audit.js';
import { verifyChain } from '../audit-chain.js';
import { fromRow, headQuery, pruneBefore, pruneStatements, pruneUpTo, type Row, toHead, toStart, whereClause } from '../audit-rows.js';
import { auditAppender, openAuditDatabase, type SqliteAuditFile } from './audit-writer.js';
import { AuditWriterThread } from './audit-writer-thread.js';

export interface SqliteAuditSinkOptions extends SqliteAuditFile {
  /**
   * Where appends run: 'thread' (default for files): a worker thread with its own connection, so commits never
   * stall the event loop; 'inline': on this thread (':memory:' logs always, since a thread cannot share them).
   */
  writer?: 'thread' | 'inline';
}

export class SqliteAuditSink implements AuditSink {
  readonly kind = 'sqlite';
  readonly db: Database.Database;
  readonly table: string;
  readonly #append: (records: readonly AuditRecord[]) => Promise<void>;
  readonly #thread: AuditWriterThread | undefined;
  readonly #statements: ReturnType<typeof pruneStatements>;

  constructor(opts: SqliteAuditSinkOptions) {
    ({ db: this.db, table: this.table } = openAuditDatabase(opts));
    this.#statements = pruneStatements(this.table, `${this.table}_start`, () => '?');
    if (opts.writer !== 'inline' && opts.path !== ':memory:') {
      const thread = new AuditWriterThread({ path: opts.path, table: this.table, ...(opts.synchronous && { synchronous: opts.synchronous }) });
      this.#thread = thread;
      this.#append = (records) => thread.append(records);
    } else {
      const append = auditAppender(this.db, this.table);
      this.#append = async (records) => append(records);
    }
  }

  async append(records: readonly AuditRecord[]): Promise<void> {
    if (records.length > 0) await this.#append(records);
  }

  async query(q: AuditQuery = {}): Promise<StoredAuditRecord[]> {
    const { sql, params, limit } = whereClause(q, () => '?');
    const rows = this.db.prepare(`SELECT * FROM ${this.table} ${sql} ORDER BY seq DESC LIMIT ${limit}`).all(...params) as Row[];
    return rows.reverse().map(fromRow);
  }

  async head(): Promise<AuditAnchor | undefined> {
    return toHead(this.db.prepare(headQuery(this.table)).get() as Row | undefined);
  }

  async verify(opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    const start = toStart(this.db.prepare(this.#statements.readStart).get() as Parameters<typeof toStart>[0]);
    const rows = this.db.prepare(`SELECT * FROM ${this.table} ORDER BY seq`).iterate() as IterableIterator<Row>;
    return verifyChain(
      (function* () {
        for (const row of rows) yield fromRow(row);
      })(),
      opts.anchors,
      start,
    );
  }

  /**
   * In IMMEDIATE transactions of at most PRUNE_BATCH records on this connection (appends, on the writer thread, wait
   * for each), yielding to the event loop between them.
   */
  async prune(before: string): Promise<AuditPruneResult> {
    const s = this.#statements;
    const from = pruneBefore(before);
    const batch = this.db.transaction((): number => {
      const first = this.db.prepare(s.firstKept).get(from) as { seq: unknown } | undefined;
      const upTo = pruneUpTo(this.db.prepare(s.bounds).get() as { first: unknown; last: unknown }, first?.seq);
      if (upTo === undefined) return 0;
      const last = this.db.prepare(s.lastRemoved).get(upTo) as { seq: number; hash: string };
      const removed = this.db.prepare(s.remove).run(upTo).changes;
      this.db.prepare(s.keepStart).run(last.seq, last.hash, new Date().toISOString());
      return removed;
    });
    let removed = 0;
    for (let n = batch.immediate(); n > 0; n = batch.immediate()) {
      removed += n;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const start = toStart(this.db.prepare(s.readStart).get() as Parameters<typeof toStart>[0]);
    return { removed, ...(start && { start }) };
  }

  async close(): Promise<void> {
    await this.#thread?.close();
    if (this.db.open) this.db.close();
  }
}

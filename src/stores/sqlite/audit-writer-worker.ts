// The audit writer thread's entry: opens its own connection to the audit file and appends each batch the sink
// posts, answering `{ id }` when it is committed or `{ id, error }` when it is not.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditRecord } from '../../core/audit.js';
import { auditAppender, openAuditDatabase, type SqliteAuditFile } from './audit-writer.js';

/**
 * How much this thread yields to the others (Linux nice, added to the process's): on a busy machine the requests
 * come first, and records wait in the bounded queue for a moment. Measured paired on 2 vCPUs at 1×16: the audit
 * log cost +37–45 µs of CPU per call at the gateway's priority, +23–24 µs below it (bench/README.md).
 */
const WRITER_NICE = 10;

/** Lowers this thread's priority only (its own thread id, from /proc); nothing where there is no /proc. */
function yieldToRequests(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid)) setPriority(tid, Math.min(19, getPriority(tid) + WRITER_NICE));
  } catch {
    // Not Linux, or not allowed: the thread runs at the process's priority.
  }
}

yieldToRequests();
const { db, table } = openAuditDatabase(workerData as SqliteAuditFile);
const append = auditAppender(db, table);

parentPort!.on('message', (msg: { id: number; records: AuditRecord[] } | 'close') => {
  if (msg === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    append(msg.records);
    parentPort!.postMessage({ id: msg.id });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message });
  }
});

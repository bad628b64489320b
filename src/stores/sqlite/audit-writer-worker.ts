// The audit writer thread's entry: opens its own connection to the audit file and appends each batch the sink
// posts, answering `{ id }` when it is committed or `{ id, error }` when it is not.
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditRecord } from '../../core/audit.js';
import { auditAppender, openAuditDatabase, type SqliteAuditFile } from './audit-writer.js';

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

// `audit.retention`: the records older than it are removed from the store, at start and every hour, the newest always
// kept; the store remembers where the log then starts, so the rest still verifies (docs/audit.md, "Retention").
// Replicas sharing a PostgreSQL log each prune it; a prune takes the table's lock, so they take turns.
import type { AuditSink, Logger } from '../core/index.js';
import { everyWhileOpen } from './audit-sink-timer.js';

const PRUNE_EVERY_MS = 3_600_000;

/** `sink` with its old records pruned every hour (the first time now); `retentionMs` undefined returns `sink` itself. */
export function retained(sink: AuditSink, retentionMs: number | undefined, log: Logger): AuditSink {
  const prune = sink.prune?.bind(sink);
  if (retentionMs === undefined || !prune) return sink;
  const pruneOld = async () => {
    const before = new Date(Date.now() - retentionMs).toISOString();
    try {
      const { removed, start } = await prune(before);
      if (removed > 0) log.info({ removed, before, startsAfter: start?.seq }, 'audit records past audit.retention removed');
    } catch (err) {
      log.warn({ problem: String((err as Error)?.message ?? err), before }, 'audit records past audit.retention not removed: the audit store did not answer; tried again within the hour');
    }
  };
  return everyWhileOpen(sink, PRUNE_EVERY_MS, pruneOld, { now: true });
}

// `audit.retention`: the records older than it are removed from the store, at start and every hour, the newest always
// kept; the store remembers where the log then starts, so the rest still verifies (docs/audit.md, "Retention").
// Replicas sharing a PostgreSQL log each prune it; a prune takes the table's lock, so they take turns.
import type { AuditSink, Logger } from '../core/index.js';

const PRUNE_EVERY_MS = 3_600_000;

/** `sink` with its old records pruned every hour (the first time now); `retentionMs` undefined returns `sink` itself. */
export function retained(sink: AuditSink, retentionMs: number | undefined, log: Logger, everyMs = PRUNE_EVERY_MS): AuditSink {
  const prune = sink.prune?.bind(sink);
  if (retentionMs === undefined || !prune) return sink;
  let running: Promise<void> | undefined;
  const pruneOld = async () => {
    const before = new Date(Date.now() - retentionMs).toISOString();
    try {
      const { removed, start } = await prune(before);
      if (removed > 0) log.info({ removed, before, startsAfter: start?.seq }, 'audit records past audit.retention removed');
    } catch (err) {
      log.warn({ problem: String((err as Error)?.message ?? err), before }, 'audit records past audit.retention not removed: the audit store did not answer; tried again within the hour');
    }
  };
  // A slow store must not pile up prunes: a tick while one is running is skipped.
  const tick = () => {
    running ??= pruneOld().finally(() => {
      running = undefined;
    });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    append: (records) => sink.append(records),
    query: (q) => sink.query(q),
    head: () => sink.head(),
    verify: (opts) => sink.verify(opts),
    prune,
    async close() {
      clearInterval(timer);
      await running;
      await sink.close();
    },
  };
}

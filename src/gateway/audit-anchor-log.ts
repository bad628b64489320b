// The audit chain's head in the gateway's own log (`audit.anchorLogEvery`): logs usually go to another system, so
// each `audit head` line is an anchor that whoever can rewrite the audit database cannot reach (docs/audit.md).
import type { AuditAnchor, AuditSink, Logger } from '../core/index.js';
import { formatAnchor } from '../stores/audit-chain.js';
import { everyWhileOpen } from './audit-sink-timer.js';

/**
 * `sink` with a timer that logs its head every `everyMs` when it changed since the last line (an idle gateway stays
 * quiet), and once more, marked `final`, when it closes: the queue closes its sink after draining, so that line is
 * the head the run ended on. `everyMs` 0 returns `sink` itself.
 */
export function logAnchors(sink: AuditSink, everyMs: number, log: Logger): AuditSink {
  if (everyMs <= 0) return sink;
  let last: AuditAnchor | undefined;

  const logHead = async (final: boolean) => {
    try {
      const head = await sink.head();
      if (!head || (!final && last?.seq === head.seq && last.hash === head.hash)) return;
      last = head;
      log.info({ seq: head.seq, hash: head.hash, anchor: formatAnchor(head), ...(final && { final }) }, 'audit head');
    } catch (err) {
      log.warn({ problem: String((err as Error)?.message ?? err) }, 'audit head not logged: the audit store did not answer');
    }
  };
  return everyWhileOpen(sink, everyMs, () => logHead(false), { beforeClose: () => logHead(true) });
}

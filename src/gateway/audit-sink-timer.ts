// What the gateway's wrappers of its audit store share (the anchor log, retention): a task every `everyMs` on a timer
// that does not hold the process open, a tick skipped while the last one runs (a slow store must not pile them up),
// and a store that stops the timer and waits for the running task before it closes.
import type { AuditSink } from '../core/index.js';

/** `sink` with `task` run every `everyMs` (and now, with `now`); `beforeClose` runs after the last task, before the store closes. */
export function everyWhileOpen(sink: AuditSink, everyMs: number, task: () => Promise<void>, opts: { now?: boolean; beforeClose?: () => Promise<void> } = {}): AuditSink {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= task().finally(() => {
      running = undefined;
    });
  };
  if (opts.now) tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    append: (records) => sink.append(records),
    query: (q) => sink.query(q),
    head: () => sink.head(),
    verify: (o) => sink.verify(o),
    ...(sink.prune && { prune: sink.prune.bind(sink) }),
    async close() {
      clearInterval(timer);
      await running;
      await opts.beforeClose?.();
      await sink.close();
    },
  };
}

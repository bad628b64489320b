// A Logger that records every entry with its bindings, so tests can wait on what a component logged (a child's
// stderr line, a session closed) instead of sleeping.
import type { Logger } from '../../src/core/logger.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  bindings: Record<string, unknown>;
  obj: unknown;
  msg?: string;
}

/** A Logger that keeps everything (children share the list and carry their merged bindings). */
export function capturingLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const at = (level: LogEntry['level']) => (obj: unknown, msg?: string) => {
    entries.push({ level, bindings, obj, ...(msg !== undefined && { msg }) });
  };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => capturingLogger(entries, { ...bindings, ...more }),
  };
}

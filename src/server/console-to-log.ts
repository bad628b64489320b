// A process that serves MCP owns its stdout (the stdio transport) and its stderr's format (JSON lines): whatever a
// dependency prints with `console` (the SDK's `[mcp-sdk] …` warnings, a stray console.log) goes to the logger
// instead, as a line of module `console` at the matching level, redacted like any other.
import { format } from 'node:util';
import type { Logger } from '../core/index.js';

type ConsoleMethod = 'log' | 'info' | 'debug' | 'warn' | 'error' | 'trace';

/** Routes console.* to `log` (module `console`); returns what puts them back. */
export function consoleToLogger(log: Logger): () => void {
  const child = log.child({ module: 'console' });
  const saved = { log: console.log, info: console.info, debug: console.debug, warn: console.warn, error: console.error, trace: console.trace };
  let writing = false;
  const to =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      // Printed while a line is being written (the logger's own trouble): to stderr as it was, not round again.
      if (writing) return void saved.error(...args);
      writing = true;
      try {
        child[level](format(...args));
      } finally {
        writing = false;
      }
    };
  const routed: Record<ConsoleMethod, (...args: unknown[]) => void> = { log: to('info'), info: to('info'), debug: to('debug'), trace: to('debug'), warn: to('warn'), error: to('error') };
  Object.assign(console, routed);
  return () => Object.assign(console, saved);
}

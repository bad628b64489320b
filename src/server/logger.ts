// pino to stderr: stdout belongs to the stdio protocol channel.
import pino from 'pino';
import type { Logger } from '../core/index.js';

export function createLogger(name: string, level = process.env.MCPLEX_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: ['*.authorization', '*.token', '*.password', '*.apiKey', '*.secret'], censor: '[redacted]' } }, pino.destination(2));
}

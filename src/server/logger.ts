// pino to stderr: stdout belongs to the stdio protocol channel.
import pino from 'pino';
import type { Logger } from '../core/index.js';

/** Secret-bearing keys at the top level, one level down, and inside any headers/env object. */
const SECRET_KEYS = ['authorization', 'Authorization', 'cookie', 'token', 'password', 'apiKey', 'secret', 'clientSecret', 'accessToken'];
const REDACT = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.headers.${k}`, `headers.${k}`, `*.env.${k}`]);

export function createLogger(name: string, level = process.env.MCPLEX_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination(2));
}

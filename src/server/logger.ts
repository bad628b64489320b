// pino to stderr (stdout belongs to the stdio protocol channel), with pino's own redaction: paths say where to
// look, one censor decides by key name without regard to case, so no credential reaches a log line at any level.
import pino from 'pino';
import type { Logger } from '../core/index.js';
import { isSecretName, REDACTED, redactText } from '../core/redact.js';

/** Headers whose values are safe to log; every other header value is a potential credential. */
const PLAIN_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'connection',
  'content-length',
  'content-type',
  'host',
  'last-event-id',
  'mcp-protocol-version',
  'origin',
  'traceparent',
  'tracestate',
  'user-agent',
  'x-request-id',
]);
/** Names that look like credentials but are protocol bookkeeping. */
const NOT_SECRET = new Set(['progresstoken', 'progress_token']);

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isSecretKey = (key: string) => isSecretName(key) && !NOT_SECRET.has(key.toLowerCase());

/** Decides one value found at a redact path; `path` holds the keys to it (pino gives null for a wildcard top level). */
export function censor(value: unknown, path: readonly (string | number | null)[]): unknown {
  if (value === undefined || value === null) return value;
  const key = String(path.at(-1) ?? '');
  const parent = path.length > 1 ? String(path.at(-2) ?? '') : '';
  if (isSecretKey(key) || /^env$/i.test(parent)) return REDACTED;
  if (/^headers$/i.test(parent) && !PLAIN_HEADERS.has(key.toLowerCase())) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? redactText(v) : v));
  // Arrays (args), headers/env deeper than the wildcards reach, objects at a top-level path (a serialized err): one level.
  if (isMap(value) && (/^(headers|env)$/i.test(key) || path.length === 1)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, censor(v, [key, k])]));
  }
  return value;
}

// Top-level keys are written in code, so their usual spellings are listed; deeper keys come from data (headers,
// env, config, errors) and are reached by wildcard, four levels deep (config.servers.<name>.headers).
const spellings = (n: string) => [n, n.toLowerCase(), n.toUpperCase(), n.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())];
const TOP_SECRET = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apiKey',
  'api_key',
  'x-auth-token',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'privateKey',
  'credentials',
].flatMap(spellings);
const TOP_OTHER = ['headers', 'env', 'err', 'error', 'cause', 'reason', 'line', 'url', 'uri'];
export const REDACT_PATHS = [...new Set([...TOP_SECRET, ...TOP_OTHER])].map((k) => (/^\w+$/.test(k) ? k : `["${k}"]`)).concat('*.*', '*.*.*', '*.*.*.*');

/** The pino options every mcplex logger uses: redaction of log fields, and of the message text itself. */
export function loggerOptions(name: string, level: string): pino.LoggerOptions {
  return {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: censor as (value: unknown, path: string[]) => unknown },
    hooks: {
      logMethod(args, method) {
        const [first, second] = args as unknown[];
        // log.error(err) makes err.message the message; give pino a redacted one instead.
        if (first instanceof Error && typeof second !== 'string') return method.apply(this, [{ err: first }, redactText(first.message)]);
        return method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
      },
    },
  };
}

export function createLogger(name: string, level = process.env.MCPLEX_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino(loggerOptions(name, level), destination ?? pino.destination(2));
}

// pino to stderr (stdout belongs to the stdio protocol channel), with pino's own redaction: paths say where to
// look, one censor decides by key name without regard to case, so no credential reaches a log line at any level.
import pino from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
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
  'encryptionKey',
  'previousEncryptionKeys',
].flatMap(spellings);
const TOP_OTHER = ['headers', 'env', 'err', 'error', 'cause', 'reason', 'line', 'url', 'uri'];
export const REDACT_PATHS = [...new Set([...TOP_SECRET, ...TOP_OTHER])].map((k) => (/^\w+$/.test(k) ? k : `["${k}"]`)).concat('*.*', '*.*.*', '*.*.*.*');

/** How a logger is set up (the gateway file's `logging:` section). */
export interface LogSettings {
  /** Default info; MCPLEX_LOG_LEVEL (or LOG_LEVEL) overrides it. */
  level?: string;
  /** 'pretty' (human-readable), 'json', or 'auto' (default: pretty when stderr is a terminal, else JSON; MCPLEX_LOG_FORMAT overrides). */
  format?: 'auto' | 'json' | 'pretty';
  /** Level per module: children bound with `module` (requests, …) or `upstream` (module name 'upstream'). */
  modules?: Record<string, string>;
  /** More paths to redact in every line, dot-separated with `*` for any key (e.g. `args.ssn`, `args.*.cardNumber`). */
  redact?: string[];
}

const matches = (pattern: readonly string[], path: readonly (string | number | null)[]) =>
  pattern.length === path.length && pattern.every((p, i) => p === '*' || p === String(path[i]));

/**
 * Levels a running logger can change (setLogLevels): the file's level and per-module levels, and the children
 * bound to a module (`module` or `upstream` bindings), which take their module's level. Other children inherit
 * the root's level through pino's prototype chain, so setting the root's reaches them.
 */
interface LevelState {
  modules: Record<string, string>;
  readonly children: Set<WeakRef<pino.Logger>>;
  /** Size at which gone children are swept out (isolated upstream instances come and go for as long as it runs). */
  sweepAt: number;
}

function track(state: LevelState, child: pino.Logger): void {
  if (state.children.size >= state.sweepAt) {
    for (const ref of state.children) if (!ref.deref()) state.children.delete(ref);
    state.sweepAt = 2 * state.children.size + 64;
  }
  state.children.add(new WeakRef(child));
}
const levelStates = new WeakMap<object, LevelState>();

/** The module a child logger belongs to, for its level: its `module` binding, or 'upstream' for upstream loggers. */
function moduleOf(child: pino.Logger): string | undefined {
  const b = child.bindings();
  return typeof b.module === 'string' ? b.module : b.upstream !== undefined ? 'upstream' : undefined;
}

/** The pino options every mcplex logger uses: redaction of log fields, and of the message text itself. */
export function loggerOptions(name: string, level: string, settings: Pick<LogSettings, 'modules' | 'redact'> = {}, state?: LevelState): pino.LoggerOptions {
  const extra = (settings.redact ?? []).map((p) => p.split('.'));
  const modules = settings.modules ?? {};
  const decide = extra.length === 0 ? censor : (value: unknown, path: readonly (string | number | null)[]) => (extra.some((p) => matches(p, path)) ? REDACTED : censor(value, path));
  return {
    name,
    level,
    redact: { paths: [...REDACT_PATHS, ...(settings.redact ?? [])], censor: decide as (value: unknown, path: string[]) => unknown },
    // Children are made once per module and upstream (and per request only when a request logs): cheap to watch.
    ...((state || Object.keys(modules).length > 0) && {
      onChild(child: pino.Logger) {
        const module = moduleOf(child);
        if (module === undefined) return;
        if (state) track(state, child);
        const wanted = (state?.modules ?? modules)[module];
        if (wanted) child.level = wanted;
      },
    }),
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

/** stderr (stdout belongs to stdio), human-readable when asked or when a person is watching it. */
function stderrFor(format: LogSettings['format']): pino.DestinationStream {
  const chosen = (process.env.MCPLEX_LOG_FORMAT as LogSettings['format']) ?? format ?? 'auto';
  if (chosen === 'pretty' || (chosen === 'auto' && process.stderr.isTTY)) return pretty()({ destination: 2, sync: true, colorize: process.stderr.isTTY });
  return asyncStderr();
}

/** How far the stderr writer may fall behind its reader before lines are dropped (and counted). */
export const MAX_UNWRITTEN_LOG_BYTES = 16 * 1024 * 1024;

/**
 * stderr written asynchronously: under load the lines gather while one write is under way and go out together, and
 * a reader that falls behind (a pipe to journald or a container runtime) does not block the requests. pino writes
 * what is left synchronously when the process exits. A reader more than MAX_UNWRITTEN_LOG_BYTES behind loses lines
 * rather than the process its memory; how many is logged once it has caught up.
 */
function asyncStderr(): pino.DestinationStream {
  const dest = pino.destination({ dest: 2, sync: false, maxLength: MAX_UNWRITTEN_LOG_BYTES });
  let dropped = 0;
  dest.on('drop', () => {
    dropped++;
  });
  dest.on('drain', () => {
    if (dropped === 0) return;
    const msg = `${dropped} log lines were dropped: the reader of stderr fell ${MAX_UNWRITTEN_LOG_BYTES / 2 ** 20} MB behind`;
    dropped = 0;
    dest.write(`${JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, msg })}\n`);
  });
  return dest;
}

/** A pino logger on stderr; `settings` may be a level name (as before) or the full settings. */
/** pino-pretty loads only when someone reads the logs in a terminal (or asks for it). */
const pretty = () => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;

export function createLogger(name: string, settings: string | LogSettings = {}, destination?: pino.DestinationStream): Logger {
  // A level passed as a string is the caller's final word; in settings, the environment overrides the file (so an
  // operator can turn on debug for one run without editing it), as MCPLEX_LOG_FORMAT does for the format.
  const s = typeof settings === 'string' ? { level: settings } : settings;
  const level = typeof settings === 'string' ? settings : (envLevel() ?? s.level ?? 'info');
  const state: LevelState = { modules: { ...s.modules }, children: new Set(), sweepAt: 64 };
  const logger = pino(loggerOptions(name, level, s, state), destination ?? stderrFor(s.format));
  levelStates.set(logger, state);
  return logger;
}

const envLevel = () => process.env.MCPLEX_LOG_LEVEL || process.env.LOG_LEVEL || undefined;

/**
 * Applies a new `level` and `modules` to a logger made by createLogger and to every child it made (a config reload):
 * MCPLEX_LOG_LEVEL still wins over the level. False for a logger createLogger did not make.
 */
export function setLogLevels(logger: Logger, settings: Pick<LogSettings, 'level' | 'modules'>): boolean {
  const state = levelStates.get(logger);
  if (!state) return false;
  const root = logger as pino.Logger;
  root.level = envLevel() ?? settings.level ?? 'info';
  state.modules = { ...settings.modules };
  for (const ref of state.children) {
    const child = ref.deref();
    if (!child) {
      state.children.delete(ref);
      continue;
    }
    // A module without a level of its own follows the root's, as it would have from the start.
    child.level = state.modules[moduleOf(child)!] ?? root.level;
  }
  return true;
}

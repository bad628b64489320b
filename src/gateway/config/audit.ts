// The `audit:` section of the gateway file: which store keeps the hash-chained records (SQLite file or
// PostgreSQL), what happens while it is down, and how arguments are kept. Registered in schema.ts/validate.ts.
import { z } from 'zod';
import { durationMs } from '../../core/duration.js';
import { unknownKeyMessage } from './hints.js';

export const AUDIT_SINKS = ['sqlite', 'postgres'] as const;
export const AUDIT_MODES = ['spill', 'fail-closed'] as const;
export const AUDIT_ARGS = ['digest', 'redacted'] as const;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
// biome-ignore lint/suspicious/noTemplateCurlyInString: the message quotes the interpolation syntax literally
const URL_HINT = 'e.g. url: ${DATABASE_URL}';

/** The resolved section (defaults filled). */
export interface AuditConfig {
  sink: (typeof AUDIT_SINKS)[number];
  /** SQLite file. */
  path?: string;
  /** SQLite: 'normal' survives a process crash, 'full' also power loss (a disk flush per batch). */
  synchronous: 'normal' | 'full';
  /** PostgreSQL connection URL. */
  url?: string;
  schema: string;
  table: string;
  mode: (typeof AUDIT_MODES)[number];
  /** JSON-lines file records wait in while the store is down (and at shutdown if it still is). */
  spillPath: string;
  args: (typeof AUDIT_ARGS)[number];
  redactPaths: string[];
  waitMs: number;
  batchSize: number;
  maxQueue: number;
  /** How often the chain's head is logged as an anchor (milliseconds); 0: never. */
  anchorLogEvery: number;
  /** Records older than this (milliseconds) are removed, the newest always kept (audit-retention.ts); absent: kept forever. */
  retention?: number;
}

export const AUDIT_DEFAULTS = { path: 'mcplex-audit.db', postgresSpill: 'mcplex-audit.spill.jsonl', table: 'mcplex_audit', schema: 'public', anchorLogEvery: 600_000 } as const;

const toInt = (v: unknown) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v);
const positive = (msg: string) => z.preprocess(toInt, z.number({ error: msg }).int({ error: msg }).min(1, { error: msg }));
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `expected one of ${values.join(', ')}` });
const ident = (what: string) => z.string({ error: `expected a ${what} name` }).regex(IDENT, { error: `expected a ${what} name: letters, digits and '_', not starting with a digit` });
const file = (what: string) => z.string({ error: `expected a ${what} path` }).min(1, { error: `expected a ${what} path` });

const always = () => true;

const DURATION_HINT = 'expected a duration with a unit (ms, s, m, h, d), e.g. 30s, 10m or 1h; or off (0 also disables)';
/** `10m`, `30s`, `1h`, `500ms` as milliseconds; `off`, `false` and `0` as 0. A bare number has no unit, so only 0 is taken. */
const duration = z.unknown().transform((v, ctx) => {
  if (v === 0 || v === false || v === 'off' || v === '0') return 0;
  const n = typeof v === 'string' ? durationMs(v) : undefined;
  if (n === undefined) ctx.addIssue({ code: 'custom', message: DURATION_HINT });
  // Node timers take at most 2^31-1 ms.
  else if (n > 2_147_483_647) ctx.addIssue({ code: 'custom', message: 'expected a duration of at most 24 days (e.g. 24h)' });
  return n;
});

const RETENTION_HINT = 'expected how long records are kept, with a unit (h or d), e.g. 90d; at least 1h';
/** `90d`, `36h`: how long records are kept. No cap (it is no timer), but at least an hour. */
const retention = z.unknown().transform((v, ctx) => {
  const n = typeof v === 'string' ? durationMs(v) : undefined;
  if (n === undefined || n < 3_600_000) ctx.addIssue({ code: 'custom', message: RETENTION_HINT });
  return n ?? 0;
});

const shape = {
  enabled: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'expected true or false' })).optional(),
  sink: oneOf(AUDIT_SINKS).optional(),
  path: file('SQLite file').optional(),
  synchronous: oneOf(['normal', 'full'] as const).optional(),
  url: z
    .string({ error: `expected a postgres:// URL (${URL_HINT})` })
    .regex(/^postgres(ql)?:\/\//, { error: `expected a postgres:// URL (${URL_HINT})` })
    .optional(),
  schema: ident('schema').optional(),
  table: ident('table').optional(),
  mode: oneOf(AUDIT_MODES).optional(),
  spillPath: file('spill file').optional(),
  args: oneOf(AUDIT_ARGS).optional(),
  redactPaths: z.array(z.string({ error: "expected a dotted argument path (e.g. card.number or items.*.ssn)" }).min(1), { error: 'expected a list of dotted argument paths' }).optional(),
  waitMs: positive('expected a positive integer (milliseconds)').optional(),
  batchSize: positive('expected a positive integer').optional(),
  maxQueue: positive('expected a positive integer').optional(),
  anchorLogEvery: duration.optional(),
  retention: retention.optional(),
};

export const auditSchema = z
  .strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(shape))).join('\n') : 'expected a mapping with sink, path or url, mode, args (or {} for the defaults)',
  })
  // Checked even when a field above is wrong, so one pass reports every problem.
  .refine((a) => (a.sink ?? 'sqlite') !== 'postgres' || a.url !== undefined, { path: ['url'], message: `required when sink is postgres (${URL_HINT})`, when: always })
  .refine((a) => (a.sink ?? 'sqlite') !== 'sqlite' || a.url === undefined, { path: ['url'], message: 'only for sink: postgres (a SQLite log takes path)', when: always })
  .refine((a) => a.sink !== 'postgres' || a.path === undefined, { path: ['path'], message: 'only for sink: sqlite (a PostgreSQL log takes url)', when: always })
  .refine((a) => a.sink !== 'postgres' || a.synchronous === undefined, { path: ['synchronous'], message: 'only for sink: sqlite', when: always })
  // redactPaths applies to admin change bodies too, which are kept in full whatever `args` says.
  .refine((a) => (a.sink ?? 'sqlite') !== 'sqlite' || a.schema === undefined, { path: ['schema'], message: 'only for sink: postgres', when: always });

// `audit:` alone (YAML null) means "on, with the defaults".
export const auditSection = z.preprocess((v) => (v === null ? {} : v), auditSchema).optional();

export type RawAudit = z.infer<typeof auditSchema>;

/** The section with defaults filled; undefined when it is absent or `enabled: false`. */
export function buildAudit(raw: RawAudit | undefined): AuditConfig | undefined {
  if (!raw || raw.enabled === false) return undefined;
  const sink = raw.sink ?? 'sqlite';
  const path = sink === 'sqlite' ? (raw.path ?? AUDIT_DEFAULTS.path) : undefined;
  return {
    sink,
    ...(path !== undefined && { path }),
    synchronous: raw.synchronous ?? 'normal',
    ...(raw.url !== undefined && { url: raw.url }),
    schema: raw.schema ?? AUDIT_DEFAULTS.schema,
    table: raw.table ?? AUDIT_DEFAULTS.table,
    mode: raw.mode ?? 'spill',
    spillPath: raw.spillPath ?? (path !== undefined ? `${path}.spill.jsonl` : AUDIT_DEFAULTS.postgresSpill),
    args: raw.args ?? 'digest',
    redactPaths: raw.redactPaths ?? [],
    waitMs: raw.waitMs ?? 30_000,
    batchSize: raw.batchSize ?? 200,
    maxQueue: raw.maxQueue ?? 10_000,
    anchorLogEvery: raw.anchorLogEvery ?? AUDIT_DEFAULTS.anchorLogEvery,
    ...(raw.retention !== undefined && { retention: raw.retention }),
  };
}

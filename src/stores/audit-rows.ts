// The audit table's columns, shared by the SQL backends: how a record maps to a row and back, and how a
// query's filters become a WHERE clause (placeholders are the backend's: `?` or `$n`). `endpoint` and `client` came
// later: the backends add them to tables made before (ADDED_COLUMNS).
import { type AuditAnchor, type AuditQuery, type AuditStart, DEFAULT_AUDIT_LIMIT, type StoredAuditRecord } from '../core/audit.js';

/** Table and schema names are interpolated into SQL, so they keep to identifier characters. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function checkIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid audit ${what} name '${name}': use letters, digits and '_' (not starting with a digit)`);
  return name;
}

export const COLUMNS = [
  'seq',
  'time',
  'request_id',
  'principal',
  'tenant',
  'method',
  'target',
  'upstream',
  'args_digest',
  'args',
  'outcome',
  'error_code',
  'duration_ms',
  'prev_hash',
  'hash',
  'endpoint',
  'client',
] as const;

export type Row = Record<(typeof COLUMNS)[number], unknown>;

/** The columns added after the table's first version, each with its type (tables made before get them on open). */
export const ADDED_COLUMNS = [
  ['endpoint', 'TEXT'],
  ['client', 'TEXT'],
] as const;

/** The added columns as a CREATE TABLE lists them. */
export const ADDED_COLUMNS_SQL = ADDED_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');

export function toRow(r: StoredAuditRecord): unknown[] {
  return [
    r.seq,
    r.time,
    r.requestId,
    r.principal,
    r.tenant ?? null,
    r.method,
    r.target ?? null,
    r.upstream ?? null,
    r.argsDigest ?? null,
    r.args === undefined || r.args === null ? null : JSON.stringify(r.args),
    r.outcome,
    r.errorCode ?? null,
    r.durationMs,
    r.prevHash,
    r.hash,
    r.endpoint ?? null,
    r.client ?? null,
  ];
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function fromRow(row: Row): StoredAuditRecord {
  return {
    seq: Number(row.seq),
    time: String(row.time),
    requestId: String(row.request_id),
    principal: String(row.principal),
    tenant: (row.tenant as string | null) ?? null,
    method: String(row.method),
    target: (row.target as string | null) ?? null,
    upstream: (row.upstream as string | null) ?? null,
    argsDigest: (row.args_digest as string | null) ?? null,
    args: row.args === null || row.args === undefined ? null : JSON.parse(String(row.args)),
    outcome: row.outcome as StoredAuditRecord['outcome'],
    errorCode: num(row.error_code),
    durationMs: Number(row.duration_ms),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
    endpoint: (row.endpoint as string | null | undefined) ?? null,
    client: (row.client as string | null | undefined) ?? null,
  };
}

/** The newest record's seq and hash: the chain's head, which appends extend and `AuditSink.head()` reports. */
export const headQuery = (table: string): string => `SELECT seq, hash FROM ${table} ORDER BY seq DESC LIMIT 1`;

export function toHead(row: { seq: unknown; hash: unknown } | undefined): AuditAnchor | undefined {
  return row ? { seq: Number(row.seq), hash: String(row.hash) } : undefined;
}

/** The one-row table beside the log that says where a pruned log starts (the last record removed). */
export const START_TABLE_COLUMNS = 'id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL, pruned_at TEXT NOT NULL';

/** The statements retention runs on `table` and its start table `start`; `ph(n)` renders the n-th placeholder. */
export function pruneStatements(table: string, start: string, ph: (n: number) => string) {
  return {
    bounds: `SELECT MIN(seq) AS first, MAX(seq) AS last FROM ${table}`,
    firstKept: `SELECT MIN(seq) AS seq FROM ${table} WHERE time >= ${ph(1)}`,
    lastRemoved: `SELECT seq, hash FROM ${table} WHERE seq <= ${ph(1)} ORDER BY seq DESC LIMIT 1`,
    remove: `DELETE FROM ${table} WHERE seq <= ${ph(1)}`,
    keepStart: `INSERT INTO ${start} (id, seq, hash, pruned_at) VALUES (1, ${ph(1)}, ${ph(2)}, ${ph(3)}) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = excluded.pruned_at`,
    readStart: `SELECT seq, hash, pruned_at FROM ${start} WHERE id = 1`,
  };
}

/** Records removed per transaction: a long prune holds neither the event loop nor appends for long. */
export const PRUNE_BATCH = 5_000;

/**
 * The last record to remove in one batch so that what is left starts at the first record from `before` on
 * (`firstKept`), never removing the newest (the chain goes on from it); undefined when nothing is to be removed.
 */
export function pruneUpTo(bounds: { first: unknown; last: unknown } | undefined, firstKept: unknown): number | undefined {
  if (bounds?.first === null || bounds?.first === undefined) return undefined;
  const first = Number(bounds.first);
  const last = Number(bounds.last);
  const upTo = Math.min(firstKept === null || firstKept === undefined ? last : Number(firstKept) - 1, last - 1, first + PRUNE_BATCH - 1);
  return upTo >= first ? upTo : undefined;
}

export function toStart(row: { seq: unknown; hash: unknown; pruned_at: unknown } | undefined): AuditStart | undefined {
  return row ? { seq: Number(row.seq), hash: String(row.hash), prunedAt: String(row.pruned_at) } : undefined;
}

/** A prune's `before` as the records' time is stored (ISO, UTC), or an error naming what was given. */
export function pruneBefore(before: string): string {
  const t = new Date(before);
  if (Number.isNaN(t.getTime())) throw new Error(`invalid time '${before}': expected a date or time (e.g. 2026-01-31T12:00:00Z)`);
  return t.toISOString();
}

/** `WHERE …` (or '') and its parameters; `ph(n)` renders the n-th placeholder (1-based). */
export function whereClause(q: AuditQuery, ph: (n: number) => string): { sql: string; params: unknown[]; limit: number } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, op: string, value: unknown) => {
    params.push(value);
    parts.push(`${column} ${op} ${ph(params.length)}`);
  };
  if (q.principal !== undefined) add('principal', '=', q.principal);
  if (q.tool !== undefined) add('target', '=', q.tool);
  if (q.method !== undefined) add('method', '=', q.method);
  if (q.tenant !== undefined) add('tenant', '=', q.tenant);
  if (q.endpoint !== undefined) add('endpoint', '=', q.endpoint);
  if (q.client !== undefined) add('client', '=', q.client);
  if (q.since !== undefined) {
    const since = new Date(q.since);
    if (Number.isNaN(since.getTime())) throw new Error(`invalid since '${q.since}': expected a date or time (e.g. 2026-01-31T12:00:00Z)`);
    add('time', '>=', since.toISOString());
  }
  const limit = Math.max(1, Math.min(Math.trunc(q.limit ?? DEFAULT_AUDIT_LIMIT), 10_000));
  return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', params, limit };
}

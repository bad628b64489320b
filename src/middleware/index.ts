// Public surface of the middleware layer: one concern per file, each a factory returning a `Middleware`.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Middleware } from '../core/index.js';
import { FileAuditSpill } from '../stores/file/audit-spill.js';
import { SqliteAuditSink } from '../stores/sqlite/audit-sink.js';
import { audit } from './audit.js';

export { type AuditLog, type AuditMiddleware, type AuditOptions, audit, type RelayedAuditEvent } from './audit.js';
export { AuditQueue, type AuditMode, type AuditQueueOptions } from './audit-queue.js';

/**
 * Every middleware the bench's "mcplex-full" target runs, in pipeline order, configured as a production
 * gateway would run them. Each middleware that lands adds itself here (bench/targets/full-pipeline.ts reads it).
 */
export function allMiddleware(): Middleware[] {
  // The audit log as the gateway's default runs it: a SQLite file (WAL, synced commits) with a spill file beside it.
  const dir = join(tmpdir(), `mcplex-bench-audit-${process.pid}-${Date.now()}`);
  return [audit({ sink: new SqliteAuditSink({ path: join(dir, 'audit.db') }), spill: new FileAuditSpill(join(dir, 'audit.db.spill.jsonl')) })];
}

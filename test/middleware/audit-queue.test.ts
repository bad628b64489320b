// The audit queue never loses a record: with the store down, records spill to a real JSON-lines file and are
// replayed in order when it is back (also by the next run), or calls wait (fail-closed). Against real PostgreSQL,
// our connections are terminated mid-run and every record still lands, in order, on a chain that verifies.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditQuery, AuditRecord, AuditSink } from '../../src/core/audit.js';
import { AuditQueue } from '../../src/middleware/audit-queue.js';
import { FileAuditSpill } from '../../src/stores/file/audit-spill.js';
import { PostgresAuditSink } from '../../src/stores/postgres/audit-sink.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { capturingLogger } from '../helpers/logger.js';
import { waitUntil } from '../helpers/process.js';
import { DATABASE_URL, uniqueSchema } from '../stores/pg-env.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (i: number): AuditRecord => ({ time: new Date().toISOString(), requestId: `r${i}`, principal: 'p', method: 'tools/call', target: 't', outcome: 'ok', durationMs: 1 });

/** A real SQLite sink that can be switched off, like a database going away. */
class Switchable implements AuditSink {
  broken = false;
  failures = 0;
  constructor(readonly inner: SqliteAuditSink) {}
  append(r: readonly AuditRecord[]) {
    if (this.broken) {
      this.failures++;
      return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    }
    return this.inner.append(r);
  }
  query(q?: AuditQuery) {
    return this.inner.query(q);
  }
  head() {
    return this.inner.head();
  }
  verify() {
    return this.inner.verify();
  }
  close() {
    return this.inner.close();
  }
}

const ids = async (sink: AuditSink) => (await sink.query({ limit: 10_000 })).map((r) => r.requestId);

describe('audit queue', () => {
  it('spills to the file while the store is down and replays in order when it is back', async () => {
    const sink = new Switchable(new SqliteAuditSink({ path: join(dir, 'spill.db') }));
    const spillPath = join(dir, 'spill.jsonl');
    const log = capturingLogger();
    const queue = new AuditQueue({ sink, spill: new FileAuditSpill(spillPath), retryMs: 30, batchSize: 7, log });
    for (let i = 0; i < 10; i++) await queue.push(record(i));
    await waitUntil(() => queue.backlog === 0, 5000, 'first records written');
    sink.broken = true;
    for (let i = 10; i < 40; i++) await queue.push(record(i));
    await waitUntil(() => existsSync(spillPath) && readFileSync(spillPath, 'utf8').split('\n').length > 30, 5000, 'records spilled');
    expect(queue.down).toBe(true);
    expect(log.entries.some((e) => e.msg?.includes('audit store unreachable'))).toBe(true);
    sink.broken = false;
    for (let i = 40; i < 50; i++) await queue.push(record(i));
    await waitUntil(() => queue.backlog === 0 && !queue.down, 5000, 'spill replayed');
    expect(await ids(sink)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    expect(readFileSync(spillPath, 'utf8')).toBe('');
    expect(await sink.verify()).toEqual({ ok: true, checked: 50 });
    await queue.close();
  });

  it('leaves what the store refuses at shutdown in the spill file, and the next run replays it first', async () => {
    const path = join(dir, 'restart.db');
    const spillPath = join(dir, 'restart.jsonl');
    const first = new Switchable(new SqliteAuditSink({ path }));
    first.broken = true;
    const q1 = new AuditQueue({ sink: first, spill: new FileAuditSpill(spillPath), retryMs: 30 });
    for (let i = 0; i < 5; i++) await q1.push(record(i));
    await q1.close(200);
    expect(readFileSync(spillPath, 'utf8').trim().split('\n')).toHaveLength(5);

    const second = new SqliteAuditSink({ path });
    const q2 = new AuditQueue({ sink: second, spill: new FileAuditSpill(spillPath), retryMs: 30 });
    await q2.push(record(5));
    await waitUntil(() => q2.backlog === 0, 5000, 'replay on start');
    expect(await ids(second)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    await q2.close();
  });

  it('fail-closed: a push waits while the store is down and completes once it is back', async () => {
    const sink = new Switchable(new SqliteAuditSink({ path: join(dir, 'closed.db') }));
    sink.broken = true;
    const queue = new AuditQueue({ sink, mode: 'fail-closed', retryMs: 30 });
    let kept = false;
    const pushed = queue.push(record(1)).then(() => {
      kept = true;
    });
    await waitUntil(() => sink.failures >= 2, 5000, 'retries while down');
    expect(kept).toBe(false);
    await expect(queue.whenUp(50)).rejects.toThrow(/unavailable/);
    sink.broken = false;
    await pushed;
    expect(await ids(sink)).toEqual(['r1']);
    await queue.close();
  });
});

describe.skipIf(!DATABASE_URL)('audit queue on PostgreSQL whose connections are killed mid-run', () => {
  const schema = uniqueSchema('audit_kill');
  const app = `mcplex-test-${schema}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await admin.end().catch(() => {});
  });

  it.each(['spill', 'fail-closed'] as const)('%s: no record lost, order kept, chain verifies', async (mode) => {
    if (mode === 'spill') await admin.connect();
    const table = `log_${mode.replace('-', '_')}`;
    const sink = new PostgresAuditSink({ url: DATABASE_URL, schema, table, applicationName: app });
    const log = capturingLogger();
    const queue = new AuditQueue({ sink, mode, spill: new FileAuditSpill(join(dir, `pg-${mode}.jsonl`)), retryMs: 20, batchSize: 10, log });
    const kill = () => admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
    const total = 200;
    const pending: Promise<void>[] = [];
    // Connections are killed every few ms while records go out, until an append was cut off mid-query (a kill that
    // only finds idle connections costs the pool nothing, and would prove nothing).
    const unreachable = () => log.entries.some((e) => e.msg?.includes('audit store unreachable'));
    let killing = true;
    const killer = (async () => {
      while (killing && !unreachable()) {
        await kill();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    for (let i = 0; i < total; i++) {
      pending.push(queue.push(record(i)));
      if (i % 40 === 39) await waitUntil(() => queue.backlog < 40 || queue.down, 5000, 'a flush');
    }
    await waitUntil(unreachable, 15_000, 'an append cut off by a killed connection');
    killing = false;
    await killer;
    if (mode === 'spill') await Promise.all(pending);
    await queue.drain(20_000);
    await Promise.all(pending);
    expect(queue.backlog).toBe(0);
    const stored = await ids(sink);
    expect(stored).toEqual(Array.from({ length: total }, (_, i) => `r${i}`));
    expect(await sink.verify()).toEqual({ ok: true, checked: total });
    await queue.close();
  });
});

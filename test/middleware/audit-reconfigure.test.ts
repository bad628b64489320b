// A running audit queue switched to another store or spill file (what a config reload does): under a steady stream
// of records every one lands exactly once, in order, on the old store or the new, and both chains verify; records
// waiting on a store that is down (spilled, or held fail-closed) go to the new one at once, not after a retry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditQuery, AuditRecord, AuditSink } from '../../src/core/audit.js';
import { audit } from '../../src/middleware/audit.js';
import { AuditQueue } from '../../src/middleware/audit-queue.js';
import { compose, type CallContext } from '../../src/core/index.js';
import { FileAuditSpill } from '../../src/stores/file/audit-spill.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { waitUntil } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-reconfigure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (i: number): AuditRecord => ({ time: new Date().toISOString(), requestId: `r${i}`, principal: 'p', method: 'tools/call', target: 't', outcome: 'ok', durationMs: 1 });
const ids = async (sink: AuditSink) => (await sink.query({ limit: 10_000 })).map((r) => r.requestId);
/** Every request id in the file, in chain order (a query answers at most 10,000). */
const allIds = (sink: SqliteAuditSink) => sink.db.prepare(`SELECT request_id FROM ${sink.table} ORDER BY seq`).pluck().all() as string[];
const sqlite = (name: string) => new SqliteAuditSink({ path: join(dir, `${name}.db`) });

/** A real SQLite sink that refuses appends while `broken`, like a database that went away. */
class Breakable implements AuditSink {
  broken = true;
  failures = 0;
  constructor(readonly inner: SqliteAuditSink) {}
  append(r: readonly AuditRecord[]) {
    if (!this.broken) return this.inner.append(r);
    this.failures++;
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
  }
  query = (q?: AuditQuery) => this.inner.query(q);
  head = () => this.inner.head();
  verify = () => this.inner.verify();
  close = () => this.inner.close();
}

describe('audit queue reconfigure', () => {
  it('switches stores under a steady stream: each record once, in order, on the old store or the new', async () => {
    const [a, b] = [sqlite('stream-a'), sqlite('stream-b')];
    const queue = new AuditQueue({ sink: a, flushMs: 5, batchSize: 13 });
    let n = 0;
    let stop = false;
    const pushing = (async () => {
      while (!stop) {
        await queue.push(record(n++));
        if (n % 8 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    await waitUntil(() => allIds(a).length > 100, 10_000, 'records on the first store');
    const replaced = await queue.reconfigure({ sink: b, flushMs: 5, batchSize: 13 });
    expect(replaced).toBe(a);
    expect(queue.sink).toBe(b);
    await waitUntil(() => allIds(b).length > 100, 10_000, 'records on the second store');
    stop = true;
    await pushing;
    await queue.drain();
    const [onA, onB] = [allIds(a), allIds(b)];
    expect(onA.length).toBeGreaterThan(100);
    expect(onB.length).toBeGreaterThan(100);
    expect([...onA, ...onB]).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
    expect((await a.verify()).ok).toBe(true);
    expect((await b.verify()).ok).toBe(true);
    await a.close();
    await queue.close();
  });

  it('hands what a down store left in its spill file, and what is still queued, to the new store at once', async () => {
    const a = new Breakable(sqlite('down-a'));
    const spillA = new FileAuditSpill(join(dir, 'down-a.spill.jsonl'));
    // A retry far away: records reach the new store because of the switch, not because the old one was tried again.
    const queue = new AuditQueue({ sink: a, spill: spillA, retryMs: 600_000, flushMs: 5 });
    for (let i = 0; i < 20; i++) await queue.push(record(i));
    await waitUntil(() => spillA.size === 20, 5000, 'records spilled while the store is down');
    const b = sqlite('down-b');
    const spillB = new FileAuditSpill(join(dir, 'down-b.spill.jsonl'));
    await queue.reconfigure({ sink: b, spill: spillB, retryMs: 600_000, flushMs: 5 });
    expect(spillA.size).toBe(0); // moved to the new spill file, then replayed from there
    for (let i = 20; i < 30; i++) await queue.push(record(i));
    await waitUntil(async () => (await ids(b)).length === 30, 5000, 'every record on the new store');
    expect(await ids(b)).toEqual(Array.from({ length: 30 }, (_, i) => `r${i}`));
    expect(spillB.size).toBe(0);
    expect(await ids(a.inner)).toEqual([]);
    await a.close();
    await queue.close();
  });

  it('fail-closed: a call waiting on a down store completes once its record is on the new one', async () => {
    const a = new Breakable(sqlite('closed-a'));
    const queue = new AuditQueue({ sink: a, mode: 'fail-closed', retryMs: 600_000 });
    let kept = false;
    const waiting = queue.push(record(0)).then(() => {
      kept = true;
    });
    await waitUntil(() => a.failures > 0, 5000, 'the down store tried');
    expect(kept).toBe(false);
    const b = sqlite('closed-b');
    await queue.reconfigure({ sink: b, mode: 'fail-closed', retryMs: 600_000 });
    await waiting;
    expect(await ids(b)).toEqual(['r0']);
    await a.close();
    await queue.close();
  });

  it('the middleware records requests after a switch with the new settings (digest → redacted arguments)', async () => {
    const [a, b] = [sqlite('mw-a'), sqlite('mw-b')];
    const mw = audit({ sink: a });
    const run = compose([mw], async () => ({ content: [] }));
    const ctx = (i: number) => ({ method: 'tools/call', target: 'pay', params: { name: 'pay', arguments: { card: { number: '4111' }, n: i } }, meta: {}, principal: { id: 'alice' }, state: new Map() }) as unknown as CallContext;
    await run(ctx(1));
    const replaced = await mw.auditLog.reconfigure({ sink: b, args: 'redacted', redactPaths: ['card.number'] });
    expect(replaced).toBe(a);
    await run(ctx(2));
    await mw.auditLog.queue.drain();
    const [first, second] = [(await a.query())[0]!, (await b.query())[0]!];
    expect(first.argsDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(first.args).toBeNull();
    expect(second.args).toEqual({ card: { number: '[redacted]' }, n: 2 });
    expect(second.argsDigest).toBeNull();
    expect(mw.auditLog.sink).toBe(b);
    await a.close();
    await mw.auditLog.close();
  });
});

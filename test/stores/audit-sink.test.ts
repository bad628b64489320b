// The AuditSink contract, run unchanged against every backend (a real SQLite file, real PostgreSQL): appends,
// queries, and a hash chain whose verify names the first modified, deleted or inserted record, and whose head,
// kept outside as an anchor, exposes a truncated or re-chained tail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditRecord, AuditSink, StoredAuditRecord } from '../../src/core/audit.js';
import { chain, recordHash } from '../../src/stores/audit-chain.js';
import { COLUMNS, toRow } from '../../src/stores/audit-rows.js';
import { PostgresAuditSink } from '../../src/stores/postgres/audit-sink.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { DATABASE_URL, uniqueSchema } from './pg-env.js';

interface Backend {
  name: string;
  skip?: boolean;
  /** A fresh, empty log; `exec` runs raw SQL on it (tampering), `table` is its qualified name. */
  open(): Promise<{ sink: AuditSink; second: () => AuditSink; exec: (sql: string) => Promise<void>; table: string }>;
  cleanup(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'audit-contract-'));
let n = 0;
const sqlite: Backend = {
  name: 'sqlite',
  async open() {
    const path = join(dir, `log-${++n}.db`);
    const sink = new SqliteAuditSink({ path });
    return { sink, second: () => new SqliteAuditSink({ path }), exec: async (sql) => void sink.db.exec(sql), table: 'mcplex_audit' };
  },
  async cleanup() {
    rmSync(dir, { recursive: true, force: true });
  },
};

// The same file store with its appends on this thread (':memory:' logs, or `writer: 'inline'`).
const sqliteInline: Backend = {
  name: 'sqlite, inline writer',
  async open() {
    const path = join(dir, `log-${++n}.db`);
    const sink = new SqliteAuditSink({ path, writer: 'inline' });
    return { sink, second: () => new SqliteAuditSink({ path, writer: 'inline' }), exec: async (sql) => void sink.db.exec(sql), table: 'mcplex_audit' };
  },
  async cleanup() {},
};

const schemas: string[] = [];
const postgres: Backend = {
  name: 'postgres',
  skip: !DATABASE_URL,
  async open() {
    const schema = uniqueSchema('audit_contract');
    schemas.push(schema);
    const sink = new PostgresAuditSink({ url: DATABASE_URL, schema, applicationName: `mcplex-test-${schema}` });
    const table = `"${schema}"."mcplex_audit"`;
    return {
      sink,
      second: () => new PostgresAuditSink({ url: DATABASE_URL, schema, applicationName: `mcplex-test-${schema}` }),
      exec: async (sql) => void (await sink.pool.query(sql)),
      table,
    };
  },
  async cleanup() {
    if (!DATABASE_URL) return;
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await client.end();
  },
};

const record = (i: number, extra: Partial<AuditRecord> = {}): AuditRecord => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  requestId: `req-${i}`,
  principal: i % 2 === 0 ? 'alice' : 'bob',
  tenant: 'acme',
  method: 'tools/call',
  target: i % 3 === 0 ? 'fs__read' : 'fs__write',
  upstream: 'fs',
  argsDigest: 'ab'.repeat(32),
  outcome: i === 4 ? 'error' : 'ok',
  errorCode: i === 4 ? -32011 : null,
  durationMs: i + 0.25,
  ...extra,
});

describe.each([sqlite, sqliteInline, postgres])('AuditSink contract: $name', (backend) => {
  const opened: AuditSink[] = [];
  const open = async () => {
    const o = await backend.open();
    opened.push(o.sink);
    return o;
  };
  afterAll(async () => {
    await Promise.allSettled(opened.map((s) => s.close()));
    await backend.cleanup();
  });

  it.skipIf(backend.skip)('appends in order and answers queries by principal, tool, since and limit', async () => {
    const { sink } = await open();
    await sink.append([record(1), record(2), record(3)]);
    await sink.append([record(4), record(5, { args: { path: '/x', password: '[redacted]' }, argsDigest: null })]);
    const all = await sink.query();
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all[3]).toMatchObject({ requestId: 'req-4', outcome: 'error', errorCode: -32011, tenant: 'acme', upstream: 'fs', durationMs: 4.25 });
    expect(all[4]!.args).toEqual({ path: '/x', password: '[redacted]' });
    expect((await sink.query({ principal: 'alice' })).map((r) => r.requestId)).toEqual(['req-2', 'req-4']);
    expect((await sink.query({ tool: 'fs__read' })).map((r) => r.requestId)).toEqual(['req-3']);
    expect((await sink.query({ since: '2026-01-01T00:00:04Z' })).map((r) => r.requestId)).toEqual(['req-4', 'req-5']);
    // The most recent ones, oldest first.
    expect((await sink.query({ limit: 2 })).map((r) => r.requestId)).toEqual(['req-4', 'req-5']);
    expect(await sink.verify()).toEqual({ ok: true, checked: 5 });
  });

  it.skipIf(backend.skip)('can be closed twice (gateway.close and a signal handler may both close it)', async () => {
    const { sink } = await open();
    await sink.append([record(1)]);
    await sink.close();
    await expect(sink.close()).resolves.toBeUndefined();
  });

  it.skipIf(backend.skip)('keeps the endpoint a record names, and answers queries by it', async () => {
    const { sink } = await open();
    await sink.append([record(1, { endpoint: 'research' }), record(2), record(3, { endpoint: 'support' })]);
    expect((await sink.query()).map((r) => r.endpoint)).toEqual(['research', null, 'support']);
    expect((await sink.query({ endpoint: 'research' })).map((r) => r.requestId)).toEqual(['req-1']);
    expect(await sink.verify()).toEqual({ ok: true, checked: 3 });
  });

  it.skipIf(backend.skip)('keeps the client address a record names, and answers queries by it', async () => {
    const { sink } = await open();
    await sink.append([record(1, { client: '203.0.113.7' }), record(2), record(3, { client: '2001:db8::5', endpoint: 'research' })]);
    expect((await sink.query()).map((r) => r.client)).toEqual(['203.0.113.7', null, '2001:db8::5']);
    expect((await sink.query({ client: '203.0.113.7' })).map((r) => r.requestId)).toEqual(['req-1']);
    expect(await sink.verify()).toEqual({ ok: true, checked: 3 });
  });

  it.skipIf(backend.skip)('adds the endpoint and client columns to a table made before them; its records still verify', async () => {
    const { sink, second, exec, table } = await open();
    // The table as the version before these columns made it (made on first use), holding two records chained then.
    expect(await sink.query()).toEqual([]);
    await exec(`ALTER TABLE ${table} DROP COLUMN endpoint`);
    // SQLite drops no indexed column (PostgreSQL drops the index with it).
    if (backend.name.startsWith('sqlite')) await exec(`DROP INDEX ${table}_client`);
    await exec(`ALTER TABLE ${table} DROP COLUMN client`);
    const old = COLUMNS.filter((c) => c !== 'endpoint' && c !== 'client');
    const literal = (v: unknown) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
    for (const r of chain([record(1), record(2)], undefined)) {
      await exec(`INSERT INTO ${table} (${old.join(', ')}) VALUES (${toRow(r).slice(0, old.length).map(literal).join(', ')})`);
    }
    // Opened by this version: the columns are added, the old records verify, new ones name their endpoint and client.
    const now = second();
    opened.push(now);
    await now.append([record(3, { endpoint: 'research', client: '203.0.113.7' })]);
    expect((await now.query()).map((r) => [r.requestId, r.endpoint, r.client])).toEqual([
      ['req-1', null, null],
      ['req-2', null, null],
      ['req-3', 'research', '203.0.113.7'],
    ]);
    expect(await now.verify()).toEqual({ ok: true, checked: 3 });
  });

  it.skipIf(backend.skip)('prunes the records from before a time (retention), keeping the newest; the rest still verifies and grows', async () => {
    const { sink, exec, table } = await open();
    await sink.append([1, 2, 3, 4, 5, 6].map((i) => record(i)));
    const anchor = (await sink.head())!;
    const [, second, third] = await sink.query();
    // Records 1-3 are from before 00:00:04.
    const pruned = await sink.prune!('2026-01-01T00:00:04Z');
    expect(pruned).toEqual({ removed: 3, start: { seq: 3, hash: third!.hash, prunedAt: expect.any(String) } });
    expect((await sink.query()).map((r) => r.seq)).toEqual([4, 5, 6]);
    // Checked from where it starts; an anchor in the part removed is said to be, one after it is checked.
    const verified = await sink.verify({ anchors: [{ seq: second!.seq, hash: second!.hash }, anchor] });
    expect(verified).toMatchObject({ ok: true, checked: 3, start: { seq: 3, hash: third!.hash } });
    expect(verified.anchors?.map((a) => [a.ok, a.reason])).toEqual([
      [true, 'pruned'],
      [true, undefined],
    ]);
    // Appends go on from the head; nothing to prune again for the same time; a later time never takes the newest.
    await sink.append([record(7)]);
    expect(await sink.prune!('2026-01-01T00:00:04Z')).toMatchObject({ removed: 0, start: { seq: 3 } });
    expect(await sink.prune!('2030-01-01T00:00:00Z')).toMatchObject({ removed: 3, start: { seq: 6 } });
    expect((await sink.query()).map((r) => r.seq)).toEqual([7]);
    expect(await sink.verify()).toMatchObject({ ok: true, checked: 1, start: { seq: 6 } });
    // Deleting past the start is still seen: the log no longer follows it.
    await exec(`DELETE FROM ${table} WHERE seq = 7`);
    await sink.append([record(8)]);
    expect((await sink.verify()).firstBad).toMatchObject({ seq: 1, reason: 'relinked' });
    await expect(sink.prune!('yesterday')).rejects.toThrow("invalid time 'yesterday'");
  });

  it.skipIf(backend.skip)('prunes a long log in batches, one chain to the end', async () => {
    const { sink } = await open();
    for (let c = 0; c < 12; c++) await sink.append(Array.from({ length: 1000 }, (_, i) => record(c * 1000 + i + 1, { time: '2026-01-01T00:00:00.000Z' })));
    const head = (await sink.head())!;
    expect(await sink.prune!('2026-06-01T00:00:00Z')).toMatchObject({ removed: 11_999, start: { seq: 11_999 } });
    expect(await sink.verify({ anchors: [head] })).toMatchObject({ ok: true, checked: 1, anchors: [{ ok: true }] });
  }, 60_000);

  it.skipIf(backend.skip)('keeps one chain when two writers append concurrently', async () => {
    const { sink, second } = await open();
    const other = second();
    opened.push(other);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) writes.push((i % 2 === 0 ? sink : other).append([record(i * 2), record(i * 2 + 1)]));
    await Promise.all(writes);
    const rows = await sink.query({ limit: 100 });
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(40);
    expect(await other.verify()).toEqual({ ok: true, checked: 40 });
  });

  it.skipIf(backend.skip)('names a modified record', async () => {
    const { sink, exec, table } = await open();
    await sink.append([1, 2, 3, 4, 5].map((i) => record(i)));
    await exec(`UPDATE ${table} SET outcome = 'ok', error_code = NULL WHERE seq = 4`);
    const result = await sink.verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ seq: 4, requestId: 'req-4', reason: 'modified' });
    expect(result.firstBad!.message).toMatch(/record 4: .*modified/);
  });

  it.skipIf(backend.skip)('names the record after a deleted one', async () => {
    const { sink, exec, table } = await open();
    await sink.append([1, 2, 3, 4, 5].map((i) => record(i)));
    await exec(`DELETE FROM ${table} WHERE seq = 3`);
    const result = await sink.verify();
    expect(result.firstBad).toMatchObject({ seq: 4, reason: 'missing' });
    expect(result.firstBad!.message).toContain('record 3 is missing');
  });

  it.skipIf(backend.skip)('names an inserted record, even one whose own hash is right', async () => {
    const { sink, exec, table } = await open();
    await sink.append([1, 2, 3].map((i) => record(i)));
    // Renumber 3 to 4 and forge a self-consistent record 3 in its place: its hash is right, but record 4 no
    // longer follows it (and record 4's own hash covers its old seq).
    await exec(`UPDATE ${table} SET seq = 4 WHERE seq = 3`);
    const prev = (await sink.query()).find((r) => r.seq === 2)!;
    const row = forgedRow(record(9, { requestId: 'forged' }), 3, prev.hash);
    await exec(`INSERT INTO ${table} (seq, time, request_id, principal, tenant, method, target, upstream, args_digest, args, outcome, error_code, duration_ms, prev_hash, hash)
      VALUES (${row})`);
    const result = await sink.verify();
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ seq: 4 });
    expect(['modified', 'relinked']).toContain(result.firstBad!.reason);
    expect(result.checked).toBe(4);
  });

  it.skipIf(backend.skip)('reports its head: none while empty, then the newest record', async () => {
    const { sink } = await open();
    expect(await sink.head()).toBeUndefined();
    await sink.append([1, 2, 3].map((i) => record(i)));
    const third = (await sink.query()).at(-1)!;
    expect(await sink.head()).toEqual({ seq: 3, hash: third.hash });
    await sink.append([record(4), record(5)]);
    expect(await sink.head()).toEqual({ seq: 5, hash: (await sink.query()).at(-1)!.hash });
  });

  it.skipIf(backend.skip)('verifies anchors that the log still holds, old ones too', async () => {
    const { sink } = await open();
    await sink.append([1, 2, 3].map((i) => record(i)));
    const earlier = (await sink.head())!;
    await sink.append([record(4), record(5)]);
    const head = (await sink.head())!;
    expect(await sink.verify({ anchors: [earlier, head] })).toEqual({
      ok: true,
      checked: 5,
      anchors: [
        { ...earlier, ok: true, message: 'record 3 matches the anchor' },
        { ...head, ok: true, message: 'record 5 matches the anchor' },
      ],
    });
  });

  it.skipIf(backend.skip)('fails an anchor past the end of a truncated log whose remaining chain is intact', async () => {
    const { sink, exec, table } = await open();
    await sink.append([1, 2, 3, 4, 5].map((i) => record(i)));
    const head = (await sink.head())!;
    await exec(`DELETE FROM ${table} WHERE seq > 3`);
    expect(await sink.verify()).toEqual({ ok: true, checked: 3 });
    const result = await sink.verify({ anchors: [head] });
    expect(result.ok).toBe(false);
    expect(result.firstBad).toBeUndefined();
    expect(result.anchors).toEqual([{ ...head, ok: false, reason: 'truncated', message: 'record 5 is missing (the log ends at 3: truncated?)' }]);
  });

  it.skipIf(backend.skip)('fails an anchor when the tail was rewritten and re-chained, though the chain verifies', async () => {
    const { sink, exec, table } = await open();
    await sink.append([1, 2, 3, 4, 5].map((i) => record(i)));
    const before = await sink.verify();
    const [, second, third, fourth, fifth] = await sink.query();
    const head = (await sink.head())!;
    // Record 3 rewritten, and 3-5 re-chained after record 2 with the chain's own code: every link checks out.
    await exec(`DELETE FROM ${table} WHERE seq >= 3`);
    await exec(insertSql(table, chain([{ ...third!, principal: 'mallory' }, fourth!, fifth!], second)));
    expect(await sink.verify()).toEqual(before);
    expect((await sink.query()).map((r) => r.principal)[2]).toBe('mallory');
    const result = await sink.verify({ anchors: [head, { seq: 2, hash: second!.hash }] });
    expect(result.ok).toBe(false);
    expect(result.anchors!.map((a) => [a.seq, a.ok, a.reason, a.message])).toEqual([
      [5, false, 'rewritten', "record 5's hash differs from the anchor (rewritten?)"],
      [2, true, undefined, 'record 2 matches the anchor'],
    ]);
  });

  it.skipIf(backend.skip)('reports an anchor beyond a broken link as unchecked', async () => {
    const { sink, exec, table } = await open();
    await sink.append([1, 2, 3, 4, 5].map((i) => record(i)));
    const head = (await sink.head())!;
    await exec(`UPDATE ${table} SET principal = 'mallory' WHERE seq = 2`);
    const result = await sink.verify({ anchors: [head] });
    expect(result).toMatchObject({ ok: false, checked: 2, firstBad: { seq: 2, reason: 'modified' } });
    expect(result.anchors).toEqual([{ ...head, ok: false, reason: 'unchecked', message: 'record 5 could not be checked against the anchor: the chain is broken at record 2' }]);
  });
});

/** Raw SQL inserting stored rows as they are (forged ones included). */
function insertSql(table: string, rows: readonly StoredAuditRecord[]): string {
  const q = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
  return `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${rows.map((r) => `(${toRow(r).map(q).join(', ')})`).join(', ')}`;
}

/** A raw VALUES tuple for a forged row whose own hash is correct. */
function forgedRow(r: AuditRecord, seq: number, prevHash: string): string {
  const hash = recordHash(r, seq, prevHash);
  const q = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
  return [seq, r.time, r.requestId, r.principal, r.tenant, r.method, r.target, r.upstream, r.argsDigest, null, r.outcome, r.errorCode, r.durationMs, prevHash, hash].map(q).join(', ');
}

describe('SQLite audit writer thread', () => {
  it('fails a batch the writer thread cannot store (so the queue spills it) and writes the next', async () => {
    const path = join(dir, `thread-${++n}.db`);
    const sink = new SqliteAuditSink({ path });
    try {
      await sink.append([record(1)]);
      // Make the writer thread's next insert fail: the table it writes to is gone.
      sink.db.exec('ALTER TABLE mcplex_audit RENAME TO moved');
      await expect(sink.append([record(2)])).rejects.toThrow(/no such table/);
      sink.db.exec('ALTER TABLE moved RENAME TO mcplex_audit');
      await sink.append([record(3)]);
      expect((await sink.query()).map((r) => r.requestId)).toEqual([record(1).requestId, record(3).requestId]);
      expect((await sink.verify()).ok).toBe(true);
    } finally {
      await sink.close();
    }
  });
});

// The gateway's `audit:` section changed by a reload while it serves (real upstream process, official SDK client):
// SQLite file → another file with redacted arguments → the same file with digests → off → PostgreSQL, with each
// record on the store that was configured when it was made, every chain intact, and the admin route following along.
// A store that cannot be opened rejects the reload before anything changed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAuditRecord } from '../../src/core/audit.js';
import { silentLogger } from '../../src/index.js';
import { buildAudit } from '../../src/gateway/config/audit.js';
import type { GatewayConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { PostgresAuditSink } from '../../src/stores/postgres/audit-sink.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { waitGone, waitUntil } from '../helpers/process.js';
import { DATABASE_URL, uniqueSchema } from '../stores/pg-env.js';
import { everything } from './helpers/harness.js';

describe.skipIf(!DATABASE_URL)('gateway audit reload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-reload-'));
  const [fileA, fileB] = [join(dir, 'a.db'), join(dir, 'b.db')];
  const schema = uniqueSchema('audit_reload');
  const base = { listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: { ev: everything() } } as unknown as GatewayConfig;
  let gateway: Gateway;
  let url: string;
  let client: Client;
  let close: () => Promise<void>;
  let pids: number[];

  beforeAll(async () => {
    gateway = new Gateway({ ...base, audit: buildAudit({ path: fileA }) }, { logger: silentLogger });
    await gateway.start();
    const handle = await gateway.serveHttp({ port: 0 });
    url = handle.url;
    pids = gateway.health().upstreams.flatMap((u) => ('pid' in u && typeof u.pid === 'number' ? [u.pid] : []));
    client = new Client({ name: 'audit-reload', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    close = async () => {
      await client.close();
      await handle.close();
      await gateway.close();
    };
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await waitGone(pids ?? [], 10_000);
    rmSync(dir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: DATABASE_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }, 30_000);

  const echo = (message: string) => client.callTool({ name: 'ev__echo', arguments: { message, password: 'hunter2' } });
  const admin = (path = '/admin/audit?method=tools/call') => fetch(new URL(path, url));
  /** The current store's call records, once it holds `n`. */
  const calls = (n: number) =>
    waitUntil(async () => {
      const { records } = (await (await admin()).json()) as { records: StoredAuditRecord[] };
      return records.length >= n ? records : undefined;
    }, 5000, `${n} call records`);
  const messages = (records: StoredAuditRecord[]) => records.map((r) => (r.args as { message?: string } | null)?.message ?? r.argsDigest?.slice(0, 8));

  it('moves to another file with the new argument mode; earlier records stay on the first, both chains verify', async () => {
    await echo('one');
    await echo('two');
    const onA = await calls(2);
    expect(onA.every((r) => /^[0-9a-f]{64}$/.test(r.argsDigest ?? ''))).toBe(true);
    const report = await gateway.reload({ ...base, audit: buildAudit({ path: fileB, args: 'redacted' }) });
    expect(report.audit).toBe('changed');
    await echo('three');
    const onB = await calls(1);
    expect(onB.map((r) => r.args)).toEqual([{ message: 'three', password: '[redacted]' }]);
    // The first file was closed after the switch, with its two records and an intact chain.
    const a = new SqliteAuditSink({ path: fileA, writer: 'inline' });
    expect((await a.query({ method: 'tools/call' })).length).toBe(2);
    expect((await a.verify()).ok).toBe(true);
    await a.close();
  });

  it('changes only how arguments are kept: the same store, its chain going on', async () => {
    const report = await gateway.reload({ ...base, audit: buildAudit({ path: fileB }) });
    expect(report.audit).toBe('changed');
    await echo('four');
    const [three, four] = await calls(2);
    expect(messages([three!])).toEqual(['three']);
    expect(four!.args).toBeNull();
    expect(four!.argsDigest).toMatch(/^[0-9a-f]{64}$/);
    // The same file, its chain going on (verified whole in the next test): later seqs, the head at or past them.
    expect(four!.seq).toBeGreaterThan(three!.seq);
    const head = (await (await admin('/admin/audit/head')).json()) as { seq: number };
    expect(head.seq).toBeGreaterThanOrEqual(four!.seq);
    // Reloading the same section again changes nothing.
    expect((await gateway.reload({ ...base, audit: buildAudit({ path: fileB }) })).audit).toBeUndefined();
  });

  it('turns off (nothing recorded, the admin route says so) and on again on PostgreSQL', async () => {
    expect((await gateway.reload({ ...base })).audit).toBe('disabled');
    await echo('unrecorded');
    const off = await admin();
    expect(off.status).toBe(404);
    expect(((await off.json()) as { error: string }).error).toMatch(/audit: section/);
    const b = new SqliteAuditSink({ path: fileB, writer: 'inline' });
    expect((await b.query({ method: 'tools/call' })).length).toBe(2);
    expect((await b.verify()).ok).toBe(true);
    await b.close();

    const pgAudit = buildAudit({ sink: 'postgres', url: DATABASE_URL, schema, spillPath: join(dir, 'pg.spill.jsonl'), args: 'redacted' });
    expect((await gateway.reload({ ...base, audit: pgAudit })).audit).toBe('enabled');
    await echo('five');
    expect(messages(await calls(1))).toEqual(['five']);
  });

  it('rejects a reload whose store cannot be opened, and keeps recording where it did', async () => {
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    const bad = buildAudit({ path: join(notADir, 'audit.db') });
    await expect(gateway.reload({ ...base, audit: bad })).rejects.toThrow(/audit\.path/);
    await echo('six');
    expect(messages(await calls(2))).toEqual(['five', 'six']);
    const pg = new PostgresAuditSink({ url: DATABASE_URL!, schema });
    expect((await pg.verify()).ok).toBe(true);
    await pg.close();
  });
});

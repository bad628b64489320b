// The gateway's audit log on real PostgreSQL (`audit: { sink: postgres }`), with the official SDK client in both
// eras calling a real upstream while the log's connections are terminated again and again: after recovery every
// call has its record and the chain verifies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { buildAudit } from '../../src/gateway/config/audit.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { PostgresAuditSink } from '../../src/stores/postgres/audit-sink.js';
import { connectHttp } from '../helpers/clients.js';
import { capturingLogger } from '../helpers/logger.js';
import { waitGone } from '../helpers/process.js';
import { DATABASE_URL, uniqueSchema } from '../stores/pg-env.js';
import { everything } from './helpers/harness.js';

const schema = uniqueSchema('audit_gw');
const app = `mcplex-test-${schema}`;
const dir = mkdtempSync(join(tmpdir(), 'audit-gw-pg-'));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!DATABASE_URL) return;
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
});

it.skipIf(!DATABASE_URL)('loses no record while PostgreSQL connections are killed mid-run', async () => {
  // application_name in the URL marks our connections, so only they are terminated.
  const log = capturingLogger();
  const url = `${DATABASE_URL}${DATABASE_URL!.includes('?') ? '&' : '?'}application_name=${app}`;
  const gateway = new Gateway(
    { listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: { ev: everything() }, audit: buildAudit({ sink: 'postgres', url, schema, spillPath: join(dir, 'spill.jsonl') }) },
    { logger: log },
  );
  await gateway.start();
  const pids = gateway.health().upstreams.flatMap((u) => ('pid' in u && typeof u.pid === 'number' ? [u.pid] : []));
  const handle = await gateway.serveHttp({ port: 0 });
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const kill = async () => (await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app])).rowCount ?? 0;
  const clients = [await connectHttp(handle.url, 'legacy'), await connectHttp(handle.url, 'modern')];
  let killed = 0;
  try {
    const sent: string[] = [];
    for (let round = 0; round < 6; round++) {
      const batch = clients.flatMap((c, i) => Array.from({ length: 5 }, (_, k) => `r${round}-c${i}-${k}`).map((m) => ({ c, m })));
      sent.push(...batch.map((b) => b.m));
      await Promise.all([...batch.map(({ c, m }) => c.callTool({ name: 'ev__echo', arguments: { message: m } })), kill().then((n) => {
          killed += n;
        })]);
    }
    killed += await kill();
    await Promise.allSettled(clients.map((c) => c.close()));
    await handle.close();
    await gateway.close(); // drains: replays the spill file once the store answers again
    await waitGone(pids, 10_000);
    expect(killed).toBeGreaterThan(0);
    // The store was seen down (records spilled) at least once, and the spill was replayed.
    expect(log.entries.some((e) => e.msg?.includes('audit store unreachable'))).toBe(true);
    const sink = new PostgresAuditSink({ url: DATABASE_URL, schema });
    try {
      const calls = await sink.query({ method: 'tools/call', limit: 1000 });
      expect(calls).toHaveLength(sent.length);
      expect(calls.every((r) => r.upstream === 'ev' && r.outcome === 'ok')).toBe(true);
      expect(await sink.verify()).toMatchObject({ ok: true });
    } finally {
      await sink.close();
    }
  } finally {
    await admin.end();
  }
}, 60_000);

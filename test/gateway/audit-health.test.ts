// The audit log's state, seen from outside: GET /readyz's detail (`audit: { sink, store, backlog }`) and the metrics
// `mcp_audit_store_up` and `mcp_audit_backlog` (labelled by sink; none without an audit log), for alerting on a store
// that refuses records (deploy/prometheus: McplexAuditStoreDown, McplexAuditBacklog). The same from the gateway (its
// `audit:` section) and from a framework server (`server.use(audit(…))` with `metrics: true`). A SQLite store is up
// with nothing waiting; a PostgreSQL nobody listens on is down once a record could not be written, the record waiting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { silentLogger } from '../../src/core/logger.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { audit, createServer, FileAuditSpill, type HttpHandle, parseConfig, PostgresAuditSink, SqliteAuditSink } from '../../src/index.js';
import { freePort } from '../helpers/http.js';
import { waitUntil } from '../helpers/process.js';
import { fixtureServer } from './fixtures/cli.js';
import { FAST_RESTART } from './fixtures/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mcplex-audit-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Where the audit log keeps its records: a SQLite file, a PostgreSQL nobody listens on (a spill file beside it), none. */
type Store = { sink: 'sqlite'; file: string } | { sink: 'postgres'; url: string; spill: string } | undefined;

interface Served {
  http: HttpHandle;
  close(): Promise<void>;
}

const servers: Record<string, (store: Store) => Promise<Served>> = {
  async gateway(store) {
    const audit = store?.sink === 'sqlite' ? { path: store.file } : store && { sink: 'postgres', url: store.url, spillPath: store.spill };
    const gateway = new Gateway(parseConfig(stringify({ servers: { up: fixtureServer('up') }, ...(audit && { audit }) }), { format: 'yaml' }), { logger: silentLogger, restart: FAST_RESTART });
    await gateway.start();
    const http = await gateway.serveHttp({ port: 0 });
    return { http, close: () => http.close().then(() => gateway.close()) };
  },
  async framework(store) {
    const server = createServer({ name: 'audited', version: '1.0.0', logger: silentLogger, metrics: true });
    const sink = store?.sink === 'sqlite' ? new SqliteAuditSink({ path: store.file }) : store && new PostgresAuditSink({ url: store.url });
    const auditor = sink && audit({ sink, ...(store?.sink === 'postgres' && { spill: new FileAuditSpill(store.spill) }) });
    if (auditor) server.use(auditor);
    server.tool('echo', { description: 'Echoes the text', input: z.object({ text: z.string() }) }, ({ text }) => text);
    const http = await server.serveHttp({ port: 0 });
    return { http, close: () => http.close().then(() => auditor?.auditLog.close(2000)) };
  },
};

describe.each(Object.entries(servers))("the audit log's state in /readyz and the metrics: %s", (who, serve) => {
  async function serving(store: Store) {
    const s = await serve(store);
    const get = async (path: string) => (await fetch(new URL(path, s.http.url))).text();
    return {
      readyz: async () => (JSON.parse(await get('/readyz')) as { audit?: unknown }).audit,
      metrics: () => get('/metrics'),
      // An initialize is a request the audit log records.
      call: () =>
        fetch(s.http.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
        }),
      close: () => s.close(),
    };
  }

  it('SQLite: up, nothing waiting; without an audit log: no state and no series', async () => {
    const g = await serving({ sink: 'sqlite', file: join(dir, `${who}.db`) });
    try {
      await g.call();
      await waitUntil(async () => ((await g.readyz()) as { backlog?: number } | undefined)?.backlog === 0 || undefined, 10_000, 'the record written');
      expect(await g.readyz()).toEqual({ sink: 'sqlite', store: 'up', backlog: 0 });
      const metrics = await g.metrics();
      expect(metrics).toContain('mcp_audit_store_up{sink="sqlite"} 1');
      expect(metrics).toContain('mcp_audit_backlog{sink="sqlite"} 0');
    } finally {
      await g.close();
    }
    const none = await serving(undefined);
    try {
      expect(await none.readyz()).toBeUndefined();
      expect(await none.metrics()).not.toMatch(/^mcp_audit_/m);
    } finally {
      await none.close();
    }
  });

  it('PostgreSQL nobody listens on: down once a record could not be written, the record waiting in the spill file', async () => {
    const g = await serving({ sink: 'postgres', url: `postgres://postgres@127.0.0.1:${await freePort()}/test`, spill: join(dir, `${who}-spill.jsonl`) });
    try {
      await g.call();
      const state = await waitUntil(async () => {
        const s = (await g.readyz()) as { store?: string } | undefined;
        return s?.store === 'down' ? s : undefined;
      }, 15_000, 'the audit store seen down');
      expect(state).toMatchObject({ sink: 'postgres', store: 'down', backlog: expect.any(Number) });
      expect((state as { backlog: number }).backlog).toBeGreaterThanOrEqual(1);
      const metrics = await g.metrics();
      expect(metrics).toContain('mcp_audit_store_up{sink="postgres"} 0');
      expect(metrics).toMatch(/^mcp_audit_backlog\{sink="postgres"\} [1-9]\d*$/m);
    } finally {
      await g.close();
    }
  }, 30_000);
});

// A framework server's audit log seen from outside, as the gateway's is: `server.use(audit(…))` puts its state in
// GET /readyz's detail (`audit: { sink, store, backlog }`) and, with `metrics: true`, in `mcp_audit_store_up` and
// `mcp_audit_backlog` (labelled by the store's kind). A SQLite store is up with nothing waiting; a PostgreSQL nobody
// listens on is down once a record could not be written, the record waiting in the spill file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AuditSink, audit, createServer, FileAuditSpill, PostgresAuditSink, SqliteAuditSink, silentLogger } from '../../src/index.js';
import { connectHttp } from '../helpers/clients.js';
import { freePort } from '../helpers/http.js';
import { waitUntil } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'mcplex-fw-audit-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serving(sink: AuditSink | undefined, spill?: string) {
  const server = createServer({ name: 'audited', version: '1.0.0', logger: silentLogger, metrics: true });
  const auditor = sink && audit({ sink, ...(spill && { spill: new FileAuditSpill(spill) }) });
  if (auditor) server.use(auditor);
  server.tool('echo', { description: 'Echoes the text', input: z.object({ text: z.string() }) }, ({ text }) => text);
  const http = await server.serveHttp({ port: 0 });
  const get = async (path: string) => (await fetch(new URL(path, http.url))).text();
  return {
    readyz: async () => (JSON.parse(await get('/readyz')) as { audit?: unknown }).audit,
    metrics: () => get('/metrics'),
    call: async () => {
      const client = await connectHttp(http.url, 'legacy');
      await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      await client.close();
    },
    close: async () => {
      await http.close();
      await auditor?.auditLog.close(2000);
    },
  };
}

describe("a framework server's audit log in /readyz and the metrics", () => {
  it('SQLite: up, nothing waiting; without an audit log: no state and no series', async () => {
    const g = await serving(new SqliteAuditSink({ path: join(dir, 'audit.db') }));
    try {
      await g.call();
      await waitUntil(async () => ((await g.readyz()) as { backlog?: number } | undefined)?.backlog === 0 || undefined, 10_000, 'the records written');
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

  it('PostgreSQL nobody listens on: down once a record could not be written, the records waiting in the spill file', async () => {
    const g = await serving(new PostgresAuditSink({ url: `postgres://postgres@127.0.0.1:${await freePort()}/test` }), join(dir, 'spill.jsonl'));
    try {
      await g.call();
      const state = await waitUntil(async () => {
        const s = (await g.readyz()) as { store?: string; backlog?: number } | undefined;
        return s?.store === 'down' ? s : undefined;
      }, 15_000, 'the store seen down');
      expect(state).toMatchObject({ sink: 'postgres', store: 'down' });
      expect(state.backlog).toBeGreaterThan(0);
      const metrics = await g.metrics();
      expect(metrics).toContain('mcp_audit_store_up{sink="postgres"} 0');
      expect(metrics).toMatch(new RegExp(`mcp_audit_backlog\\{sink="postgres"\\} ${state.backlog}`));
    } finally {
      await g.close();
    }
  }, 30_000);
});

// The audit log's state, seen from outside: GET /readyz's detail (`audit: { sink, store, backlog }`) and the metrics
// `mcp_audit_store_up` and `mcp_audit_backlog` (labelled by sink; none without `audit:`), for alerting on a store
// that refuses records (deploy/prometheus: McplexAuditStoreDown, McplexAuditBacklog). A SQLite store is up with
// nothing waiting; a PostgreSQL nobody listens on is down once a record could not be written, the record waiting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../../src/core/logger.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { parseConfig } from '../../src/index.js';
import { freePort } from '../helpers/http.js';
import { waitUntil } from '../helpers/process.js';
import { fixtureServer } from './fixtures/cli.js';
import { FAST_RESTART } from './fixtures/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mcplex-audit-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serving(audit: Record<string, unknown> | undefined) {
  const gateway = new Gateway(parseConfig(stringify({ servers: { up: fixtureServer('up') }, ...(audit && { audit }) }), { format: 'yaml' }), { logger: silentLogger, restart: FAST_RESTART });
  await gateway.start();
  const http = await gateway.serveHttp({ port: 0 });
  const get = async (path: string) => (await fetch(new URL(path, http.url))).text();
  return {
    readyz: async () => (JSON.parse(await get('/readyz')) as { audit?: unknown }).audit,
    metrics: () => get('/metrics'),
    call: () => fetch(http.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) }),
    close: async () => {
      await http.close();
      await gateway.close();
    },
  };
}

describe("the audit log's state in /readyz and the metrics", () => {
  it('SQLite: up, nothing waiting; without audit: no state and no series', async () => {
    const g = await serving({ path: join(dir, 'audit.db') });
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
    const g = await serving({ sink: 'postgres', url: `postgres://postgres@127.0.0.1:${await freePort()}/test`, spillPath: join(dir, 'spill.jsonl') });
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
  });
});

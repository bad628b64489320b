// The audit chain's head from a running gateway (real SQLite file, official SDK client): GET /admin/audit/head for
// admin callers only, and `audit.anchorLogEvery` putting it in the gateway's own log, with a final line on close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAuditRecord } from '../../src/core/audit.js';
import { buildAudit } from '../../src/gateway/config/audit.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { parseAnchor } from '../../src/stores/audit-chain.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { capturingLogger } from '../helpers/logger.js';
import { waitUntil } from '../helpers/process.js';

interface HeadLine {
  seq: number;
  hash: string;
  anchor: string;
  final?: true;
}

describe('gateway audit head', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-head-'));
  const path = join(dir, 'audit.db');
  const log = capturingLogger();
  let gateway: Gateway;
  let url: string;
  let client: Client;
  let reader: SqliteAuditSink;
  let close: () => Promise<void>;
  const headLines = () => log.entries.filter((e) => e.msg === 'audit head' && e.bindings.module === 'audit').map((e) => e.obj as HeadLine);

  beforeAll(async () => {
    gateway = new Gateway(
      { listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: {}, audit: buildAudit({ path, anchorLogEvery: 20 }) },
      { logger: log },
    );
    await gateway.start();
    const handle = await gateway.serveHttp({ port: 0 });
    url = handle.url;
    client = new Client({ name: 'audit-head', version: '1.0.0' });
    reader = new SqliteAuditSink({ path });
    close = async () => {
      await client.close();
      await handle.close();
      await gateway.close();
    };
  }, 30_000);
  afterAll(async () => {
    await close?.();
    await reader?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const get = async (route: string, headers: Record<string, string> = {}) => {
    const res = await fetch(new URL(route, url), { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers { head: null } for an empty log, and logs nothing yet', async () => {
    expect(await get('/admin/audit/head')).toEqual({ status: 200, body: { head: null } });
    expect(headLines()).toEqual([]);
  });

  it('GET /admin/audit/head is the store head, as seq, hash and anchor', async () => {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    await client.listTools();
    await client.listPrompts();
    // Wait until the queue has written the two lists (the head is read from the store).
    const records = await waitUntil(async () => {
      const r = ((await get('/admin/audit?limit=1000')).body.records as StoredAuditRecord[]).filter((x) => x.method.endsWith('/list'));
      return r.length >= 2 ? r : undefined;
    }, 5000, 'the list records');
    const head = await reader.head();
    expect(head?.seq).toBeGreaterThanOrEqual(records.at(-1)!.seq);
    expect(await get('/admin/audit/head')).toEqual({ status: 200, body: { seq: head!.seq, hash: head!.hash, anchor: `${head!.seq}:${head!.hash}` } });
  });

  it('GET /admin/audit/verify walks the chain and checks the anchors given, as audit verify does on the store', async () => {
    const head = (await reader.head())!;
    const verified = await get(`/admin/audit/verify?anchor=${head.seq}:${head.hash}`);
    expect(verified).toEqual({ status: 200, body: { ok: true, checked: head.seq, anchors: [expect.objectContaining({ seq: head.seq, ok: true })] } });
    const rewritten = await get(`/admin/audit/verify?anchor=${head.seq}:${'0'.repeat(64)}`);
    expect(rewritten.body).toMatchObject({ ok: false, anchors: [{ ok: false, reason: 'rewritten' }] });
    expect(await get('/admin/audit/verify?anchor=nonsense')).toEqual({ status: 400, body: { error: expect.stringContaining('nonsense') } });
  });

  it('refuses a caller who is not an admin, like /admin/audit', async () => {
    // Came through a proxy, so not a local caller: the default admin rule refuses it.
    const proxied = { 'x-forwarded-for': '203.0.113.7' };
    expect((await get('/admin/audit/head', proxied)).status).toBe(403);
    expect((await get('/admin/audit/verify', proxied)).status).toBe(403);
    expect((await get('/admin/audit', proxied)).status).toBe(403);
  });

  it('logs the head on the audit logger every anchorLogEvery, as an anchor that verifies', async () => {
    const head = (await reader.head())!;
    const line = await waitUntil(() => headLines().find((h) => h.seq === head.seq), 5000, `an audit head line for seq ${head.seq}`);
    expect(line).toEqual({ seq: head.seq, hash: head.hash, anchor: `${head.seq}:${head.hash}` });
    expect(await reader.verify({ anchors: [parseAnchor(line.anchor)] })).toMatchObject({ ok: true, anchors: [{ ok: true }] });
  });

  it('logs a new line after an append, and the final head once the queue drained on close', async () => {
    const before = (await reader.head())!.seq;
    await client.listResources();
    const next = await waitUntil(() => headLines().find((h) => h.seq > before), 5000, 'a head line after the append');
    await client.listTools();
    await close();
    close = async () => {};
    const final = headLines().at(-1)!;
    expect(final).toMatchObject({ final: true });
    expect(final.seq).toBeGreaterThan(next.seq);
    // Every record drained before the final line: it is the last record in the file, and it verifies.
    expect(await reader.head()).toEqual({ seq: final.seq, hash: final.hash });
    expect(await reader.verify({ anchors: headLines().map((h) => parseAnchor(h.anchor)) })).toMatchObject({ ok: true });
    // One line per distinct head, plus the final one.
    const periodic = headLines().slice(0, -1).map((h) => h.seq);
    expect(new Set(periodic).size).toBe(periodic.length);
  });
});

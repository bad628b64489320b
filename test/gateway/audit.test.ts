// The gateway's audit log from its `audit:` config, in front of real upstream processes, with the official SDK
// client in both eras: one record per request (with its upstream), refusals by later stages with their code,
// relayed server→client requests recorded for the caller they went to, GET /admin/audit, and a drain on close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, onCallTool, silentLogger, WireError } from '../../src/index.js';
import { buildAudit } from '../../src/gateway/config/audit.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import type { StoredAuditRecord } from '../../src/core/audit.js';
import { waitGone, waitUntil } from '../helpers/process.js';
import { everything, relayUpstream } from './helpers/harness.js';

const CAPS = { capabilities: { elicitation: { form: {} }, sampling: {} } };

describe.each(['legacy', 'modern'] as const)('gateway audit, %s client', (era) => {
  const dir = mkdtempSync(join(tmpdir(), `audit-gw-${era}-`));
  const path = join(dir, 'audit.db');
  let gateway: Gateway;
  let url: string;
  let client: Client;
  let close: () => Promise<void>;
  let pids: number[];

  beforeAll(async () => {
    const servers = { ev: everything(), fw: relayUpstream() };
    gateway = new Gateway(
      { listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers, audit: buildAudit({ path, args: 'redacted', redactPaths: ['question'] }) },
      { logger: silentLogger },
    );
    // A later stage (as access control would be) refuses one tool: audit runs before it and records the refusal.
    gateway.use(
      onCallTool(async (ctx, next) => {
        if (ctx.target === 'ev__get-env') throw new WireError(ErrorCode.Forbidden, 'get-env is not allowed');
        return next();
      }),
    );
    await gateway.start();
    const handle = await gateway.serveHttp({ port: 0 });
    url = handle.url;
    pids = gateway.health().upstreams.flatMap((u) => ('pid' in u && typeof u.pid === 'number' ? [u.pid] : []));
    client = new Client({ name: `audit-${era}`, version: '1.0.0' }, { ...CAPS, ...(era === 'modern' && { versionNegotiation: { mode: { pin: '2026-07-28' } } }) });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada' } }) as never);
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
  }, 30_000);

  const records = async (q = {}) => {
    const res = await fetch(new URL(`/admin/audit?${new URLSearchParams(q)}`, url));
    expect(res.status).toBe(200);
    return ((await res.json()) as { records: StoredAuditRecord[] }).records;
  };

  it('records calls with their upstream, outcome and code, including a refusal by a later stage', async () => {
    await client.callTool({ name: 'ev__echo', arguments: { message: 'hi' } });
    await expect(client.callTool({ name: 'ev__get-env', arguments: {} })).rejects.toThrow(/not allowed/);
    const unknown = await client.callTool({ name: 'nope__nothing', arguments: {} }).catch((e: Error) => e);
    expect(unknown).toBeDefined();
    // The admin endpoint reads the store: wait until the queue has written what we did.
    const calls = await waitUntil(async () => {
      const r = await records({ method: 'tools/call' });
      return r.length >= 3 ? r : undefined;
    }, 5000, 'three call records');
    expect(calls.map((r) => [r.target, r.upstream, r.outcome, r.errorCode])).toEqual([
      ['ev__echo', 'ev', 'ok', null],
      ['ev__get-env', 'ev', 'error', ErrorCode.Forbidden],
      ['nope__nothing', null, 'error', ErrorCode.InvalidParams],
    ]);
    expect(calls[0]!.args).toEqual({ message: 'hi' });
    expect((await records({ tool: 'ev__get-env', limit: '5' })).map((r) => r.target)).toEqual(['ev__get-env']);
  });

  it('answers 400 to a bad query, and 403 to a caller who is not an admin', async () => {
    const res = await fetch(new URL('/admin/audit?limit=-3', url));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'limit must be a positive integer' });
    // Came through a proxy, so not a local caller: the default admin rule refuses it.
    const proxied = await fetch(new URL('/admin/audit', url), { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(proxied.status).toBe(403);
  });

  it('records each relayed elicitation (or its refusal) for the caller it was meant for', async () => {
    await client.callTool({ name: 'fw__ask', arguments: { question: 'who are you?' } });
    await client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
    const relayed = await waitUntil(async () => {
      const r = await records({ method: 'elicitation/create' });
      return r.length >= (era === 'legacy' ? 2 : 1) ? r : undefined;
    }, 5000, 'relayed request records');
    const [ask] = await records({ tool: 'fw__ask' });
    expect(ask!.args).toEqual({ question: '[redacted]' });
    if (era === 'legacy') {
      // Both relayed to this caller: the 2026-era framework upstream's input request bridged, and the 2025-era
      // everything server's request relayed.
      expect(relayed.map((r) => [r.upstream, r.outcome, r.principal, r.client])).toEqual([
        ['fw', 'ok', 'anonymous', '127.0.0.1'],
        ['ev', 'ok', 'anonymous', '127.0.0.1'],
      ]);
    } else {
      // A 2026 caller answers the framework upstream itself (a second tools/call, audited as such); the 2025-era
      // upstream's request reaches it as an input_required round and is recorded like any relayed request.
      expect(relayed.map((r) => [r.upstream, r.outcome, r.errorCode ?? null, r.client])).toEqual([['ev', 'ok', null, '127.0.0.1']]);
    }
  });

  it('close() drains the queue: every record is in the file and the chain verifies', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.callTool({ name: 'ev__echo', arguments: { message: `m${i}` } })));
    await close();
    close = async () => {};
    const sink = new SqliteAuditSink({ path });
    try {
      const echoes = await sink.query({ tool: 'ev__echo', limit: 1000 });
      expect(echoes).toHaveLength(21);
      expect(await sink.verify()).toMatchObject({ ok: true });
    } finally {
      await sink.close();
    }
  });
});

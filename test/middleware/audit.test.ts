// The audit middleware in a framework server (`server.use(audit({ sink }))`) over real HTTP, with the official SDK
// client in both eras: one record per request, refusals by later stages with their code, args digested or
// redacted, and nothing left in the queue after close().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { ErrorCode, onCallTool, silentLogger, WireError } from '../../src/index.js';
import { audit } from '../../src/middleware/audit.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { buildDemoServer } from '../fixtures/demo-server.js';
import { connectHttp, type EraName } from '../helpers/clients.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-mw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serve(name: string, args: 'digest' | 'redacted') {
  const path = join(dir, `${name}.db`);
  const mw = audit({ sink: new SqliteAuditSink({ path }), args, redactPaths: ['card.number'], log: silentLogger });
  const server = buildDemoServer({ logger: silentLogger });
  // Audit first, then a policy stage that refuses one tool: the refusal must be audited with its code.
  server.use(
    mw,
    onCallTool(async (ctx, next) => {
      if (ctx.target === 'boom') throw new WireError(ErrorCode.Forbidden, 'boom is not allowed');
      return next();
    }),
  );
  const handle = await server.serveHttp({ port: 0 });
  return { mw, handle, path };
}

describe.each<EraName>(['legacy', 'modern'])('audit middleware, %s client', (era) => {
  let s: Awaited<ReturnType<typeof serve>>;
  let client: Client;
  beforeAll(async () => {
    s = await serve(`digest-${era}`, 'digest');
    client = await connectHttp(s.handle.url, era);
  });
  afterAll(async () => {
    await client?.close();
    await s?.handle.close();
    await s?.mw.auditLog.close();
  });

  it('records every request with its outcome, code and an args digest; the chain verifies', async () => {
    await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    await client.callTool({ name: 'fail', arguments: {} });
    await expect(client.callTool({ name: 'boom', arguments: {} })).rejects.toThrow(/not allowed/);
    await client.listTools();
    await s.mw.auditLog.queue.drain();
    const records = await s.mw.auditLog.sink.query();
    const calls = records.filter((r) => r.method === 'tools/call');
    expect(calls.map((r) => [r.target, r.outcome, r.errorCode])).toEqual([
      ['echo', 'ok', null],
      ['fail', 'tool_error', null],
      ['boom', 'error', ErrorCode.Forbidden],
    ]);
    expect(records.some((r) => r.method === 'tools/list' && r.outcome === 'ok')).toBe(true);
    const echo = calls[0]!;
    expect(echo.principal).toBe('anonymous');
    expect(echo.argsDigest).toBe(createHash('sha256').update(canonicalJson({ text: 'hi' })).digest('hex'));
    expect(echo.args).toBeNull();
    expect(echo.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(echo.durationMs).toBeGreaterThanOrEqual(0);
    expect(await s.mw.auditLog.sink.verify()).toMatchObject({ ok: true });
  });
});

describe('audit middleware, redacted args', () => {
  it('keeps arguments with credentials and configured paths redacted', async () => {
    const s = await serve('redacted', 'redacted');
    const client = await connectHttp(s.handle.url, 'legacy');
    try {
      // echo only takes `text`; extra arguments are what we audit, whatever the tool accepts.
      await client.callTool({ name: 'echo', arguments: { text: 'Authorization: Bearer abcdef123456', apiKey: 'k-123456', card: { number: '4111', holder: 'A' } } }).catch(() => {});
      await s.mw.auditLog.queue.drain();
      const [rec] = (await s.mw.auditLog.sink.query({ tool: 'echo' })) as Array<{ args: Record<string, unknown>; argsDigest: unknown }>;
      expect(rec!.argsDigest).toBeNull();
      expect(rec!.args).toEqual({ text: 'Authorization: [redacted]', apiKey: '[redacted]', card: { number: '[redacted]', holder: 'A' } });
    } finally {
      await client.close();
      await s.handle.close();
      await s.mw.auditLog.close();
    }
  });

  it('close() writes every queued record before it returns', async () => {
    const s = await serve('drain', 'digest');
    const client = await connectHttp(s.handle.url, 'modern');
    await Promise.all(Array.from({ length: 30 }, (_, i) => client.callTool({ name: 'echo', arguments: { text: String(i) } })));
    await client.close();
    await s.handle.close();
    await s.mw.auditLog.close();
    const reopened = new SqliteAuditSink({ path: s.path });
    try {
      expect((await reopened.query({ tool: 'echo' })).length).toBe(30);
      expect((await reopened.verify()).ok).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});

describe('audit middleware, fail-closed', () => {
  it('refuses calls while the store is down, and records every call (the refusals too) once it is back', async () => {
    // Inline writes: this test's 150 ms wait must not include a writer thread loading TypeScript under load.
    const inner = new SqliteAuditSink({ path: join(dir, 'closed.db'), writer: 'inline' });
    let broken = false;
    const sink = { ...inner, append: (r: Parameters<typeof inner.append>[0]) => (broken ? Promise.reject(new Error('store down')) : inner.append(r)), query: inner.query.bind(inner), head: inner.head.bind(inner), verify: inner.verify.bind(inner), close: inner.close.bind(inner) };
    const mw = audit({ sink, mode: 'fail-closed', waitMs: 150, retryMs: 20, log: silentLogger });
    const server = buildDemoServer({ logger: silentLogger });
    server.use(mw);
    const handle = await server.serveHttp({ port: 0 });
    // Connected while the store is up (the handshake's requests pass the pipeline too); then it goes down.
    const client = await connectHttp(handle.url, 'legacy');
    try {
      // The first call runs (the store is not known to be down yet), but its answer waits for its record.
      broken = true;
      await expect(client.callTool({ name: 'echo', arguments: { text: 'one' } })).rejects.toThrow(/audit record is not stored yet/);
      // Now the store is known to be down: a call is refused before it runs.
      await expect(client.callTool({ name: 'echo', arguments: { text: 'two' } })).rejects.toThrow(/refused because it could not be audited/);
      broken = false;
      expect(await client.callTool({ name: 'echo', arguments: { text: 'three' } })).toMatchObject({ content: [{ type: 'text', text: 'echo: three' }] });
      await mw.auditLog.queue.drain();
      const calls = (await inner.query({ method: 'tools/call' })).map((r) => [r.outcome, r.errorCode]);
      expect(calls).toEqual([
        ['ok', null],
        ['error', ErrorCode.InternalError],
        ['ok', null],
      ]);
      expect((await inner.verify()).ok).toBe(true);
    } finally {
      await client.close();
      await handle.close();
      await mw.auditLog.close();
    }
  });
});

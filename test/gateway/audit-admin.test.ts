// Changes made to a running gateway are in its audit log: every admin request that may change something (POST
// /admin/mode, /admin/cache/invalidate, /admin/pins/approve) once answered, with who made it, its body (credentials
// redacted, even where request arguments are only digested) and how it ended, a caller without the admin scope
// refused too; reads of the admin API are not recorded; config reloads, applied or rejected, are recorded as the
// gateway's own. Against a real gateway with API-key authentication and a real stdio upstream.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPE, ErrorCode, Gateway, type HttpHandle, newApiKey, parseConfig, silentLogger } from '../../src/index.js';
import type { StoredAuditRecord } from '../../src/core/audit.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { waitUntil } from '../helpers/process.js';
import { fixtureServer } from './fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-admin-'));
const path = join(dir, 'audit.db');
const ops = newApiKey();
const user = newApiKey();

const configOf = (extra: Record<string, unknown> = {}) =>
  parseConfig(
    stringify({
      listen: { host: '127.0.0.1', port: 0 },
      auth: { apiKeys: { [ops.hash]: { id: 'ops', tenant: 'acme', scopes: [ADMIN_SCOPE] }, [user.hash]: { id: 'user', scopes: ['tools'] } } },
      servers: { demo: fixtureServer('demo') },
      // Arguments digested (the default) and one path named: admin bodies are still kept, that path redacted.
      audit: { path, redactPaths: ['note'] },
      cache: { ttlMs: 60_000 },
      pinning: { file: join(dir, 'pins.json') },
      ...extra,
    }),
    { format: 'yaml' },
  );

describe('admin changes and reloads in the audit log', () => {
  let gateway: Gateway;
  let handle: HttpHandle;
  let base: string;
  let closed = false;

  beforeAll(async () => {
    gateway = new Gateway(configOf(), { logger: silentLogger });
    await gateway.start();
    handle = await gateway.serveHttp({ port: 0 });
    base = new URL('/', handle.url).href.replace(/\/$/, '');
  }, 30_000);
  afterAll(async () => {
    if (!closed) await handle?.close();
    if (!closed) await gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const post = (route: string, key: string, body: unknown) =>
    fetch(`${base}${route}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const allRecords = async () => {
    const res = await fetch(`${base}/admin/audit?limit=1000`, { headers: { authorization: `Bearer ${ops.key}` } });
    return ((await res.json()) as { records: StoredAuditRecord[] }).records;
  };
  /** The records whose method is one of `methods`, once there are `n` of them. */
  const recorded = (n: number, ...methods: string[]) =>
    waitUntil(
      async () => {
        const some = (await allRecords()).filter((r) => methods.includes(r.method));
        return some.length >= n ? some : undefined;
      },
      5000,
      `${n} records of ${methods.join(', ')}`,
    );

  it('records each admin change with its caller, body and outcome; refusals too; reads not at all', async () => {
    expect((await post('/admin/mode', ops.key, { mode: 'read-only', note: 'incident 42' })).status).toBe(400);
    expect((await post('/admin/mode', ops.key, { mode: 'read-only' })).status).toBe(200);
    expect((await post('/admin/mode', user.key, { mode: 'normal' })).status).toBe(403);
    expect((await post('/admin/mode', ops.key, { mode: null, token: 'not-for-the-log' })).status).toBe(400);
    expect((await post('/admin/mode', ops.key, { mode: null })).status).toBe(200);
    expect((await post('/admin/cache/invalidate', ops.key, { server: 'demo' })).status).toBe(200);
    // Nothing changed since the demo server's tools were pinned: nothing to approve.
    expect((await post('/admin/pins/approve', ops.key, {})).status).toBe(404);

    const records = await recorded(7, 'POST /admin/mode', 'POST /admin/cache/invalidate', 'POST /admin/pins/approve');
    expect(records.map((r) => [r.method, r.principal, r.outcome, r.errorCode ?? null])).toEqual([
      ['POST /admin/mode', 'ops', 'error', ErrorCode.InvalidParams],
      ['POST /admin/mode', 'ops', 'ok', null],
      ['POST /admin/mode', 'user', 'error', ErrorCode.Forbidden],
      ['POST /admin/mode', 'ops', 'error', ErrorCode.InvalidParams],
      ['POST /admin/mode', 'ops', 'ok', null],
      ['POST /admin/cache/invalidate', 'ops', 'ok', null],
      ['POST /admin/pins/approve', 'ops', 'error', ErrorCode.InvalidParams],
    ]);
    // The body is kept in full although request arguments are digested here; the configured path and
    // credential-named fields are redacted. A refused caller's body is never read.
    expect(records.map((r) => r.args)).toEqual([
      { mode: 'read-only', note: '[redacted]' },
      { mode: 'read-only' },
      null,
      { mode: null, token: '[redacted]' },
      { mode: null },
      { server: 'demo' },
      {},
    ]);
    expect(records.every((r) => r.argsDigest == null && r.target == null && r.upstream == null)).toBe(true);
    expect(records[0]!.tenant).toBe('acme');
    expect(records.every((r) => r.durationMs >= 0 && Date.parse(r.time) > 0)).toBe(true);
    // The admin API's reads (the audit log itself, the cache's stats, the pins) leave no record.
    for (const route of ['/admin/cache/stats', '/admin/pins']) expect((await fetch(`${base}${route}`, { headers: { authorization: `Bearer ${ops.key}` } })).status).toBe(200);
    // A change made after the reads is recorded after the changes before them: the reads are not merely late.
    expect((await post('/admin/mode', ops.key, {})).status).toBe(200);
    await recorded(6, 'POST /admin/mode');
    expect((await allRecords()).filter((r) => r.method.startsWith('GET '))).toEqual([]);
  });

  it("records reloads as the gateway's own: applied, with what changed, and rejected, with why", async () => {
    const report = await gateway.reload(configOf({ servers: { demo: fixtureServer('demo'), more: fixtureServer('demo') } }));
    expect(report.added).toEqual(['more']);
    await expect(gateway.reload(configOf({ separator: '.' }))).rejects.toThrow(/separator changed/);
    // A file that does not load (what `mcplex serve` passes on SIGHUP is such a loader) is recorded too.
    const unloadable = async () => parseConfig('servers: [oops', { format: 'yaml' });
    await expect(gateway.reload(unloadable)).rejects.toThrow(/YAML/);
    const reloads = await recorded(3, 'config/reload');
    expect(reloads.map((r) => [r.principal, r.outcome, r.errorCode ?? null])).toEqual([
      ['mcplex-gateway', 'ok', null],
      ['mcplex-gateway', 'error', ErrorCode.InvalidParams],
      ['mcplex-gateway', 'error', ErrorCode.InvalidParams],
    ]);
    expect(reloads[0]!.args).toEqual({ added: ['more'], removed: [], restarted: [], retimed: [] });
    expect(reloads[1]!.args).toEqual({ problem: expect.stringMatching(/separator changed/) });
    expect(reloads[2]!.args).toEqual({ problem: expect.stringMatching(/YAML/) });
  });

  it('keeps these records in the hash chain like any other', async () => {
    closed = true;
    await handle.close();
    await gateway.close();
    const sink = new SqliteAuditSink({ path });
    try {
      expect((await sink.verify()).ok).toBe(true);
    } finally {
      await sink.close();
    }
  });
});

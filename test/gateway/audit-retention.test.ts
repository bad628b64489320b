// `audit.retention`: a gateway removes the records older than it from its log at start (and every hour), keeping
// the newest, and the log still verifies from where it then starts; `mcplex audit prune` does the same by hand and
// `mcplex audit verify` says where the log starts. A real SQLite log, a real gateway and the built CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { Gateway, parseConfig } from '../../src/index.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { capturingLogger } from '../helpers/logger.js';
import { waitUntil } from '../helpers/process.js';
import { runCli } from './fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const record = (i: number, daysAgo: number): AuditRecord => ({
  time: new Date(Date.now() - daysAgo * DAY).toISOString(),
  requestId: `req-${i}`,
  principal: 'alice',
  method: 'tools/call',
  target: 'demo__echo',
  upstream: 'demo',
  argsDigest: 'ab'.repeat(32),
  outcome: 'ok',
  errorCode: null,
  durationMs: 1,
});

/** A log holding records 100, 60, 30 and 1 days old (seq 1-4). */
async function seeded(name: string): Promise<string> {
  const path = join(dir, `${name}.db`);
  const sink = new SqliteAuditSink({ path });
  await sink.append([record(1, 100), record(2, 60), record(3, 30), record(4, 1)]);
  await sink.close();
  return path;
}

describe('audit retention', () => {
  it('a gateway with audit.retention removes the older records at start; the log still verifies', async () => {
    const path = await seeded('gateway');
    const log = capturingLogger();
    const gateway = new Gateway(parseConfig(stringify({ servers: {}, audit: { path, retention: '45d' } }), { format: 'yaml' }), { logger: log });
    await gateway.start();
    try {
      const pruned = await waitUntil(() => log.entries.find((e) => e.msg === 'audit records past audit.retention removed'), 10_000, 'the prune log line');
      expect(pruned.obj).toMatchObject({ removed: 2, startsAfter: 2 });
    } finally {
      await gateway.close();
    }
    const sink = new SqliteAuditSink({ path });
    try {
      expect((await sink.query()).map((r) => r.requestId)).toEqual(['req-3', 'req-4']);
      expect(await sink.verify()).toMatchObject({ ok: true, checked: 2, start: { seq: 2 } });
    } finally {
      await sink.close();
    }
  }, 30_000);

  it('mcplex audit prune --before removes by hand; audit verify says where the log starts', async () => {
    const path = await seeded('cli');
    const config = join(dir, 'cli.yaml');
    writeFileSync(config, stringify({ servers: {}, audit: { path } }));
    const cli = async (...args: string[]) => {
      const run = runCli(args, { MCPLEX_LOG_LEVEL: 'warn' });
      return { ...(await run.exited(30_000)), stdout: run.stdout(), stderr: run.stderr() };
    };
    const head = await cli('audit', 'head', '-c', config);
    const pruned = await cli('audit', 'prune', '-c', config, '--before', '45d');
    expect(pruned).toMatchObject({ code: 0, stdout: expect.stringMatching(/^removed 2 records from before \S+Z; the log starts after record 2 \(2:[0-9a-f]{64}\)\n$/) });
    expect(await cli('audit', 'prune', '-c', config, '--before', '45d')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^nothing to remove from before \S+Z; the log starts after record 2/) });
    const verified = await cli('audit', 'verify', '-c', config, '--anchor', '1:' + 'a'.repeat(64), '--anchor', head.stdout.trim());
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit chain intact: 2 records after record 2 \(the older ones removed by retention, \S+\), 1 anchor matched, 1 before the start not checked\n$/) });
    expect(await cli('audit', 'prune', '-c', config)).toMatchObject({ code: 1, stderr: expect.stringContaining("required option '--before <time>' not specified") });
  }, 60_000);
});

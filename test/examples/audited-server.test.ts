// docs/audit.md's framework example (examples/audited-server.ts) as a real process: its calls land in the SQLite
// log with the card number redacted, and SIGTERM drains the queue before exit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { connectHttp } from '../helpers/clients.js';
import { killStarted, spawnTs, waitForExit, waitForLine } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-example-'));
afterAll(() => {
  killStarted();
  rmSync(dir, { recursive: true, force: true });
});

it('examples/audited-server.ts audits calls with redacted args and drains on SIGTERM', async () => {
  const path = join(dir, 'audit.db');
  const { child } = spawnTs('examples/audited-server.ts', [], { env: { PORT: '0', AUDIT_DB: path }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  const url = listening.exec(await waitForLine(child.stdout!, (l) => listening.test(l), 30_000))![1]!;
  const client = await connectHttp(url, 'modern');
  await client.callTool({ name: 'refund', arguments: { orderId: 'o-1', card: { number: '4111111111111111' } } });
  await client.close();
  child.kill('SIGTERM');
  expect((await waitForExit(child, 15_000)).code).toBe(0);
  const sink = new SqliteAuditSink({ path });
  try {
    const [refund] = await sink.query({ tool: 'refund' });
    expect(refund).toMatchObject({ outcome: 'ok', args: { orderId: 'o-1', card: { number: '[redacted]' } } });
    expect((await sink.verify()).ok).toBe(true);
  } finally {
    await sink.close();
  }
}, 60_000);

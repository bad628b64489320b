// `mcplex audit head` and `mcplex audit verify --anchor` as real processes on a real SQLite log: the head prints as
// one `seq:hash` line, a kept head verifies while the log holds it, a truncated log fails it (exit 1, naming why),
// and anchor text of the wrong form is refused naming the expected `<seq>:<64 hex>`.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { ROOT, tsxArgs } from '../helpers/process.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'audit-anchor-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (i: number): AuditRecord => ({ time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), requestId: `req-${i}`, principal: 'alice', method: 'tools/call', target: 'echo', outcome: 'ok', durationMs: 1 });

/** A config whose audit: section names a fresh SQLite log holding `count` records. */
async function logWith(name: string, count: number): Promise<{ config: string; db: string }> {
  const db = join(dir, `${name}.db`);
  const sink = new SqliteAuditSink({ path: db, writer: 'inline' });
  if (count > 0) await sink.append(Array.from({ length: count }, (_, i) => record(i + 1)));
  await sink.close();
  const config = join(dir, `${name}.yaml`);
  writeFileSync(config, `listen: { host: 127.0.0.1, port: 0 }\nservers:\n  demo: { command: mcplex, args: [demo, demo] }\naudit:\n  path: ${db}\n`);
  return { config, db };
}

const cli = (...args: string[]) => run(process.execPath, tsxArgs('src/cli/main.ts', ...args), { cwd: ROOT, timeout: 30_000 });
const failing = (...args: string[]) =>
  cli(...args).then(
    () => {
      throw new Error('expected a non-zero exit');
    },
    (err: { code: number; stderr: string }) => err,
  );

describe('mcplex audit head and verify --anchor', () => {
  it('prints the head as seq:hash (or JSON), and verify accepts anchors the log still holds', async () => {
    const { config, db } = await logWith('kept', 5);
    const sink = new SqliteAuditSink({ path: db, writer: 'inline' });
    const [head, third] = await Promise.all([sink.head(), sink.query().then((rows) => rows[2]!)]).finally(() => sink.close());
    const [text, json, verified] = await Promise.all([
      cli('audit', 'head', '-c', config),
      cli('audit', 'head', '-c', config, '--json'),
      cli('audit', 'verify', '-c', config, '--anchor', `5:${head!.hash}`, '--anchor', `3:${third.hash}`),
    ]);
    expect(text.stdout).toBe(`5:${head!.hash}\n`);
    expect(JSON.parse(json.stdout)).toEqual({ seq: 5, hash: head!.hash });
    expect(verified.stdout).toBe('audit chain intact: 5 records, 2 anchors matched\n');
  }, 60_000);

  it('verify exits 1 when the log no longer holds an anchored head (truncated), though its chain is intact', async () => {
    const { config, db } = await logWith('cut', 5);
    const anchor = (await cli('audit', 'head', '-c', config)).stdout.trim();
    const sink = new SqliteAuditSink({ path: db, writer: 'inline' });
    sink.db.exec('DELETE FROM mcplex_audit WHERE seq > 3');
    await sink.close();
    const [plain, err] = await Promise.all([cli('audit', 'verify', '-c', config), failing('audit', 'verify', '-c', config, '--anchor', anchor)]);
    expect(plain.stdout).toBe('audit chain intact: 3 records\n');
    expect(err.code).toBe(1);
    expect(err.stderr).toBe('mcplex: audit anchor failed: record 5 is missing (the log ends at 3: truncated?)\n');
  }, 60_000);

  it('refuses anchor text of the wrong form, and an empty log has no head', async () => {
    const { config } = await logWith('empty', 0);
    const [bad, empty, json] = await Promise.all([failing('audit', 'verify', '-c', config, '--anchor', '5:abc'), failing('audit', 'head', '-c', config), cli('audit', 'head', '-c', config, '--json')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("invalid audit anchor '5:abc': expected <seq>:<64 hex>");
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('the audit log is empty');
    expect(json.stdout).toBe('null\n');
  }, 60_000);
});

// `mcplex serve` with an `audit:` section as real processes: calls from the official SDK client in both eras are
// audited, SIGTERM drains the queue before exit, and `mcplex audit query/verify` read the configured log (verify
// exits 1 naming a tampered record; a bad audit section exits 2 naming the path and the fix).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredAuditRecord } from '../../src/core/audit.js';
import { connectHttp } from '../helpers/clients.js';
import { killStarted, ROOT, spawnTs, tsxArgs, waitForExit, waitForLine } from '../helpers/process.js';

const run = promisify(execFile);
const MAIN = 'src/cli/main.ts';
const dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
afterAll(() => {
  killStarted();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, audit: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `listen: { host: 127.0.0.1, port: 0 }\nservers:\n  demo: { command: mcplex, args: [demo, demo] }\naudit:\n${audit}\n`);
  return file;
}

const cli = (...args: string[]) => run(process.execPath, tsxArgs(MAIN, ...args), { cwd: ROOT, timeout: 30_000 });
const failing = (...args: string[]) => cli(...args).then(
  () => {
    throw new Error('expected a non-zero exit');
  },
  (err: { code: number; stderr: string }) => err,
);

describe('mcplex serve with audit, then mcplex audit', () => {
  const db = join(dir, 'audit.db');
  const config = writeConfig('ok', `  path: ${db}\n  args: redacted`);

  it('audits both eras, drains on SIGTERM, and the CLI queries and verifies the log', async () => {
    const { child } = spawnTs(MAIN, ['serve', '-c', config], { stdin: 'ignore' });
    const listening = /gateway listening on (http:\/\/\S+)/;
    const url = listening.exec(await waitForLine(child.stdout!, (l) => listening.test(l), 30_000))![1]!;
    for (const era of ['legacy', 'modern'] as const) {
      const client = await connectHttp(url, era);
      const tools = await client.listTools();
      const echo = tools.tools.find((t) => t.name.endsWith('echo'))!.name;
      await client.callTool({ name: echo, arguments: { text: `from ${era}`, token: 'sekrit-value' } }).catch(() => {});
      await client.close();
    }
    child.kill('SIGTERM');
    expect((await waitForExit(child, 20_000)).code).toBe(0);

    const { stdout } = await cli('audit', 'query', '-c', config, '--principal', 'anonymous', '--method', 'tools/call', '--since', '1h', '--json');
    const records = JSON.parse(stdout) as StoredAuditRecord[];
    expect(records.map((r) => [r.upstream, r.outcome])).toEqual([
      ['demo', 'ok'],
      ['demo', 'ok'],
    ]);
    expect(records.map((r) => (r.args as { text: string }).text)).toEqual(['from legacy', 'from modern']);
    expect(stdout).not.toContain('sekrit-value');
    const byTool = await cli('audit', 'query', '-c', config, '--tool', records[0]!.target!);
    expect(byTool.stdout.trim().split('\n')).toHaveLength(2);
    expect(byTool.stdout).toContain('anonymous');
    // The main path's requests name no endpoint: a query for one finds none of them.
    expect((await cli('audit', 'query', '-c', config, '--endpoint', 'research')).stdout).toBe('');

    const verified = await cli('audit', 'verify', '-c', config);
    expect(verified.stdout).toMatch(/audit chain intact: \d+ records/);
  }, 90_000);

  it('verify exits 1 naming the first tampered record', async () => {
    const raw = new Database(db);
    const target = (raw.prepare("SELECT seq FROM mcplex_audit WHERE method = 'tools/call' ORDER BY seq LIMIT 1").get() as { seq: number }).seq;
    raw.prepare('UPDATE mcplex_audit SET principal = ? WHERE seq = ?').run('someone-else', target);
    raw.close();
    const err = await failing('audit', 'verify', '-c', config);
    expect(err.code).toBe(1);
    expect(err.stderr).toContain(`audit chain broken: record ${target}:`);
  });

  it('a bad audit section exits 2 naming the path and the fix', async () => {
    const bad = writeConfig('bad', '  sink: postgres\n  mode: sometimes');
    const err = await failing('audit', 'verify', '-c', bad);
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('audit.mode: expected one of spill, fail-closed');
    expect(err.stderr).toContain('audit.url: required when sink is postgres');
  });

  it('a log file that cannot be opened names the key to fix', async () => {
    const notDir = join(dir, 'a-file');
    writeFileSync(notDir, '');
    const err = await failing('audit', 'verify', '-c', writeConfig('unopenable', `  path: ${join(notDir, 'audit.db')}`));
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/audit\.path: cannot open .*a-file\/audit\.db: .*\(is its directory writable\?\)/);
  });
});

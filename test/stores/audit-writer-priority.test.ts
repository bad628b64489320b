// The SQLite audit log's writer thread yields to request handling: it lowers its own priority (nice +10 on Linux),
// and only its own: the process's other threads keep theirs.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';

/** Each thread's nice value, from /proc/self/task/<tid>/stat (field 19). */
function niceByThread(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'mcplex-audit-nice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite audit writer thread', () => {
  it.runIf(process.platform === 'linux')('runs 10 nice levels below the process while the rest of the process keeps its priority', async () => {
    const before = niceByThread();
    expect(before.every((n) => n === before[0])).toBe(true);
    const sink = new SqliteAuditSink({ path: join(dir, 'audit.db') });
    try {
      // Answered by the thread, so it has started and set its priority.
      await sink.append([{ time: new Date().toISOString(), requestId: 'r1', principal: 'p', tenant: null, method: 'tools/call', target: 't', upstream: null, outcome: 'ok', errorCode: null, durationMs: 1 }]);
      const during = niceByThread();
      expect(during.filter((n) => n === Math.min(19, before[0]! + 10))).toHaveLength(1);
      expect(during.filter((n) => n === before[0])).toHaveLength(during.length - 1);
      expect((await sink.head())?.seq).toBe(1);
    } finally {
      await sink.close();
    }
  });
});

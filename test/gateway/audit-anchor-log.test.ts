// audit.anchorLogEvery: the chain's head logged as an anchor on a timer (fake setInterval, real SQLite file), only
// when it changed, once more on close, a failing store warned about without stopping the timer, and 0 for off.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { logAnchors } from '../../src/gateway/audit-anchor-log.js';
import { parseAnchor } from '../../src/stores/audit-chain.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { capturingLogger } from '../helpers/logger.js';

const EVERY = 20;
const record = (i: number): AuditRecord => ({ time: new Date().toISOString(), requestId: `r${i}`, principal: 'alice', method: 'tools/call', target: 'echo', outcome: 'ok', durationMs: 1 });

describe('logAnchors', () => {
  let dir: string;
  let sink: SqliteAuditSink;
  let log: ReturnType<typeof capturingLogger>;
  const heads = () => log.entries.filter((e) => e.msg === 'audit head').map((e) => e.obj as { seq: number; hash: string; anchor: string; final?: true });

  beforeEach(() => {
    // Only the interval is faked: SQLite's writer thread and the test's own waits run for real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    dir = mkdtempSync(join(tmpdir(), 'audit-anchor-log-'));
    sink = new SqliteAuditSink({ path: join(dir, 'audit.db') });
    log = capturingLogger();
  });
  afterEach(async () => {
    vi.useRealTimers();
    if (sink.db.open) await sink.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One interval: the tick asks the store for its head; resolves once that check has logged (or not). */
  const tick = async (spy: { mock: { calls: unknown[]; results: Array<{ value: unknown }> } }) => {
    const n = spy.mock.calls.length;
    vi.advanceTimersByTime(EVERY);
    expect(spy.mock.calls).toHaveLength(n + 1);
    await Promise.resolve(spy.mock.results[n]!.value).catch(() => {});
    await new Promise((r) => setImmediate(r));
  };

  it('logs the head when it changed, as an anchor that verifies; stays quiet while idle; logs the final head on close', async () => {
    const head = vi.spyOn(sink, 'head');
    const anchored = logAnchors(sink, EVERY, log);
    expect(vi.getTimerCount()).toBe(1);

    await tick(head); // empty log: nothing to anchor yet
    expect(heads()).toEqual([]);

    await anchored.append([record(1), record(2), record(3)]);
    await tick(head);
    expect(heads()).toEqual([{ seq: 3, hash: expect.stringMatching(/^[0-9a-f]{64}$/), anchor: expect.stringMatching(/^3:[0-9a-f]{64}$/) }]);
    const [first] = heads();
    expect(first!.anchor).toBe(`${first!.seq}:${first!.hash}`);
    const check = await sink.verify({ anchors: [parseAnchor(first!.anchor)] });
    expect(check).toMatchObject({ ok: true, checked: 3, anchors: [{ seq: 3, ok: true }] });

    await tick(head);
    await tick(head);
    expect(heads()).toHaveLength(1); // nothing appended: no new line

    await anchored.append([record(4)]);
    await tick(head);
    expect(heads().map((h) => h.seq)).toEqual([3, 4]);

    await anchored.close();
    expect(vi.getTimerCount()).toBe(0);
    // The final line comes even though the head did not change since the last one, and is marked so.
    expect(heads()).toHaveLength(3);
    expect(heads()[2]).toEqual({ ...heads()[1], final: true });
    expect(sink.db.open).toBe(false);
    for (const e of log.entries) expect(e.level).toBe('info');
  });

  it('a failing head() is logged as a warning and the timer keeps going', async () => {
    const head = vi.spyOn(sink, 'head').mockRejectedValueOnce(new Error('database is locked'));
    const anchored = logAnchors(sink, EVERY, log);
    await anchored.append([record(1)]);

    await tick(head);
    expect(log.entries).toEqual([{ level: 'warn', bindings: {}, obj: { problem: 'database is locked' }, msg: expect.stringMatching(/^audit head not logged/) }]);
    expect(vi.getTimerCount()).toBe(1);

    await tick(head);
    expect(heads().map((h) => h.seq)).toEqual([1]);
    await anchored.close();
  });

  it('its timer does not keep the process alive', async () => {
    vi.useRealTimers();
    const setInterval = vi.spyOn(globalThis, 'setInterval');
    const anchored = logAnchors(sink, 60_000, log);
    expect((setInterval.mock.results[0]!.value as NodeJS.Timeout).hasRef()).toBe(false);
    setInterval.mockRestore();
    await anchored.close();
  });

  it('an empty log logs no final line', async () => {
    const anchored = logAnchors(sink, EVERY, log);
    await anchored.close();
    expect(log.entries).toEqual([]);
  });

  it('0 turns it off: no timer, no line after many intervals, none on close', async () => {
    const head = vi.spyOn(sink, 'head');
    const anchored = logAnchors(sink, 0, log);
    expect(anchored).toBe(sink);
    expect(vi.getTimerCount()).toBe(0);
    await anchored.append([record(1)]);
    vi.advanceTimersByTime(EVERY * 10);
    await anchored.close();
    expect(head).not.toHaveBeenCalled();
    expect(log.entries).toEqual([]);
  });
});

// The Supervisor keeping a real stdio child alive: an external SIGKILL brings it down and back up as a
// new process, spawns are counted, and no two children of the one server ever run at the same time.
import type { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { StdioProcessTransport } from '../../src/client/stdio-process-transport.js';
import { Supervisor } from '../../src/client/supervisor.js';
import { silentLogger } from '../../src/core/logger.js';
import { isAlive, killStarted, waitGone, waitUntil } from '../helpers/process.js';
import { callText, connectEcho, echoTransport, nextEvent } from './helpers.js';

interface Conn {
  client: Client;
  transport: StdioProcessTransport;
  closed: Promise<Error>;
  close(): Promise<void>;
}

const supervisors: Supervisor<Conn>[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  killStarted();
});

function superviseEcho(opts: { initialDelayMs: number; jitter?: number }) {
  const pids: number[] = [];
  let live = 0;
  let maxLive = 0;
  let connects = 0;
  const sup = new Supervisor<Conn>(
    'echo',
    async () => {
      connects++;
      const transport = echoTransport(silentLogger, { killTimeoutMs: 500 });
      const conn = await connectEcho(transport);
      pids.push(transport.pid!);
      live++;
      maxLive = Math.max(maxLive, live);
      // Counted down when the child has really exited, not when the supervisor hears about it.
      void conn.closed.then(() => live--);
      return { ...conn, transport };
    },
    { initialDelayMs: opts.initialDelayMs, factor: 2, jitter: opts.jitter ?? 0.2, healthyAfterMs: 60_000, log: silentLogger },
  );
  supervisors.push(sup);
  /** `connects`: connect attempts begun (counted before the child is spawned). */
  return { sup, pids, maxLive: () => maxLive, connects: () => connects };
}

describe('Supervisor over StdioProcessTransport', () => {
  it('restarts a SIGKILLed child as a new process, with growing jittered delays', async () => {
    const { sup, pids, maxLive } = superviseEcho({ initialDelayMs: 100 });
    const delays: number[] = [];
    sup.on('backoff', (ms) => delays.push(ms));
    const firstUp = nextEvent<[Conn]>(sup, 'up', 15_000);
    sup.start();
    const [first] = await firstUp;
    expect(await callText(first.client, 'echo', { text: 'one' })).toBe('echo: one');

    for (let round = 1; round <= 2; round++) {
      const oldPid = sup.current!.transport.pid!;
      const down = nextEvent<[Error]>(sup, 'down', 5000);
      const up = nextEvent<[Conn]>(sup, 'up', 15_000);
      process.kill(oldPid, 'SIGKILL');
      expect((await down)[0].message).toContain('SIGKILL');
      const [next] = await up;
      expect(next.transport.pid).not.toBe(oldPid);
      expect(isAlive(oldPid)).toBe(false); // the old child was gone before the new one started
      expect(await callText(next.client, 'pid')).toBe(String(next.transport.pid));
    }
    expect(sup.restarts).toBe(2);
    expect(pids).toHaveLength(3);
    expect(maxLive()).toBe(1);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(80);
    expect(delays[0]).toBeLessThanOrEqual(120);
    expect(delays[1]).toBeGreaterThanOrEqual(160);
    expect(delays[1]).toBeLessThanOrEqual(240);

    await sup.stop();
    expect(sup.state).toBe('stopped');
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('stop() during backoff leaves no child and starts none', async () => {
    // A control supervisor with the same delay, killed just after: once it has begun its restart, the stopped one
    // would have begun its own (its timer was set first), had stop() not cancelled it.
    const { sup, pids, connects } = superviseEcho({ initialDelayMs: 1000, jitter: 0 });
    const control = superviseEcho({ initialDelayMs: 1000, jitter: 0 });
    const up = Promise.all([nextEvent(sup, 'up', 15_000), nextEvent(control.sup, 'up', 15_000)]);
    sup.start();
    control.sup.start();
    await up;
    const backoff = nextEvent(sup, 'backoff', 5000);
    process.kill(pids[0]!, 'SIGKILL');
    await backoff;
    const controlBackoff = nextEvent(control.sup, 'backoff', 5000);
    process.kill(control.pids[0]!, 'SIGKILL');
    await controlBackoff;
    await sup.stop();
    await waitUntil(() => control.connects() === 2, 15_000, 'the control supervisor to begin its restart');
    expect(connects()).toBe(1);
    expect(pids).toHaveLength(1);
    expect(sup.state).toBe('stopped');
    await waitGone(pids[0]!, 2000);
  });
});

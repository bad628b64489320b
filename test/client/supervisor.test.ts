// The Supervisor against fake connections (no processes): restart on close, growing jittered delays,
// reset after a healthy period, connect failures, stop() during backoff, and one live connection at most.
import { afterEach, describe, expect, it } from 'vitest';
import { type Connected, Supervisor, type SupervisorOptions } from '../../src/client/supervisor.js';
import { silentLogger } from '../../src/core/logger.js';
import { waitUntil } from '../helpers/process.js';
import { nextEvent } from './helpers.js';

class FakeConn implements Connected {
  static live = 0;
  static maxLive = 0;
  readonly closed: Promise<unknown>;
  #end!: (reason?: unknown) => void;
  #closing: Promise<void> | undefined;
  constructor(readonly id: number, readonly closeDelayMs = 0) {
    FakeConn.live++;
    FakeConn.maxLive = Math.max(FakeConn.maxLive, FakeConn.live);
    this.closed = new Promise((resolve) => {
      this.#end = resolve;
    });
  }
  /** The "process" dies on its own; it is only released (live--) once close() has finished. */
  die(reason?: unknown): void {
    this.#end(reason);
  }
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((r) => setTimeout(r, this.closeDelayMs)).then(() => {
      FakeConn.live--;
      this.#end();
    });
    return this.#closing;
  }
}

const supervisors: Supervisor<FakeConn>[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  FakeConn.live = 0;
  FakeConn.maxLive = 0;
});

function supervise(connect: () => Promise<FakeConn>, opts: SupervisorOptions = {}) {
  const sup = new Supervisor('fake', connect, { initialDelayMs: 20, maxDelayMs: 1000, factor: 2, jitter: 0, healthyAfterMs: 60_000, ...opts, log: silentLogger });
  const delays: number[] = [];
  sup.on('backoff', (ms) => delays.push(ms));
  supervisors.push(sup);
  return { sup, delays };
}

/** A supervisor over fresh FakeConns (each closing after `closeDelayMs`), kept in `conns` in creation order. */
function superviseFakes(opts: SupervisorOptions = {}, closeDelayMs = 0) {
  const conns: FakeConn[] = [];
  const supervised = supervise(async () => {
    const c = new FakeConn(conns.length, closeDelayMs);
    conns.push(c);
    return c;
  }, opts);
  return { ...supervised, conns };
}

describe('Supervisor', () => {
  it('restarts a connection that closes, with growing delays, and counts restarts', async () => {
    const { sup, delays, conns } = superviseFakes();
    const states: string[] = [];
    sup.on('state', (s) => states.push(s));
    const firstUp = nextEvent<[FakeConn]>(sup, 'up', 2000);
    sup.start();
    expect((await firstUp)[0]).toBe(conns[0]);
    expect(sup.current).toBe(conns[0]);
    for (let i = 0; i < 3; i++) {
      const down = nextEvent<[Error]>(sup, 'down', 2000);
      const up = nextEvent<[FakeConn]>(sup, 'up', 2000);
      conns[i]!.die(new Error(`died ${i}`));
      expect((await down)[0].message).toBe(`died ${i}`);
      expect((await up)[0]).toBe(conns[i + 1]);
    }
    expect(delays).toEqual([20, 40, 80]);
    expect(sup.restarts).toBe(3);
    expect(states.slice(0, 5)).toEqual(['starting', 'up', 'backoff', 'starting', 'up']);
    expect(FakeConn.maxLive).toBe(1);
  });

  it('applies jitter from the injected random source', async () => {
    const { sup, delays, conns } = superviseFakes({ initialDelayMs: 100, jitter: 0.5, random: () => 0 });
    sup.start();
    await waitUntil(() => conns.length === 1, 2000, 'first connection');
    conns[0]!.die();
    await waitUntil(() => conns.length === 2, 2000, 'second connection');
    expect(delays).toEqual([50]); // 100 ms − 50 %
    expect(sup.lastError).toBeUndefined(); // cleared once up again
  });

  it('resets the backoff after the connection stayed up for healthyAfterMs', async () => {
    const { sup, delays, conns } = superviseFakes({ healthyAfterMs: 150 });
    sup.start();
    for (let i = 0; i < 3; i++) {
      await waitUntil(() => conns.length === i + 1 && sup.state === 'up', 2000, `connection ${i}`);
      conns[i]!.die();
    }
    await waitUntil(() => conns.length === 4 && sup.state === 'up', 2000, 'connection 3');
    await new Promise((r) => setTimeout(r, 200)); // healthy now
    conns[3]!.die();
    await waitUntil(() => conns.length === 5 && sup.state === 'up', 2000, 'connection 4');
    expect(delays).toEqual([20, 40, 80, 20]);
  });

  it('backs off on connect failures too, reporting each as down', async () => {
    let calls = 0;
    const { sup, delays } = supervise(async () => {
      calls++;
      if (calls <= 3) throw new Error(`refused ${calls}`);
      return new FakeConn(calls);
    });
    const downs: string[] = [];
    sup.on('down', (e) => downs.push(e.message));
    const up = nextEvent(sup, 'up', 2000);
    sup.start();
    await up;
    expect(downs).toEqual(['refused 1', 'refused 2', 'refused 3']);
    expect(delays).toEqual([20, 40, 80]);
    expect(sup.restarts).toBe(3);
  });

  it('stop() during backoff cancels the restart for good', async () => {
    // A control supervisor with the same delay, whose connection dies just after: once it has restarted, the
    // stopped one's restart would have happened too (its timer was set first), had stop() not cancelled it.
    const { sup, conns } = superviseFakes({ initialDelayMs: 200 });
    const control = superviseFakes({ initialDelayMs: 200 });
    sup.start();
    control.sup.start();
    await waitUntil(() => sup.state === 'up' && control.sup.state === 'up', 2000, 'both up');
    const backoff = nextEvent(sup, 'backoff', 2000);
    conns[0]!.die();
    await backoff;
    expect(sup.state).toBe('backoff');
    const controlBack = nextEvent(control.sup, 'up', 2000);
    control.conns[0]!.die();
    await sup.stop();
    expect(sup.state).toBe('stopped');
    await controlBack;
    expect(control.conns).toHaveLength(2);
    expect(conns).toHaveLength(1);
    expect(sup.current).toBeUndefined();
  });

  it('stop() during backoff does not wait the delay out', async () => {
    const { sup, conns } = superviseFakes({ initialDelayMs: 60_000, maxDelayMs: 60_000 });
    sup.start();
    await waitUntil(() => sup.state === 'up', 2000, 'up');
    const backoff = nextEvent(sup, 'backoff', 2000);
    conns[0]!.die();
    await backoff;
    // Generous, and far below the 60 s the pending restart would have taken.
    const stopped = await Promise.race([sup.stop().then(() => 'stopped'), new Promise((r) => setTimeout(r, 10_000, 'still waiting'))]);
    expect(stopped).toBe('stopped');
  });

  it('stop() while connecting closes the late connection and does not retry', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const made: FakeConn[] = [];
    const { sup } = supervise(async () => {
      await gate;
      const c = new FakeConn(made.length);
      made.push(c);
      return c;
    });
    sup.start();
    await waitUntil(() => sup.state === 'starting', 2000, 'starting');
    const stopped = sup.stop();
    release();
    await stopped;
    expect(made).toHaveLength(1);
    expect(FakeConn.live).toBe(0);
    expect(sup.state).toBe('stopped');
  });

  it('never holds two live connections, even when closed and stop() race or start() follows stop()', async () => {
    const { sup } = superviseFakes({ initialDelayMs: 0 }, 30); // slow close widens every race window
    for (let round = 0; round < 10; round++) {
      sup.start();
      sup.start(); // idempotent
      await waitUntil(() => sup.state === 'up', 2000, `up in round ${round}`);
      const c = sup.current!;
      c.die();
      if (round % 2) await new Promise((r) => setTimeout(r, 5));
      const stopping = sup.stop();
      if (round % 3 === 0) sup.start(); // restart queued behind the stopping loop
      await stopping;
      if (round % 3 === 0) await sup.stop();
    }
    expect(FakeConn.maxLive).toBe(1);
    await waitUntil(() => FakeConn.live === 0, 2000, 'all closed');
    expect(sup.state).toBe('stopped');
  });
});

// The resilience building blocks on their own: compose lets a middleware call next() again only after a rejection
// (retries), the breaker's state machine (consecutive failures, error rate, half-open probes), the retry budget,
// and the retry middleware's rules (safe calls only, transient errors only, within budget).
import { describe, expect, it, vi } from 'vitest';
import { compose, ErrorCode, type McpResult, type Middleware, WireError } from '../../src/core/index.js';
import { Breaker, circuitBreaker, RetryBudget, retry } from '../../src/middleware/index.js';
import { RollingCounts } from '../../src/middleware/rolling-counts.js';
import { makeCtx } from '../core/helpers.js';

const unavailable = () => new WireError(ErrorCode.UpstreamUnavailable, 'down');

describe('compose and retries', () => {
  it('lets a middleware call next() again after it rejected, running the deeper stages afresh', async () => {
    const seen: string[] = [];
    let calls = 0;
    const again: Middleware = async (_c, next) => next().catch(() => next());
    const inner: Middleware = async (_c, next) => {
      seen.push('inner');
      return next();
    };
    const run = compose([again, inner], async () => {
      if (++calls === 1) throw unavailable();
      return { ok: true };
    });
    expect(await run(makeCtx())).toEqual({ ok: true });
    expect(seen).toEqual(['inner', 'inner']);
  });

  it('still rejects next() after it succeeded, or while it runs', async () => {
    const afterSuccess: Middleware = async (_c, next) => {
      await next();
      return next();
    };
    await expect(compose([afterSuccess], async () => ({}))(makeCtx())).rejects.toThrow('middleware #0 called next() more than once');
    const concurrent: Middleware = async (_c, next) => (await Promise.all([next(), next()]))[0]!;
    await expect(compose([concurrent], async () => ({}))(makeCtx())).rejects.toThrow(/more than once/);
  });
});

describe('Breaker', () => {
  it('opens after N consecutive failures, half-opens after openMs with one probe, closes on its success', () => {
    const states: string[] = [];
    const b = new Breaker({ failures: 3, openMs: 1000 }, (s) => states.push(s));
    for (const t of [0, 1, 2]) {
      expect(b.admit(t)).toBe(true);
      b.failure(t);
    }
    expect(b.snapshot(10)).toMatchObject({ state: 'open', retryAfterMs: 992, opens: 1 });
    expect(b.admit(500)).toBe(false);
    expect(b.admit(1002)).toBe(true); // the probe
    expect(b.admit(1003)).toBe(false); // only one at a time
    b.success(1004);
    expect(b.snapshot(1005).state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again when the probe fails, and on an error rate over the window', () => {
    const b = new Breaker({ failures: 1, openMs: 100 });
    b.failure(0);
    expect(b.admit(150)).toBe(true);
    b.failure(150);
    expect(b.snapshot(160)).toMatchObject({ state: 'open', opens: 2 });

    const rate = new Breaker({ failures: 100, errorRate: 0.5, minRequests: 4, windowMs: 1000 });
    rate.success(0);
    rate.failure(1);
    rate.success(2);
    expect(rate.snapshot(3).state).toBe('closed');
    rate.failure(3); // 2 of 4 failed
    expect(rate.snapshot(4).state).toBe('open');
  });

  it('forgets outcomes older than the window', () => {
    const b = new Breaker({ failures: 100, errorRate: 0.5, minRequests: 2, windowMs: 1000 });
    b.failure(0);
    b.success(5000);
    b.success(5001);
    b.failure(5002);
    expect(b.snapshot(5003).state).toBe('closed'); // 1 of 3 in the window
  });
});

describe('RollingCounts', () => {
  it('counts by kind over the window and forgets a bucket at a time', () => {
    const c = new RollingCounts(['calls', 'failed'], 3, 100); // a 300 ms window in 100 ms buckets
    c.add('calls', 0);
    c.add('failed', 50);
    c.add('calls', 120);
    c.add('calls', 250);
    expect(c.totals(299)).toEqual({ calls: 3, failed: 1 });
    expect(c.totals(300)).toEqual({ calls: 2, failed: 0 }); // the bucket of 0–99 ms is gone
    expect(c.totals(399)).toEqual({ calls: 2, failed: 0 });
    expect(c.totals(400)).toEqual({ calls: 1, failed: 0 });
    expect(c.totals(1000)).toEqual({ calls: 0, failed: 0 });
    c.add('calls', 1000);
    c.clear();
    expect(c.totals(1000)).toEqual({ calls: 0, failed: 0 });
  });
});

describe('Breaker error rate under load', () => {
  it('keeps an exact rate over a window holding a million calls (counted in buckets, not one entry per call)', () => {
    const b = new Breaker({ failures: 2_000_000, errorRate: 0.5, minRequests: 10, windowMs: 30_000 });
    for (let i = 0; i < 1_000_000; i++) b.success(Math.floor(i / 50)); // 0–19,999 ms
    for (let i = 0; i < 999_999; i++) b.failure(20_000);
    expect(b.snapshot(20_000).state).toBe('closed'); // 999,999 of 1,999,999 failed
    b.failure(20_001);
    expect(b.snapshot(20_001).state).toBe('open');
  });
});

describe('RetryBudget', () => {
  it('allows the floor plus a ratio of recent requests, per key', () => {
    const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 0, windowMs: 1000 });
    for (let i = 0; i < 4; i++) budget.request('a', 0);
    expect([budget.tryRetry('a', 1), budget.tryRetry('a', 2), budget.tryRetry('a', 3)]).toEqual([true, true, false]);
    expect(budget.tryRetry('b', 3)).toBe(false);
    expect(budget.tryRetry('a', 2000)).toBe(false); // the window moved on: no requests, no retries
  });
});

describe('retry middleware', () => {
  const failingTimes = (n: number, err = unavailable) => {
    let calls = 0;
    const handler = async (): Promise<McpResult> => {
      if (calls++ < n) throw err();
      return { ok: calls };
    };
    return { handler, calls: () => calls };
  };
  const target = (annotations: Record<string, boolean>) => () => ({ key: 'k', name: 't', annotations });
  const fast = { baseDelayMs: 1, maxDelayMs: 2, random: () => 0.5 };

  it('retries a read-only tool on a transient error', async () => {
    const f = failingTimes(2);
    const run = compose([retry({ ...fast, target: target({ readOnlyHint: true }) })], f.handler);
    expect(await run(makeCtx({ target: 't' }))).toEqual({ ok: 3 });
  });

  it('never retries a tool not annotated safe, nor a non-transient error', async () => {
    const writes = failingTimes(1);
    await expect(compose([retry({ ...fast, target: target({ destructiveHint: true }) })], writes.handler)(makeCtx())).rejects.toThrow('down');
    expect(writes.calls()).toBe(1);
    const invalid = failingTimes(1, () => new WireError(ErrorCode.InvalidParams, 'bad'));
    await expect(compose([retry({ ...fast, target: target({ readOnlyHint: true }) })], invalid.handler)(makeCtx())).rejects.toThrow('bad');
    expect(invalid.calls()).toBe(1);
  });

  it('retries configured tools, and stops when the budget is spent', async () => {
    // The budget counts in one-second buckets of the wall clock: held still, so the retries cannot straddle a second
    // and find a fresh bucket (which failed CI once: 5 calls).
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const f = failingTimes(100);
      const mw = retry({ ...fast, retries: 5, target: target({}), alsoSafe: () => true, budget: { ratio: 0, minPerSecond: 2, windowMs: 1000 } });
      await expect(compose([mw], f.handler)(makeCtx())).rejects.toThrow('down');
      expect(f.calls()).toBe(3); // 1 + the 2 retries the budget allows
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('circuit breaker and tools/list', () => {
  const owner = (name: string) => (name.startsWith('a__') ? 'a' : 'b');
  const list = async (): Promise<McpResult> => ({ tools: [{ name: 'a__x' }, { name: 'b__y' }] });
  const openA = (whenOpen: 'hide' | 'mark') => {
    const mw = circuitBreaker({ failures: 1, whenOpen, toolOwner: owner, target: (ctx) => ({ key: owner(ctx.target ?? '') }) });
    mw.breakers.get('a').failure();
    return mw;
  };

  it("hides an open upstream's tools, or marks them in _meta", async () => {
    const hidden = await compose([openA('hide')], list)(makeCtx({ method: 'tools/list' }));
    expect(hidden.tools).toEqual([{ name: 'b__y' }]);
    const marked = await compose([openA('mark')], list)(makeCtx({ method: 'tools/list' }));
    expect(marked.tools).toEqual([{ name: 'a__x', _meta: { 'mcplex/unavailable': true } }, { name: 'b__y' }]);
  });

  it('goes half-open when openMs has passed without anyone calling, and says so (the gateway sends list_changed)', async () => {
    const changes: string[] = [];
    const mw = circuitBreaker({ failures: 1, openMs: 30, whenOpen: 'hide', toolOwner: owner, onChange: (key, state) => changes.push(`${key} ${state}`) });
    mw.breakers.get('a').failure();
    expect(changes).toEqual(['a open']);
    await vi.waitFor(() => expect(changes).toEqual(['a open', 'a half-open']), { timeout: 2000, interval: 10 });
    // Shown again while half-open: a client may send the probe.
    expect((await compose([mw], list)(makeCtx({ method: 'tools/list' }))).tools).toEqual([{ name: 'a__x' }, { name: 'b__y' }]);
  });

  it('fails fast with retryAfterMs while open, without calling the handler', async () => {
    let called = 0;
    const run = compose([openA('mark')], async () => ({ called: ++called }));
    const err = await run(makeCtx({ target: 'a__x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).code).toBe(ErrorCode.UpstreamUnavailable);
    expect((err as WireError).data).toMatchObject({ circuit: 'open', retryAfterMs: expect.any(Number) });
    expect(called).toBe(0);
    expect(await run(makeCtx({ target: 'b__y' }))).toEqual({ called: 1 });
  });
});

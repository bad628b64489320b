// In-flight dedup on its own: 50 identical concurrent calls collapse into one, partitions stay apart, a
// cancelled leader does not fail its followers, a cancelled follower does not cancel the leader.
import { describe, expect, it } from 'vitest';
import { type CallContext, compose, type Principal } from '../../src/core/index.js';
import { dedup } from '../../src/middleware/dedup.js';
import { makeCtx } from '../core/helpers.js';

const alice: Principal = { id: 'alice', kind: 'apiKey', scopes: [], claims: {} };
const bob: Principal = { id: 'bob', kind: 'apiKey', scopes: [], claims: {} };

function setup(handler?: (ctx: CallContext, n: number) => Promise<Record<string, unknown>>) {
  const mw = dedup({ readOnly: (t) => t.startsWith('ro_') });
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const run = compose([mw], async (ctx) => {
    calls++;
    if (handler) return handler(ctx, calls);
    await gate;
    return { content: [{ type: 'text', text: `#${calls}` }] };
  });
  const call = (tool: string, principal: Principal = alice, signal?: AbortSignal) => {
    const ctx = makeCtx({ method: 'tools/call', target: tool, params: { name: tool, arguments: { q: 1 } } });
    ctx.principal = principal;
    return run(signal ? { ...ctx, signal } : ctx);
  };
  return { mw, call, calls: () => calls, release };
}

describe('dedup middleware', () => {
  it('collapses 50 identical concurrent calls into one; each gets its own copy', async () => {
    const t = setup();
    const pending = Array.from({ length: 50 }, () => t.call('ro_x'));
    expect(t.mw.stats()).toEqual({ leaders: 1, followers: 49, inflight: 1 });
    t.release();
    const results = await Promise.all(pending);
    expect(t.calls()).toBe(1);
    for (const r of results) expect(r).toEqual({ content: [{ type: 'text', text: '#1' }] });
    expect(new Set(results).size).toBe(50);
    expect(t.mw.stats().inflight).toBe(0);
  });

  it('does not share between principals, nor for tools that are not cacheable', async () => {
    const t = setup();
    const pending = [t.call('ro_x', alice), t.call('ro_x', bob), t.call('write'), t.call('write')];
    t.release();
    await Promise.all(pending);
    expect(t.calls()).toBe(4);
  });

  it('shares a failure with the followers', async () => {
    const t = setup(async () => {
      await new Promise((r) => setImmediate(r));
      throw new Error('upstream broke');
    });
    const results = await Promise.allSettled([t.call('ro_x'), t.call('ro_x')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(t.calls()).toBe(1);
  });

  it("a follower runs by itself when the leader's caller cancels", async () => {
    const leader = new AbortController();
    const t = setup(async (ctx, n) => {
      if (n === 1) {
        await new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('cancelled'))));
      }
      return { content: [{ type: 'text', text: `#${n}` }] };
    });
    const first = t.call('ro_x', alice, leader.signal);
    const second = t.call('ro_x');
    leader.abort();
    await expect(first).rejects.toThrow('cancelled');
    expect(await second).toEqual({ content: [{ type: 'text', text: '#2' }] });
  });

  it("a cancelled follower stops waiting; the leader still gets its result", async () => {
    const follower = new AbortController();
    const t = setup();
    const first = t.call('ro_x');
    const second = t.call('ro_x', alice, follower.signal);
    follower.abort(new Error('follower gave up'));
    await expect(second).rejects.toThrow('follower gave up');
    t.release();
    expect(await first).toEqual({ content: [{ type: 'text', text: '#1' }] });
  });
});

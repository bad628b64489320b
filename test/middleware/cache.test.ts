// The cache middleware on its own (compose + a counting handler): hits, keys, partitions, TTL by a store clock,
// what is never stored, the 2026 cache hints, invalidation and store failures.
import { describe, expect, it } from 'vitest';
import { type CacheStore, type CallContext, compose, type McpResult, type Principal } from '../../src/core/index.js';
import { type CacheOptions, cache } from '../../src/middleware/cache.js';
import { MemoryCacheStore } from '../../src/stores/memory/memory-cache-store.js';
import { makeCtx } from '../core/helpers.js';

const alice: Principal = { id: 'alice', kind: 'apiKey', tenant: 'acme', scopes: [], claims: {} };
const bob: Principal = { id: 'bob', kind: 'apiKey', tenant: 'acme', scopes: [], claims: {} };
const eve: Principal = { id: 'eve', kind: 'apiKey', tenant: 'other', scopes: [], claims: {} };
const loner: Principal = { id: 'loner', kind: 'jwt', scopes: [], claims: {} };

function setup(opts: Partial<CacheOptions> = {}, reply?: (ctx: CallContext, n: number) => McpResult) {
  let now = 0;
  const store = new MemoryCacheStore({ now: () => now });
  const mw = cache({ store, readOnly: (t) => t.startsWith('ro_'), ...opts });
  let calls = 0;
  const run = compose([mw], async (ctx) => {
    calls++;
    return reply ? reply(ctx, calls) : { content: [{ type: 'text', text: `result #${calls} for ${ctx.principal.id}` }] };
  });
  const call = (tool: string, args: unknown, principal: Principal = alice) => {
    const ctx = makeCtx({ method: 'tools/call', target: tool, params: { name: tool, arguments: args } });
    ctx.principal = principal;
    return run(ctx);
  };
  const request = (method: string, params: Record<string, unknown>, principal: Principal = alice, target?: string) => {
    const ctx = makeCtx({ method, params, ...(target !== undefined && { target }) });
    ctx.principal = principal;
    return run(ctx);
  };
  const advance = (ms: number) => {
    now += ms;
  };
  return { mw, call, request, calls: () => calls, advance, store };
}

describe('cache middleware', () => {
  it('answers a repeated read-only call with identical content, once downstream', async () => {
    const t = setup();
    const first = await t.call('ro_search', { q: 'x', n: 1 });
    const second = await t.call('ro_search', { n: 1, q: 'x' });
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(t.calls()).toBe(1);
    expect(t.mw.stats()).toMatchObject({ hits: 1, misses: 1, stores: 1 });
    await t.call('ro_search', { q: 'y', n: 1 });
    expect(t.calls()).toBe(2);
  });

  it('keeps principals apart, and tenants apart under partition: tenant', async () => {
    const p = setup();
    await p.call('ro_x', {}, alice);
    const forBob = await p.call('ro_x', {}, bob);
    expect(forBob).toEqual({ content: [{ type: 'text', text: 'result #2 for bob' }] });
    const t = setup({ partition: 'tenant' });
    await t.call('ro_x', {}, alice);
    expect(await t.call('ro_x', {}, bob)).toEqual({ content: [{ type: 'text', text: 'result #1 for alice' }] });
    expect(await t.call('ro_x', {}, eve)).toEqual({ content: [{ type: 'text', text: 'result #2 for eve' }] });
    // No tenant: a partition of its own, never a shared "no tenant" one.
    expect(await t.call('ro_x', {}, loner)).toEqual({ content: [{ type: 'text', text: 'result #3 for loner' }] });
    expect(t.calls()).toBe(3);
  });

  it('expires entries after the TTL (store clock)', async () => {
    const t = setup({ ttlMs: 1000 });
    await t.call('ro_x', {});
    t.advance(999);
    await t.call('ro_x', {});
    expect(t.calls()).toBe(1);
    t.advance(2);
    await t.call('ro_x', {});
    expect(t.calls()).toBe(2);
  });

  it('caches only read-only or configured tools; a TTL of 0 turns one off', async () => {
    const t = setup({ toolTtlMs: (tool) => ({ configured: 5000, ro_off: 0 })[tool] });
    for (const tool of ['write', 'write', 'configured', 'configured', 'ro_off', 'ro_off']) await t.call(tool, {});
    expect(t.calls()).toBe(5);
  });

  it('never stores isError results or unfinished (input_required) results', async () => {
    const t = setup({}, (ctx, n) =>
      ctx.target === 'ro_fail' ? { isError: true, content: [{ type: 'text', text: `failed ${n}` }] } : { resultType: 'input_required', inputRequests: {} },
    );
    expect(await t.call('ro_fail', {})).toMatchObject({ isError: true, content: [{ text: 'failed 1' }] });
    expect(await t.call('ro_fail', {})).toMatchObject({ content: [{ text: 'failed 2' }] });
    await t.call('ro_ask', {});
    await t.call('ro_ask', {});
    expect(t.calls()).toBe(4);
    expect(t.mw.stats().stores).toBe(0);
  });

  it('does not answer a 2026-era continuation (inputResponses / requestState) from the cache', async () => {
    const t = setup();
    const params = { name: 'ro_x', arguments: {}, inputResponses: { a: {} } };
    await t.request('tools/call', params, alice, 'ro_x');
    await t.request('tools/call', params, alice, 'ro_x');
    expect(t.calls()).toBe(2);
  });

  it('ignores _meta (progress tokens, trace context) in the key', async () => {
    const t = setup();
    await t.request('tools/call', { name: 'ro_x', arguments: { a: 1 }, _meta: { progressToken: 1 } }, alice, 'ro_x');
    await t.request('tools/call', { name: 'ro_x', arguments: { a: 1 }, _meta: { progressToken: 2 } }, alice, 'ro_x');
    expect(t.calls()).toBe(1);
  });

  it("honours ttlMs / cacheScope hints on lists and reads: private per principal, public shared, 0 not at all", async () => {
    const hints: Record<string, McpResult> = {
      'resources/read': { contents: [{ uri: 'a://x', text: 'x' }], ttlMs: 5000, cacheScope: 'private' },
      'prompts/list': { prompts: [], ttlMs: 5000, cacheScope: 'public' },
      'tools/list': { tools: [], ttlMs: 0, cacheScope: 'public' },
      'resources/list': { resources: [] },
    };
    const t = setup({}, (ctx) => ({ ...hints[ctx.method], n: Math.random() }));
    const a1 = await t.request('resources/read', { uri: 'a://x' }, alice, 'a://x');
    expect(await t.request('resources/read', { uri: 'a://x' }, alice, 'a://x')).toEqual(a1);
    expect(await t.request('resources/read', { uri: 'a://x' }, bob, 'a://x')).not.toEqual(a1);
    const p1 = await t.request('prompts/list', {}, alice);
    expect(await t.request('prompts/list', {}, eve)).toEqual(p1);
    expect(await t.request('tools/list', {}, alice)).not.toEqual(await t.request('tools/list', {}, alice));
    expect(await t.request('resources/list', {}, alice)).not.toEqual(await t.request('resources/list', {}, alice));
    t.advance(5001);
    expect(await t.request('prompts/list', {}, alice)).not.toEqual(p1);
  });

  it('bounds a hinted TTL by maxHintTtlMs', async () => {
    const t = setup({ maxHintTtlMs: 100 }, () => ({ prompts: [], ttlMs: 1e9, n: Math.random() }));
    const first = await t.request('prompts/list', {}, alice);
    t.advance(101);
    expect(await t.request('prompts/list', {}, alice)).not.toEqual(first);
  });

  it('invalidates by tool, by tag and all at once', async () => {
    const t = setup({ tags: (ctx) => [`server:${(ctx.target ?? '').split('__')[0]}`] });
    const warm = async () => {
      for (const tool of ['ro_a__x', 'ro_a__y', 'ro_b__x']) await t.call(tool, {});
    };
    await warm();
    expect(await t.mw.invalidate({ tool: 'ro_a__x' })).toBe(1);
    expect(await t.mw.invalidate({ server: 'ro_a' })).toBe(1);
    await warm();
    expect(t.calls()).toBe(5);
    expect(await t.mw.invalidate({ all: true })).toBe(3);
    expect(t.mw.stats().invalidated).toBe(5);
  });

  it('does not store a result fetched across an invalidation (it may predate it)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let n = 0;
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => {
      entered = r;
    });
    const store = new MemoryCacheStore();
    const mw = cache({ store, readOnly: () => true });
    const run = compose([mw], async () => {
      n++;
      entered();
      await gate;
      return { content: [], n };
    });
    const ctx = () => makeCtx({ method: 'tools/call', target: 't', params: { name: 't', arguments: {} } });
    const pending = run(ctx());
    await inHandler;
    await mw.invalidate({ tool: 't' });
    release();
    await pending;
    await run(ctx());
    expect(n).toBe(2);
  });

  it('serves as a miss when the store fails, and counts the error', async () => {
    const broken: CacheStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: async () => {},
      deletePrefix: async () => 0,
      deleteTag: async () => 0,
    };
    const mw = cache({ store: broken, readOnly: () => true });
    const run = compose([mw], async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    const result = await run(makeCtx({ method: 'tools/call', target: 't', params: { name: 't', arguments: {} } }));
    expect(result).toEqual({ content: [{ type: 'text', text: 'ok' }] });
    expect(mw.stats()).toMatchObject({ misses: 1, errors: 2, stores: 0 });
  });

  it('does not look lists up in the store until a result carried a ttlMs hint', async () => {
    const inner = new MemoryCacheStore();
    let gets = 0;
    const counting: CacheStore = {
      get: (k) => {
        gets++;
        return inner.get(k);
      },
      set: (k, v, o) => inner.set(k, v, o),
      delete: (k) => inner.delete(k),
      deletePrefix: (p) => inner.deletePrefix(p),
      deleteTag: (t) => inner.deleteTag(t),
    };
    let hinted = false;
    const mw = cache({ store: counting });
    const run = compose([mw], async () => (hinted ? { tools: [], ttlMs: 1000 } : { tools: [] }));
    const list = () => run(makeCtx({ method: 'tools/list', params: {} }));
    await list();
    await list();
    expect(gets).toBe(0);
    hinted = true;
    await list();
    await list();
    expect(gets).toBeGreaterThan(0);
    expect(mw.stats().hits).toBe(1);
  });
});

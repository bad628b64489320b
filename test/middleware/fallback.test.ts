// The fallback middleware: static and last-good answers for a failing tool, with last good results kept in this
// process or in a CacheStore — memory (fake clock) and real Redis (REDIS_URL) — that another replica reads.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type CallContext, ErrorCode, type McpResult, type Middleware, type Principal, WireError } from '../../src/core/index.js';
import { FALLBACK_KEY_PREFIX, type FallbackRule, fallback, LAST_GOOD_TTL_MS, STALE_META } from '../../src/middleware/fallback.js';
import { MemoryCacheStore } from '../../src/stores/memory/memory-cache-store.js';
import { RedisCacheStore } from '../../src/stores/redis/redis-cache-store.js';
import { makeCtx, recordingLogger } from '../core/helpers.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';

const down = () => new WireError(ErrorCode.UpstreamUnavailable, "Server 'w' is unavailable");
const answer = (text: string): McpResult => ({ content: [{ type: 'text', text }] });
const alice: Principal = { id: 'alice', kind: 'apiKey', scopes: [], claims: {} };
const bob: Principal = { id: 'bob', kind: 'apiKey', scopes: [], claims: {} };

/** A tools/call context whose logger keeps its warnings. */
function call(args: Record<string, unknown>, principal = alice, target = 'w__forecast') {
  const warnings: string[] = [];
  const log = { ...recordingLogger(), warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? '') };
  const ctx: CallContext = { ...makeCtx({ target, params: { name: target, arguments: args } }), principal, log: { ...log, child: () => log } };
  return { ctx, warnings };
}

const ok = (mw: Middleware, args: Record<string, unknown>, text: string, principal = alice) => mw(call(args, principal).ctx, async () => answer(text));
const failing = (mw: Middleware, args: Record<string, unknown>, principal = alice) => mw(call(args, principal).ctx, async () => Promise.reject(down()));
const staleOf = (r: McpResult) => (r._meta as Record<string, unknown> | undefined)?.[STALE_META];
const lastGood = (rule: FallbackRule = { lastGood: true }) => (tool: string) => (tool === 'w__forecast' ? rule : undefined);

describe('fallback in memory (no store)', () => {
  it('answers with the last good result for the same caller and arguments, marked stale', async () => {
    const mw = fallback({ rule: lastGood() });
    await ok(mw, { city: 'Oslo' }, 'sunny');
    const stale = await failing(mw, { city: 'Oslo' });
    expect(stale.content).toEqual([{ type: 'text', text: 'sunny' }]);
    expect(staleOf(stale)).toMatchObject({ ageMs: expect.any(Number), reason: "Server 'w' is unavailable" });
    await expect(failing(mw, { city: 'Bergen' })).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
    await expect(failing(mw, { city: 'Oslo' }, bob)).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
  });

  it('answers a static result, and leaves other errors alone', async () => {
    const mw = fallback({ rule: () => ({ result: answer('unknown') }) });
    expect(await failing(mw, {})).toEqual({ ...answer('unknown'), _meta: { [STALE_META]: true } });
    await expect(mw(call({}).ctx, async () => Promise.reject(new WireError(ErrorCode.InvalidParams, 'bad')))).rejects.toThrow('bad');
  });
});

describe('fallback with a CacheStore', () => {
  it('keeps last good results in the store, where another replica finds them', async () => {
    const store = new MemoryCacheStore();
    const set = vi.spyOn(store, 'set');
    const one = fallback({ rule: lastGood(), store });
    const two = fallback({ rule: lastGood(), store });
    // Argument order does not matter: the canonical JSON of the arguments is the key.
    await ok(one, { city: 'Oslo', days: 2 }, 'sunny');
    expect(set).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`^${FALLBACK_KEY_PREFIX}`)), expect.any(String), { ttlMs: LAST_GOOD_TTL_MS });
    expect(JSON.parse(set.mock.calls[0]![1])).toEqual({ result: answer('sunny'), at: expect.any(Number) });
    const stale = await failing(two, { days: 2, city: 'Oslo' });
    expect(stale.content).toEqual([{ type: 'text', text: 'sunny' }]);
    expect(staleOf(stale)).toMatchObject({ reason: "Server 'w' is unavailable" });
  });

  it("never answers one caller's call with another's result, nor other arguments", async () => {
    const store = new MemoryCacheStore();
    const mw = fallback({ rule: lastGood(), store });
    await ok(mw, { city: 'Oslo' }, 'alice: sunny');
    await expect(failing(fallback({ rule: lastGood(), store }), { city: 'Oslo' }, bob)).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
    await expect(failing(mw, { city: 'Bergen' })).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
    const tenant = { ...alice, tenant: 'other' };
    await expect(failing(mw, { city: 'Oslo' }, tenant)).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
  });

  it("keeps a result for the rule's maxAgeMs", async () => {
    let now = 1_000_000;
    const store = new MemoryCacheStore({ now: () => now });
    const set = vi.spyOn(store, 'set');
    const mw = fallback({ rule: lastGood({ lastGood: true, maxAgeMs: 60_000 }), store });
    await ok(mw, { city: 'Oslo' }, 'sunny');
    expect(set.mock.calls[0]![2]).toEqual({ ttlMs: 60_000 });
    now += 59_000;
    expect((await failing(mw, { city: 'Oslo' })).content).toEqual([{ type: 'text', text: 'sunny' }]);
    now += 2_000;
    await expect(failing(mw, { city: 'Oslo' })).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
  });

  it('stores only successful results of tools with a lastGood rule', async () => {
    const store = new MemoryCacheStore();
    const set = vi.spyOn(store, 'set');
    const mw = fallback({ rule: lastGood(), store });
    await mw(call({ city: 'Oslo' }).ctx, async () => ({ ...answer('no such city'), isError: true }));
    await mw(call({}, alice, 'w__other').ctx, async () => answer('fine'));
    await fallback({ rule: () => ({ result: answer('unknown') }), store })(call({}).ctx, async () => answer('fine'));
    expect(set).not.toHaveBeenCalled();
    await expect(failing(mw, { city: 'Oslo' })).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
  });

  it('rethrows the original error, with a warning, when the store cannot be read', async () => {
    const store = new MemoryCacheStore();
    const mw = fallback({ rule: lastGood(), store });
    await ok(mw, { city: 'Oslo' }, 'sunny');
    vi.spyOn(store, 'get').mockRejectedValue(new Error('store down'));
    const { ctx, warnings } = call({ city: 'Oslo' });
    await expect(mw(ctx, async () => Promise.reject(down()))).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
    expect(warnings).toEqual(['could not read the last good result for fallback']);
  });

  it('answers a successful call at once when the store write fails or hangs, with a warning', async () => {
    const store = new MemoryCacheStore();
    const mw = fallback({ rule: lastGood(), store });
    const set = vi.spyOn(store, 'set').mockRejectedValueOnce(new Error('store down'));
    const first = call({ city: 'Oslo' });
    expect(await mw(first.ctx, async () => answer('sunny'))).toEqual(answer('sunny'));
    await vi.waitFor(() => expect(first.warnings).toEqual(['could not keep the last good result for fallback']));
    set.mockReturnValueOnce(new Promise<void>(() => {}));
    expect(await ok(mw, { city: 'Oslo' }, 'sunny')).toEqual(answer('sunny'));
  });
});

const redisUrl = sharedRedisUrl('fallback: redis');
describe.skipIf(!redisUrl)('fallback with a RedisCacheStore shared by two replicas', () => {
  const prefix = uniquePrefix('fallback');
  const stores: RedisCacheStore[] = [];
  const replica = async () => {
    const store = new RedisCacheStore({ url: redisUrl!, keyPrefix: prefix });
    stores.push(store);
    await store.ready();
    return fallback({ rule: lastGood({ lastGood: true, maxAgeMs: 60_000 }), store });
  };
  afterAll(async () => {
    const keys = await stores[0]?.redis.keys(`${prefix}*`);
    if (keys?.length) await stores[0]!.redis.del(...keys);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('answers on one replica with the last good result the other kept, for the same caller only', async () => {
    const [one, two] = [await replica(), await replica()];
    await ok(one, { city: 'Oslo' }, 'sunny');
    // The write is not awaited by the call: it reaches Redis moments later.
    const stale = await vi.waitFor(() => failing(two, { city: 'Oslo' }), { timeout: 2000, interval: 20 });
    expect(stale.content).toEqual([{ type: 'text', text: 'sunny' }]);
    expect(staleOf(stale)).toMatchObject({ reason: "Server 'w' is unavailable" });
    await expect(failing(two, { city: 'Oslo' }, bob)).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
    const keys = await stores[1]!.redis.keys(`${prefix}k:${FALLBACK_KEY_PREFIX}*`);
    expect(keys).toHaveLength(1);
    expect(await stores[1]!.redis.pttl(keys[0]!)).toBeGreaterThan(55_000);
  });
});

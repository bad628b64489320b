// Redis configured for rate limits and then gone: calls keep being limited, per process, with ONE warning per
// outage (never failed for want of a store), and the limits are shared again when Redis returns. Two stores stand
// for two gateway replicas. Runs its own redis-server on an ephemeral port, SIGKILLed and restarted by PID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, ErrorCode, isWireError } from '../../src/core/index.js';
import { rateLimit } from '../../src/middleware/rate-limit.js';
import { DegradingRateLimitStore } from '../../src/stores/degrading-rate-limit-store.js';
import { MemoryRateLimitStore } from '../../src/stores/memory/rate-limit.js';
import { RedisRateLimitStore } from '../../src/stores/redis/rate-limit.js';
import { makeCtx } from '../core/helpers.js';
import { capturingLogger } from '../helpers/logger.js';
import { OwnRedis } from '../helpers/own-redis.js';
import { killStarted, waitUntil } from '../helpers/process.js';

const rule = { limit: 3, windowMs: 60_000 };
let redis: OwnRedis;
const log = capturingLogger();
const warnings = () => log.entries.filter((e) => e.level === 'warn');
let replicas: Array<{ shared: RedisRateLimitStore; store: DegradingRateLimitStore }>;

beforeAll(async () => {
  redis = await OwnRedis.start();
  replicas = [0, 1].map(() => {
    const shared = new RedisRateLimitStore({ url: redis.url, prefix: 'degrade-rl:' });
    return { shared, store: new DegradingRateLimitStore(shared, new MemoryRateLimitStore(), log, { retryMs: 100 }) };
  });
  await waitUntil(() => replicas.every((r) => r.shared.state() === 'up'), 10_000, 'both replicas to connect');
});
afterAll(async () => {
  await Promise.allSettled(replicas.map((r) => r.store.close()));
  await redis?.stop();
  killStarted();
});

/** Calls through a rate limit on one replica: 'ok' or 'limited' (anything else fails the test). */
async function call(replica: number, key: string): Promise<'ok' | 'limited'> {
  const run = compose([rateLimit({ rules: [{ per: ['principal'], ...rule }], store: replicas[replica]!.store })], async () => ({ ok: true }));
  try {
    const ctx = makeCtx({ method: 'tools/call', target: 't', params: { name: 't' } });
    ctx.principal = { id: key, kind: 'apiKey', scopes: [], claims: {} };
    await run(ctx);
    return 'ok';
  } catch (err) {
    if (isWireError(err) && err.code === ErrorCode.RateLimited) return 'limited';
    throw err;
  }
}

describe('DegradingRateLimitStore with a Redis that goes away and comes back', () => {
  it('shares one limit between replicas while Redis is up', async () => {
    expect([await call(0, 'alice'), await call(1, 'alice'), await call(0, 'alice'), await call(1, 'alice')]).toEqual(['ok', 'ok', 'ok', 'limited']);
    expect(replicas.some((r) => r.store.degraded)).toBe(false);
  });

  it('limits per process while Redis is gone, with one warning, and never fails a call for want of a store', async () => {
    await redis.stop();
    await waitUntil(() => replicas[0]!.shared.state() === 'down', 10_000, 'the client to notice Redis is gone');
    // Each replica now counts alone: 3 each for a key it has not seen.
    const first = [await call(0, 'bob'), await call(0, 'bob'), await call(0, 'bob'), await call(0, 'bob')];
    expect(first).toEqual(['ok', 'ok', 'ok', 'limited']);
    expect(await call(1, 'bob')).toBe('ok');
    expect(replicas[0]!.store.degraded).toBe(true);
    expect(warnings().map((w) => w.msg)).toEqual([
      "rate-limit store 'redis' unavailable; limiting per process until it returns",
      "rate-limit store 'redis' unavailable; limiting per process until it returns",
    ]);
    // Concurrency slots too: per process, still bounded.
    const slot = await replicas[0]!.store.acquire!('tenant-x', 1, 60_000);
    expect(slot).toBeDefined();
    expect(await replicas[0]!.store.acquire!('tenant-x', 1, 60_000)).toBeUndefined();
    slot!.release();
    expect(await replicas[0]!.store.acquire!('tenant-x', 1, 60_000)).toBeDefined();
  });

  it('shares the limit again once Redis is back, and says so', async () => {
    await redis.start();
    await waitUntil(async () => {
      await call(0, `probe-${Date.now()}`);
      return !replicas[0]!.store.degraded;
    }, 15_000, 'replica 0 to use Redis again');
    await waitUntil(async () => {
      await call(1, `probe-${Date.now()}`);
      return !replicas[1]!.store.degraded;
    }, 15_000, 'replica 1 to use Redis again');
    expect(log.entries.filter((e) => e.level === 'info' && /rate-limit store 'redis' is back/.test(e.msg ?? ''))).toHaveLength(2);
    expect([await call(0, 'carol'), await call(1, 'carol'), await call(0, 'carol'), await call(1, 'carol')]).toEqual(['ok', 'ok', 'ok', 'limited']);
    expect(warnings()).toHaveLength(2);
  });
});

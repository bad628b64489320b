// The gateway with `policy: { store: { kind: redis } }` on a redis-server of the test's own: its rate limit counts in
// Redis; when Redis is SIGKILLed, calls are still served and still limited (per process) with one warning, never
// failed for want of a store; when Redis returns, the gateway counts there again.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from '../helpers/logger.js';
import type { OwnRedis } from '../helpers/own-redis.js';
import { killStarted, waitUntil } from '../helpers/process.js';
import { type CounterOnOwnRedis, counterGatewayOnOwnRedis } from './fixtures/counter-gateway.js';
import type { Running } from './fixtures/helpers.js';

let env: CounterOnOwnRedis;
let redis: OwnRedis;
let probe: Redis;
let counter: Running;
const log = capturingLogger();
const outages = () => log.entries.filter((e) => e.level === 'warn' && /rate-limit store 'redis' unavailable/.test(e.msg ?? ''));

/** One call of the counter's `calls` tool: 'ok', or 'limited' for the rate limit's refusal (-32012). */
function call(): Promise<'ok' | 'limited'> {
  return counter.client.callTool({ name: 'counter__calls', arguments: {} }).then(
    () => 'ok' as const,
    (err: { code?: number }) => {
      if (err.code === -32012) return 'limited' as const;
      throw err;
    },
  );
}
const calls = async (n: number) => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await call());
  return out;
};

beforeAll(async () => {
  env = await counterGatewayOnOwnRedis(
    (url) => `
policy:
  store: { kind: redis, url: "${url}", prefix: "gw-rl:" }
  rateLimits:
    - { per: [principal], limit: 4, windowMs: 600000 }
`,
    log,
  );
  ({ redis, probe, counter } = env);
});
afterAll(async () => {
  await env?.close();
  killStarted();
});

describe('gateway rate limit on Redis', () => {
  it('counts in Redis while it is up', async () => {
    expect(await calls(5)).toEqual(['ok', 'ok', 'ok', 'ok', 'limited']);
    await probe.connect();
    expect((await probe.keys('gw-rl:*')).length).toBeGreaterThan(0);
    expect(outages()).toHaveLength(0);
  });

  it('serves and limits per process while Redis is gone, with one warning', async () => {
    await redis.stop();
    probe.disconnect();
    // The local count starts afresh: the limit applies again, per gateway process.
    expect(await calls(5)).toEqual(['ok', 'ok', 'ok', 'ok', 'limited']);
    expect(await call()).toBe('limited');
    expect(outages()).toHaveLength(1);
  });

  it('counts in Redis again once it is back', async () => {
    await redis.start();
    // Calls keep coming (limited locally meanwhile); one of them finds Redis answering again.
    await waitUntil(async () => {
      await call();
      return log.entries.some((e) => e.level === 'info' && /rate-limit store 'redis' is back/.test(e.msg ?? ''));
    }, 15_000, 'the gateway to use Redis again');
    await probe.connect();
    await waitUntil(async () => (await probe.keys('gw-rl:*')).length > 0, 5_000, 'a rate-limit cell in the restarted Redis');
    expect(outages()).toHaveLength(1);
  });
});

// A reload moves the gateway's cache between stores without a restart: from memory to a redis-server of the test's
// own (entries and `lastGood` results then land in Redis), and back, after which the gateway holds no connection
// to that Redis once it has closed (the replaced store is retired, then closed).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { capturingLogger } from '../helpers/logger.js';
import { OwnRedis } from '../helpers/own-redis.js';
import { killStarted, waitUntil } from '../helpers/process.js';
import { COUNTER_SERVERS } from './fixtures/counter-gateway.js';
import { callText, type Running, startGateway } from './fixtures/helpers.js';

const resilience = `resilience:
  fallbacks:
    counter__count: { lastGood: true }
`;
const memory = `${COUNTER_SERVERS}cache:\n  store: memory\n${resilience}`;
const onRedis = (url: string) => `${COUNTER_SERVERS}cache:\n  store: redis\n  redis:\n    url: ${url}\n    keyPrefix: "reload:"\n${resilience}`;

let redis: OwnRedis;
let probe: Redis;
let run: Running | undefined;
const log = capturingLogger();
const reload = (text: string) => run!.gateway.reload(parseConfig(text, { format: 'yaml', env: {} }));
const count = (key: string) => callText(run!.client, 'counter__count', { key });
/** Connections to our Redis other than the probe's own. */
const others = async () => (String(await probe.call('CLIENT', 'LIST')).trim().split('\n').length) - 1;

beforeAll(async () => {
  redis = await OwnRedis.start();
  probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  run = await startGateway(parseConfig(memory, { format: 'yaml', env: {} }), { logger: log });
});
afterAll(async () => {
  await run?.close();
  probe?.disconnect();
  await redis?.stop();
  killStarted();
});

describe('gateway cache store on reload', () => {
  it('moves entries and last good results to Redis, and back to memory, without a restart', async () => {
    await count('m');
    expect(await probe.keys('*')).toEqual([]);
    expect(await others()).toBe(0);

    const report = await reload(onRedis(redis.url));
    expect(report.restarted).toEqual([]);
    // The new store connects in the background (until then the cache works locally) and writes after the answer.
    await waitUntil(async () => {
      await count('r');
      return (await probe.keys('reload:k:cache:*')).length > 0;
    }, 10_000, 'a cache entry in Redis');
    const first = await count('r');
    expect(await count('r')).toBe(first); // a hit, from Redis
    // lastGood results go to the same store, apart from the cache's entries.
    await waitUntil(async () => (await probe.keys('reload:k:fallback:*')).length > 0, 5000, 'a last good result in Redis');
    expect(await others()).toBeGreaterThan(0);

    await reload(memory);
    await probe.flushall();
    const local = await count('back');
    await waitUntil(async () => (await count('back')) === local, 5000, 'a hit from memory'); // cached in memory again
    expect(await probe.keys('*')).toEqual([]);
    expect(log.entries.filter((e) => e.level === 'warn' && /restart/.test(e.msg ?? ''))).toEqual([]);

    // The Redis store was retired, not dropped: closing the gateway closes its connection.
    await run!.close();
    run = undefined;
    await waitUntil(async () => (await others()) === 0, 5000, 'no connection from the gateway left');
  });
});

// The gateway with `cache: { store: redis }` on a redis-server of the test's own: entries land in Redis; when
// Redis is SIGKILLed calls keep working and caching locally with one warning; when it returns the gateway uses it again.
import type { Redis } from 'ioredis';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from '../helpers/logger.js';
import type { OwnRedis } from '../helpers/own-redis.js';
import { killStarted, waitUntil } from '../helpers/process.js';
import { type CounterOnOwnRedis, counterGatewayOnOwnRedis } from './fixtures/counter-gateway.js';
import type { Running } from './fixtures/helpers.js';
import { callText } from './fixtures/helpers.js';

let env: CounterOnOwnRedis;
let redis: OwnRedis;
let probe: Redis;
let counter: Running;
let client: Client;
const log = capturingLogger();
const warnings = () => log.entries.filter((e) => e.level === 'warn' && /cache store 'redis' unavailable/.test(e.msg ?? ''));
const counted = async () => (JSON.parse(await callText(client, 'counter__calls')) as Record<string, number>).count ?? 0;

beforeAll(async () => {
  env = await counterGatewayOnOwnRedis(
    (url) => `
cache:
  store: redis
  redis:
    url: ${url}
    keyPrefix: "gw-test:"
`,
    log,
  );
  ({ redis, probe, counter } = env);
  client = counter.client;
});
afterAll(async () => {
  await env?.close();
  killStarted();
});

describe('gateway cache on Redis', () => {
  it('stores entries in Redis and answers hits from them', async () => {
    await waitUntil(async () => {
      await callText(client, 'counter__count', { key: 'r' });
      return (await probe.keys('gw-test:k:*')).length > 0;
    }, 10_000, 'an entry in Redis');
    const n = await counted();
    expect(await callText(client, 'counter__count', { key: 'r' })).toBe(`count r #${n}`);
    expect(await counted()).toBe(n);
    expect(warnings()).toHaveLength(0);
  });

  it('keeps serving and caching locally while Redis is gone, with one warning', async () => {
    await redis.stop();
    probe.disconnect();
    const before = await counted();
    const texts = [];
    for (let i = 0; i < 10; i++) texts.push(await callText(client, 'counter__count', { key: 'down' }));
    expect(new Set(texts)).toEqual(new Set([`count down #${before + 1}`]));
    expect(await counted()).toBe(before + 1);
    expect(warnings()).toHaveLength(1);
  });

  it('uses Redis again once it is back', async () => {
    await redis.start();
    await probe.connect();
    await waitUntil(async () => {
      await callText(client, 'counter__count', { key: `back-${Date.now()}` });
      return (await probe.keys('gw-test:k:*')).length > 0;
    }, 15_000, 'entries in the restarted Redis');
    expect(log.entries.filter((e) => e.level === 'info' && /is back/.test(e.msg ?? ''))).toHaveLength(1);
    expect(warnings()).toHaveLength(1);
  });
});

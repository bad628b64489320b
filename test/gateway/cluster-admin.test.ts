// Admin changes behind a load balancer: with `cluster:`, a change an administrator makes on one replica (POST
// /admin/mode, /admin/cache/invalidate, …) is made on the others too, told over Redis, and a mode switched stands for
// replicas that start later. Replicas from one config, each with its own counting upstream and in-memory cache.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { RedisBroadcast } from '../../src/stores/redis/broadcast.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { connectHttp } from '../helpers/clients.js';
import { capturingLogger } from '../helpers/logger.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { killStarted, waitUntil } from '../helpers/process.js';
import { TcpLink } from '../helpers/tcp-link.js';
import { COUNTER_SERVERS } from './fixtures/counter-gateway.js';
import { callText } from './fixtures/helpers.js';

const redisUrl = sharedRedisUrl('admin changes across replicas');

describe.skipIf(!redisUrl)('admin changes across replicas (cluster:)', () => {
  const replicas: Array<{ gateway: Gateway; http: HttpHandle; client: Client; log: ReturnType<typeof capturingLogger> }> = [];
  const keyPrefix = uniquePrefix('cluster-admin');
  const yaml = (url = redisUrl!) => `${COUNTER_SERVERS}cache: { ttlMs: 600000 }\ncluster:\n  redis: { url: ${JSON.stringify(url)}, keyPrefix: ${JSON.stringify(keyPrefix)} }\n`;
  /** One more replica of the same config (reaching Redis at `url`), serving. */
  async function replica(era: 'legacy' | 'modern', url?: string) {
    const log = capturingLogger();
    const gateway = new Gateway(parseConfig(yaml(url), { format: 'yaml', env: {} }), { logger: log });
    await gateway.start();
    const http = await gateway.serveHttp({ port: 0 });
    const one = { gateway, http, client: await connectHttp(http.url, era), log };
    replicas.push(one);
    return one;
  }
  beforeAll(async () => {
    await replica('legacy');
    await replica('modern');
  }, 60_000);
  afterAll(async () => {
    for (const { gateway, http, client } of replicas) {
      await client.close().catch(() => {});
      await http.close();
      await gateway.close();
    }
    killStarted();
  });

  const post = (at: number, path: string, body: unknown) =>
    fetch(new URL(path, replicas[at]!.http.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** Waits until replica `at` has made the `n`th change another replica announced. */
  const madeOn = (at: number, n: number, timeoutMs = 10_000) =>
    waitUntil(() => replicas[at]!.log.entries.filter((e) => e.msg === 'an admin change made on another replica was made here too').length >= n || undefined, timeoutMs, `change ${n} made on replica ${at}`);

  it('a mode switched on one replica is switched on the other, and switched back from there', async () => {
    const [a, b] = replicas;
    expect(await callText(b!.client, 'counter__write', { key: 'x' })).toBe('write x #1');
    expect((await post(0, '/admin/mode', { mode: 'read-only' })).status).toBe(200);
    await madeOn(1, 1);
    const refused = await b!.client.callTool({ name: 'counter__write', arguments: { key: 'x' } });
    expect((refused.content as Array<{ text: string }>)[0]!.text).toBe("Tool 'counter__write' may change data and the gateway is in read-only mode; only read-only tools can be used now");
    expect(b!.gateway.health()).toMatchObject({ mode: 'read-only' });
    // Back to the config's mode, asked of the other replica.
    expect((await post(1, '/admin/mode', { mode: null })).status).toBe(200);
    await madeOn(0, 1);
    expect(a!.gateway.health().mode).toBeUndefined();
    expect(await callText(a!.client, 'counter__write', { key: 'x' })).toBe('write x #1');
    // A change refused where it was asked (a bad body) is not announced: the other replica logs nothing more.
    expect((await post(0, '/admin/mode', { mode: 'sideways' })).status).toBe(400);
  });

  it('two switches at the same moment on two replicas: every replica ends with the one kept last', async () => {
    // The race's last step, made to happen: replica 1 switches to read-only (kept in Redis, then told); a switch back
    // made on another replica at the same moment, kept before it, is told after it. Everyone ends read-only.
    const count = (at: number) => replicas[at]!.log.entries.filter((e) => e.msg === 'an admin change made on another replica was made here too').length;
    const made = [count(0), count(1)];
    expect((await post(1, '/admin/mode', { mode: 'read-only' })).status).toBe(200);
    await madeOn(0, made[0]! + 1);
    const elsewhere = new RedisBroadcast({ url: redisUrl!, prefix: `${keyPrefix}events:` });
    try {
      expect(await elsewhere.ready()).toBe(true);
      await elsewhere.publish('admin-change', JSON.stringify({ from: 'another-replica', path: '/admin/mode', body: { mode: null } }));
      await madeOn(0, made[0]! + 2);
      await madeOn(1, made[1]! + 1);
      for (const at of [0, 1]) await waitUntil(() => replicas[at]!.gateway.health().mode === 'read-only' || undefined, 10_000, `replica ${at} read-only again`);
    } finally {
      await elsewhere.close();
    }
    expect((await post(0, '/admin/mode', { mode: null })).status).toBe(200);
    await madeOn(1, made[1]! + 2);
    expect(replicas.map((r) => r.gateway.health().mode)).toEqual([undefined, undefined]);
  });

  it('a replica that starts later takes up the mode switched before it, before it serves; and the switch back', async () => {
    const made = [0, 1].map((at) => replicas[at]!.log.entries.filter((e) => e.msg === 'an admin change made on another replica was made here too').length);
    expect((await post(0, '/admin/mode', { mode: 'read-only' })).status).toBe(200);
    expect((await post(0, '/admin/mode', { server: 'counter', disabledTools: ['count'] })).status).toBe(200);
    await madeOn(1, made[1]! + 2);
    const later = await replica('legacy');
    expect(later.gateway.health()).toMatchObject({ mode: 'read-only' });
    expect(later.gateway.resilience.overrides).toEqual({ mode: 'read-only', servers: { counter: { disabledTools: ['count'] } } });
    const refused = await later.client.callTool({ name: 'counter__write', arguments: { key: 'y' } });
    expect((refused.content as Array<{ text: string }>)[0]!.text).toContain('the gateway is in read-only mode');
    // Switched back on the replica that started later: what stands now is the file's mode, for the next one too.
    expect((await post(2, '/admin/mode', { mode: null })).status).toBe(200);
    expect((await post(2, '/admin/mode', { server: 'counter', disabledTools: null })).status).toBe(200);
    await madeOn(0, made[0]! + 2);
    const next = await replica('modern');
    expect(next.gateway.health().mode).toBeUndefined();
    expect(next.gateway.resilience.overrides).toEqual({ servers: { counter: {} } });
    expect(await callText(next.client, 'counter__write', { key: 'y' })).toBe('write y #1');
  });

  it('a replica cut off from Redis when a mode is switched takes it up once it hears the others again, and empties the cache it may have missed invalidations of', async () => {
    const { link, via } = await TcpLink.toUrl(redisUrl!, 6379);
    try {
      const apart = await replica('legacy', via);
      expect(await callText(apart.client, 'counter__count', { key: 'apart' })).toBe('count apart #1');
      expect(await callText(apart.client, 'counter__count', { key: 'apart' })).toBe('count apart #1');
      link.cut();
      const made = replicas[1]!.log.entries.filter((e) => e.msg === 'an admin change made on another replica was made here too').length;
      expect((await post(0, '/admin/mode', { mode: 'read-only' })).status).toBe(200);
      expect((await post(0, '/admin/cache/invalidate', { tool: 'counter__count' })).status).toBe(200);
      await madeOn(1, made + 2);
      expect(apart.gateway.health().mode).toBeUndefined();
      link.restore();
      await waitUntil(() => apart.gateway.health().mode === 'read-only' || undefined, 20_000, 'the mode taken up once back');
      // The invalidation it missed stands nowhere: its own cache was emptied instead, so the next call is fresh.
      expect(apart.log.entries.some((e) => e.msg?.startsWith('cache emptied: invalidations made on other replicas'))).toBe(true);
      expect(await callText(apart.client, 'counter__count', { key: 'apart' })).toBe('count apart #2');
      expect(apart.log.entries.some((e) => (e.msg ?? e.obj) === 'hearing the other replicas again: taking up what admin changes left standing meanwhile')).toBe(true);
      const refused = await apart.client.callTool({ name: 'counter__write', arguments: { key: 'z' } });
      expect((refused.content as Array<{ text: string }>)[0]!.text).toContain('the gateway is in read-only mode');
      expect((await post(0, '/admin/mode', { mode: null })).status).toBe(200);
      await waitUntil(() => apart.gateway.health().mode === undefined || undefined, 10_000, 'switched back there too');
    } finally {
      await link.close();
    }
  }, 40_000);

  it("a cache invalidated on one replica is invalidated on the other's own cache too", async () => {
    const [a, b] = replicas;
    for (const { client } of [a!, b!]) {
      expect(await callText(client, 'counter__count', { key: 'k' })).toBe('count k #1');
      expect(await callText(client, 'counter__count', { key: 'k' })).toBe('count k #1');
    }
    const before = b!.log.entries.filter((e) => e.msg === 'an admin change made on another replica was made here too').length;
    const invalidatedOnA = () => a!.log.entries.filter((e) => e.msg === 'cache invalidated by admin request').length;
    const invalidated = invalidatedOnA();
    const asked = await post(0, '/admin/cache/invalidate', { all: true });
    expect(await asked.json()).toEqual({ removed: expect.any(Number) });
    await madeOn(1, before + 1);
    expect(await callText(a!.client, 'counter__count', { key: 'k' })).toBe('count k #2');
    expect(await callText(b!.client, 'counter__count', { key: 'k' })).toBe('count k #2');
    // The first replica logged no change of its own as heard from another (its own message is not made twice).
    expect(invalidatedOnA()).toBe(invalidated + 1);
  });

  // A restart waits for the new process to be up (a tsx upstream starts slowly on a loaded machine).
  it('a server restarted on one replica is restarted on the other too (each its own process)', { timeout: 90_000 }, async () => {
    const [a, b] = replicas;
    const pidOn = (r: typeof a) => r!.gateway.health().upstreams.find((u) => u.name === 'counter')!.pid!;
    const [pidA, pidB] = [pidOn(a), pidOn(b)];
    const before = b!.log.entries.filter((e) => e.msg === 'an admin change made on another replica was made here too').length;
    const asked = await post(0, '/admin/restart', { server: 'counter' });
    expect(await asked.json()).toMatchObject({ restarted: 'counter', up: true });
    await madeOn(1, before + 1, 40_000);
    expect(pidOn(a)).not.toBe(pidA);
    expect(pidOn(b)).not.toBe(pidB);
    expect(b!.gateway.health().upstreams.find((u) => u.name === 'counter')).toMatchObject({ state: 'up', lastRestart: { by: 'admin' } });
    expect(await callText(b!.client, 'counter__count', { key: 'after-restart' })).toBe('count after-restart #1');
  });
});

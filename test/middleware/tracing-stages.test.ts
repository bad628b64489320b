// Stages that do I/O open spans of their own under the request's span: rate-limit hits and cache lookups/writes
// against real Redis (a shared store is I/O); the in-process stores open none (they are not I/O).
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CacheStore } from '../../src/core/cache-store.js';
import { cache, createServer, rateLimit, silentLogger, tracing } from '../../src/index.js';
import { MemoryCacheStore } from '../../src/stores/memory/memory-cache-store.js';
import { RedisRateLimitStore } from '../../src/stores/redis/rate-limit.js';
import { RedisCacheStore } from '../../src/stores/redis/redis-cache-store.js';
import { connectHttp } from '../helpers/clients.js';
import { deletePrefix, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix('tracing-stages');
afterAll(() => deletePrefix(prefix));

async function tracedCall(stores: { rate: ConstructorParameters<typeof RedisRateLimitStore>[0] | 'memory'; cache: 'redis' | 'memory' }) {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
  const rateStore = stores.rate === 'memory' ? undefined : new RedisRateLimitStore(stores.rate);
  const cacheStore: CacheStore = stores.cache === 'redis' ? new RedisCacheStore({ url: REDIS_URL!, keyPrefix: `${prefix}cache:` }) : new MemoryCacheStore();
  const server = createServer({ name: 'traced', version: '1.0.0', logger: silentLogger });
  server.use(
    tracing({ tracer, propagator: new W3CTraceContextPropagator() }),
    rateLimit({ rules: [{ per: ['principal'], limit: 1000, windowMs: 60_000 }], ...(rateStore && { store: rateStore }) }),
    cache({ store: cacheStore, toolTtlMs: () => 60_000 }),
  );
  server.tool('echo', { description: 'echo', input: z.object({ text: z.string() }) }, ({ text }) => text);
  const handle = await server.serveHttp();
  const client = await connectHttp(handle.url, 'legacy');
  try {
    await client.callTool({ name: 'echo', arguments: { text: `hi ${Math.random()}` } });
  } finally {
    await client.close();
    await handle.close();
    await rateStore?.close();
    await cacheStore.close?.();
  }
  const spans = exporter.getFinishedSpans();
  const request = spans.find((s) => s.name === 'tools/call echo')!;
  expect(request).toBeDefined();
  return { request, children: spans.filter((s) => s.parentSpanContext?.spanId === request.spanContext().spanId).map((s) => s.name).sort() };
}

describe.skipIf(!redisAvailable())('stage spans', () => {
  it('a Redis rate limit and a Redis cache each open child spans of the request', async () => {
    const { children } = await tracedCall({ rate: { url: REDIS_URL!, prefix: `${prefix}rl:` }, cache: 'redis' });
    expect(children).toEqual(['cache get', 'cache set', 'rate limit']);
  });

  it('in-process stores open none', async () => {
    const { children } = await tracedCall({ rate: 'memory', cache: 'memory' });
    expect(children).toEqual([]);
  });
});

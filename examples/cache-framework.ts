// docs/cache.md's framework example: a read-only tool whose results are cached per caller, with in-flight dedup.
// Run: npx tsx examples/cache-framework.ts   (PORT=0 picks a free port; REDIS_URL=redis://… shares the cache)
import { type CacheStore, cache, createServer, dedup, MemoryCacheStore, RedisCacheStore } from 'mcplex';
import { z } from 'zod';

const server = createServer({ name: 'prices', version: '1.0.0' });
let lookups = 0;

server.tool(
  'price',
  { description: 'Price of a product', input: z.object({ sku: z.string() }), annotations: { readOnlyHint: true } },
  ({ sku }) => `${sku}: 9.99 EUR (lookup #${++lookups})`,
);

// One store per process (memory LRU), or Redis shared by replicas.
const store: CacheStore = process.env.REDIS_URL ? new RedisCacheStore({ url: process.env.REDIS_URL, keyPrefix: 'prices:' }) : new MemoryCacheStore({ maxEntries: 1000 });
const cached = cache({ store, ttlMs: 30_000, readOnly: (tool) => tool === 'price', partition: 'principal' });
server.use(cached, dedup({ policy: cached.policy }));

const handle = await server.serveHttp({ port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${handle.url}`);
process.on('SIGTERM', async () => {
  console.log(`cache ${JSON.stringify(cached.stats())}`);
  await handle.close();
  await store.close?.();
  process.exit(0);
});

// A tenant's concurrent-call quota across replicas: two framework servers whose quotas count in one Redis (real, via
// REDIS_URL) share the tenant's slots, so a call held on one replica refuses the tenant's next call on the other,
// and the slot is free again when the held call ends.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, ErrorCode, type HttpHandle, quota, RedisRateLimitStore, silentLogger } from '../../src/index.js';
import { deferred } from '../server/features-fixture.js';
import { deletePrefix, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis.js';
import { connectAs, failure, principalFromHeader } from './policy-fixture.js';

const prefix = uniquePrefix('quota-replicas');
let started = deferred();
let release = deferred();
const handles: HttpHandle[] = [];
const stores: RedisRateLimitStore[] = [];
const clients: Client[] = [];

async function replica(): Promise<string> {
  const store = new RedisRateLimitStore({ url: REDIS_URL!, prefix });
  stores.push(store);
  const server = createServer({ name: 'replica', version: '1.0.0', logger: silentLogger });
  server.tool('hold', { description: 'holds until the test releases it' }, async () => {
    started.resolve();
    await release.promise;
    return 'released';
  });
  server.tool('quick', { description: 'quick' }, () => 'quick ok');
  server.use(principalFromHeader, quota({ tenants: { acme: { concurrent: 1 } }, store }));
  const handle = await server.serveHttp({ port: 0 });
  handles.push(handle);
  return handle.url;
}

describe.skipIf(!redisAvailable())('tenant concurrency across replicas', () => {
  let urls: string[];
  beforeAll(async () => {
    urls = [await replica(), await replica()];
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(handles.map((h) => h.close()));
    await Promise.allSettled(stores.map((s) => s.close()));
    await deletePrefix(prefix);
  });

  it('refuses the tenant on the other replica while one call holds its slot, and frees it when the call ends', async () => {
    const alice = await connectAs(urls[0]!, 'legacy', 'alice');
    const admin = await connectAs(urls[1]!, 'modern', 'admin'); // same tenant (acme), other replica
    const bob = await connectAs(urls[1]!, 'modern', 'bob'); // another tenant
    clients.push(alice, admin, bob);
    started = deferred();
    release = deferred();
    const holding = alice.callTool({ name: 'hold', arguments: {} });
    await started.promise;
    expect(await failure(admin.callTool({ name: 'quick', arguments: {} }))).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'concurrency' } });
    expect(await failure(bob.callTool({ name: 'quick', arguments: {} }))).toBeUndefined();
    release.resolve();
    expect((await holding).content).toEqual([{ type: 'text', text: 'released' }]);
    // The release reaches Redis without being awaited by the call: the slot is free by the next ask, or soon after.
    let refusal = await failure(admin.callTool({ name: 'quick', arguments: {} }));
    for (let i = 0; refusal && i < 20; i++) refusal = await failure(admin.callTool({ name: 'quick', arguments: {} }));
    expect(refusal).toBeUndefined();
  });
});

// Two gateway instances (two Gateway objects, each with its own upstream process) configured with the Redis
// store share one rate limit and one tenant quota: calls through either count against the same cells. Clients
// of both eras; each gateway keeps serving after its refusals.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { pipelineFromConfig } from '../../src/gateway/pipeline.js';
import { ErrorCode, type HttpHandle, silentLogger } from '../../src/index.js';
import { waitGone } from '../helpers/process.js';
import { deletePrefix, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis.js';
import { connectAs, failure, principalFromHeader } from '../middleware/policy-fixture.js';
import { everything } from './helpers/harness.js';

const run = redisAvailable();
const prefix = uniquePrefix('gateway-policy');

// ${REDIS_URL} is interpolated by the config loader, as in a real file.
const YAML = `
servers: {}
policy:
  store: { kind: redis, url: '\${REDIS_URL}', prefix: '${prefix}' }
  tenants:
    acme: { calls: { limit: 7, windowMs: 600000 } }
  rateLimits:
    - { per: [principal], match: 'tool:acme__echo', limit: 3, windowMs: 600000 }
`;

interface Instance {
  gateway: Gateway;
  handle: HttpHandle;
  pids: number[];
}
const instances: Instance[] = [];
const clients: Client[] = [];

async function startInstance(): Promise<Instance> {
  const config = parseConfig(YAML, { format: 'yaml', env: { REDIS_URL: REDIS_URL! } });
  const gateway = new Gateway({ ...config, policy: undefined, servers: { acme: everything('acme') }, listen: { host: '127.0.0.1', port: 0, path: '/mcp' } }, { logger: silentLogger });
  const closers: Array<() => Promise<void>> = [];
  // The test's principal middleware first (authentication's place), then the policy stages from the config.
  gateway.use(principalFromHeader, ...pipelineFromConfig(config, { catalog: gateway.catalog, logger: silentLogger, routes: [], changes: gateway.changes, onClose: (c) => void closers.push(c) }));
  const close = gateway.close.bind(gateway);
  gateway.close = async () => {
    await close();
    await Promise.all(closers.map((c) => c()));
  };
  await gateway.start();
  const pids = gateway.health().upstreams.flatMap((u) => ('pid' in u && u.pid ? [u.pid] : []));
  const handle = await gateway.serveHttp({ port: 0 });
  const instance = { gateway, handle, pids };
  instances.push(instance);
  return instance;
}

beforeAll(async () => {
  if (!run) return;
  await Promise.all([startInstance(), startInstance()]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  for (const { gateway, handle, pids } of instances) {
    await handle.close();
    await gateway.close();
    await waitGone(pids);
  }
  await deletePrefix(prefix);
});

describe.runIf(run)('Redis store shared by two gateways', () => {
  it('one per-principal rate limit across both instances, both eras', async () => {
    const [a, b] = instances;
    const viaA = await connectAs(a!.handle.url, 'legacy', 'alice');
    const viaB = await connectAs(b!.handle.url, 'modern', 'alice');
    clients.push(viaA, viaB);
    const echo = (c: Client) => failure(c.callTool({ name: 'acme__echo', arguments: { message: 'hi' } }));
    // Three allowed in all, whichever gateway they go through.
    expect(await echo(viaA)).toBeUndefined();
    expect(await echo(viaB)).toBeUndefined();
    expect(await echo(viaA)).toBeUndefined();
    const refusedB = await echo(viaB);
    expect(refusedB).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'rate' } });
    expect((refusedB!.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect(await echo(viaA)).toMatchObject({ code: ErrorCode.RateLimited });
    // Another principal of another tenant has its own cell, on both gateways.
    const bob = await connectAs(b!.handle.url, 'legacy', 'bob');
    clients.push(bob);
    expect(await echo(bob)).toBeUndefined();
  });

  it("one tenant quota across both instances, and each keeps serving other callers", async () => {
    const [a, b] = instances;
    // admin is in tenant acme too: alice's 5 echoes already count (the quota runs before the rate limit, so the 2
    // the rate limit refused were counted by the quota too), leaving 2 of the tenant's 7.
    const admin = await connectAs(a!.handle.url, 'modern', 'admin');
    const adminB = await connectAs(b!.handle.url, 'legacy', 'admin');
    clients.push(admin, adminB);
    const sum = (c: Client) => failure(c.callTool({ name: 'acme__get-sum', arguments: { a: 1, b: 2 } }));
    expect(await sum(admin)).toBeUndefined();
    expect(await sum(adminB)).toBeUndefined();
    expect(await sum(admin)).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'quota' } });
    expect(await sum(adminB)).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'quota' } });
    // Tenant beta is untouched, and lists (not charged) still work for acme.
    const bob = await connectAs(a!.handle.url, 'modern', 'bob');
    clients.push(bob);
    expect(await sum(bob)).toBeUndefined();
    expect((await admin.listTools()).tools.length).toBeGreaterThan(0);
  });
});

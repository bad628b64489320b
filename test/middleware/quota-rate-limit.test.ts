// Tenant quotas and rate limits in a framework server over HTTP (both eras): concurrent calls per tenant, calls
// per window per tenant, rate limits per tenant and per tool; each refusal carries a retry-after hint, and
// other tenants and tools are unaffected.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, ErrorCode, type HttpHandle, quota, rateLimit, silentLogger } from '../../src/index.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { deferred } from '../server/features-fixture.js';
import { connectAs, failure, principalFromHeader } from './policy-fixture.js';

let handle: HttpHandle;
let started = deferred();
let release = deferred();
const clients: Client[] = [];

beforeAll(async () => {
  const server = createServer({ name: 'quota', version: '1.0.0', logger: silentLogger });
  server.tool('hold', { description: 'holds until the test releases it' }, async () => {
    started.resolve();
    await release.promise;
    return 'released';
  });
  server.tool('hold_task', { description: 'holds as a task until the test releases it', task: 'optional' }, async () => {
    started.resolve();
    await release.promise;
    return 'released';
  });
  for (const name of ['quick', 't_tenant', 't_tool']) server.tool(name, { description: name }, () => `${name} ok`);
  server.use(
    principalFromHeader,
    quota({ tenants: { acme: { concurrent: 1 }, gamma: { calls: { limit: 2, windowMs: 600_000 } } } }),
    rateLimit({
      rules: [
        { per: ['tenant'], match: 'tool:t_tenant', limit: 2, windowMs: 600_000 },
        { per: ['tool'], match: 'tool:t_tool', limit: 2, windowMs: 600_000 },
      ],
    }),
  );
  handle = await server.serveHttp({ port: 0 });
});
afterAll(async () => {
  release.resolve();
  await Promise.allSettled(clients.map((c) => c.close()));
  await handle.close();
});

const as = async (who: string, era: 'legacy' | 'modern' = 'legacy') => {
  const c = await connectAs(handle.url, era, who);
  clients.push(c);
  return c;
};
const call = (c: Client, name: string) => failure(c.callTool({ name, arguments: {} }));

describe('tenant quota', () => {
  it('bounds concurrent calls per tenant, not per principal, and frees the slot when the call ends', async () => {
    const alice = await as('alice');
    const admin = await as('admin', 'modern');
    const bob = await as('bob', 'modern');
    started = deferred();
    release = deferred();
    const holding = alice.callTool({ name: 'hold', arguments: {} });
    await started.promise;
    const refused = await call(admin, 'quick');
    expect(refused).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'concurrency' } });
    expect((refused?.data as { retryAfterMs?: number } | undefined)?.retryAfterMs).toBeGreaterThan(0);
    expect(await call(bob, 'quick')).toBeUndefined();
    release.resolve();
    expect((await holding).content).toEqual([{ type: 'text', text: 'released' }]);
    expect(await call(admin, 'quick')).toBeUndefined();
  });

  it('holds a concurrency slot for a call that became a task until its work ends', async () => {
    const admin = await as('admin', 'modern');
    const alice = new TasksClient(handle.url, { headers: { 'x-test-principal': 'alice' } });
    started = deferred();
    release = deferred();
    const created = await alice.ok('tools/call', { name: 'hold_task', arguments: {} });
    expect(created.resultType).toBe('task');
    await started.promise;
    expect(await call(admin, 'quick')).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'concurrency' } });
    release.resolve();
    expect(await alice.settled(String(created.taskId))).toMatchObject({ status: 'completed' });
    expect(await call(admin, 'quick')).toBeUndefined();
  });

  it('bounds calls per window for the whole tenant', async () => {
    const [gina, hal] = [await as('gina'), await as('hal', 'modern')];
    expect(await call(gina, 'quick')).toBeUndefined();
    expect(await call(hal, 'quick')).toBeUndefined();
    expect(await call(gina, 'quick')).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'quota' } });
    expect(await call(hal, 'quick')).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'quota' } });
    // Lists are not charged: the tenant can still see its tools.
    expect((await hal.listTools()).tools.length).toBe(5);
  });
});

describe('rate limits per tenant and per tool', () => {
  it('a per-tenant cell is shared by the tenant principals and no one else', async () => {
    const [alice, admin, bob] = [await as('alice'), await as('admin', 'modern'), await as('bob')];
    expect(await call(alice, 't_tenant')).toBeUndefined();
    expect(await call(admin, 't_tenant')).toBeUndefined();
    expect(await call(alice, 't_tenant')).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'rate' } });
    expect(await call(bob, 't_tenant')).toBeUndefined();
    expect(await call(alice, 'quick')).toBeUndefined();
  });

  it('a per-tool cell is shared by every caller of that tool', async () => {
    const [alice, bob, mallory] = [await as('alice'), await as('bob', 'modern'), await as('mallory')];
    expect(await call(alice, 't_tool')).toBeUndefined();
    expect(await call(bob, 't_tool')).toBeUndefined();
    const refused = await call(mallory, 't_tool');
    expect(refused).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'rate' } });
    expect(refused?.message).toMatch(/per tool; retry in \d+ s$/);
    expect(await call(mallory, 'quick')).toBeUndefined();
  });
});

// The gateway's `policy:` section, parsed from YAML and run in front of real upstreams (server-everything as
// 'acme', server-memory as 'beta'), with official SDK clients of both eras over HTTP: tenant isolation, access by
// upstream, required scopes per tool, rate limits with recovery, and the gateway serving on after refusals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { pipelineFromConfig } from '../../src/gateway/pipeline.js';
import { ErrorCode, type HttpHandle, silentLogger } from '../../src/index.js';
import { scrapeSample } from '../helpers/metrics.js';
import { waitGone } from '../helpers/process.js';
import { afterRetryHint, connectAs, failure, firstRefusal, principalFromHeader } from '../middleware/policy-fixture.js';
import { everything, memory } from './helpers/harness.js';

const POLICY_YAML = `
servers: {}
policy:
  access:
    roles:
      reader: [{ resource: 'server:acme', actions: [call, read, get] }]
      admin: [{ resource: '*', actions: ['*'] }]
    principals:
      bob: { capabilities: [{ resource: 'server:beta', actions: ['*'] }] }
      # A broad grant, but bob's tenant (beta) may only reach the beta upstream.
      mallory: { capabilities: [{ resource: 'tool:*', actions: [call] }] }
    everyone: [{ resource: 'tool:acme__echo', actions: [call] }]
  scopes:
    tools: { 'acme__get-env': [env:read] }
  tenants:
    acme: { upstreams: [acme], calls: { limit: 10000, windowMs: 60000 } }
    beta: { upstreams: [beta], concurrent: 8 }
  rateLimits:
    - { per: [principal], match: 'tool:acme__get-sum', limit: 2, windowMs: 400 }
`;

const dir = mkdtempSync(join(tmpdir(), 'mcplex-policy-'));
let gw: Gateway;
let handle: HttpHandle;
const pids: number[] = [];

beforeAll(async () => {
  const policy = parseConfig(POLICY_YAML, { format: 'yaml' });
  const servers = { acme: everything('acme'), beta: memory(join(dir, 'memory.json'), 'beta') };
  // The test's principal middleware must run before the policy stages (authentication's place, until it lands),
  // so the stages are added after it here, built by the same pipelineFromConfig the gateway's constructor uses.
  gw = new Gateway({ ...policy, policy: undefined, servers, listen: { host: '127.0.0.1', port: 0, path: '/mcp' } }, { logger: silentLogger });
  const closers: Array<() => Promise<void>> = [];
  gw.use(principalFromHeader, ...pipelineFromConfig(policy, { catalog: gw.catalog, logger: silentLogger, routes: [], changes: gw.changes, onClose: (c) => void closers.push(c) }));
  await gw.start();
  pids.push(...gw.health().upstreams.flatMap((u) => ('pid' in u && u.pid ? [u.pid] : [])));
  handle = await gw.serveHttp({ port: 0 });
}, 60_000);

afterAll(async () => {
  await handle?.close();
  await gw?.close();
  await waitGone(pids);
  rmSync(dir, { recursive: true, force: true });
});

const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name);
describe.each(['legacy', 'modern'] as const)('gateway policy, %s era', (era) => {
  const clients: Client[] = [];
  const as = async (who?: string) => {
    const c = await connectAs(handle.url, era, who);
    clients.push(c);
    return c;
  };
  afterAll(() => Promise.allSettled(clients.map((c) => c.close())));

  it('lists per principal: by upstream, by tenant, and what everyone may call', async () => {
    const alice = await as('alice');
    const aliceTools = await names(alice);
    expect(aliceTools.length).toBeGreaterThan(3);
    expect(aliceTools.every((n) => n.startsWith('acme__'))).toBe(true);
    expect((await alice.listPrompts()).prompts.every((p) => p.name.startsWith('acme__'))).toBe(true);
    expect((await alice.listResources()).resources.length).toBeGreaterThan(0);

    const bobTools = await names(await as('bob'));
    expect(bobTools).toContain('beta__read_graph');
    // bob's tenant may not reach acme: even the tool everyone may call is hidden from him.
    expect(bobTools.every((n) => n.startsWith('beta__'))).toBe(true);

    expect(await names(await as())).toEqual(['acme__echo']);
  });

  it("refuses another tenant's tool exactly as an unknown tool, despite a broad capability", async () => {
    const mallory = await as('mallory');
    expect((await names(mallory)).every((n) => n.startsWith('beta__'))).toBe(true);
    const hidden = await failure(mallory.callTool({ name: 'acme__echo', arguments: { message: 'x' } }));
    const unknown = await failure(mallory.callTool({ name: 'acme__nope', arguments: { message: 'x' } }));
    expect(hidden).toMatchObject({ code: ErrorCode.InvalidParams });
    expect(hidden?.message.replace('acme__echo', 'N')).toBe(unknown?.message.replace('acme__nope', 'N'));
    // Its resources too: acme's URIs read as missing.
    const read = await failure(mallory.readResource({ uri: 'demo://resource/static/document/architecture.md' }));
    expect(read).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('Resource not found') });
  });

  it('identity smuggled in _meta or arguments changes nothing', async () => {
    const anon = await as();
    const smuggled = { name: 'acme__get-sum', arguments: { a: 1, b: 2, principal: 'admin' }, _meta: { principal: 'admin', tenant: 'acme', 'x-test-principal': 'admin' } };
    expect(await failure(anon.callTool(smuggled))).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('Unknown tool') });
  });

  it('requires the configured scope per tool, naming it', async () => {
    const alice = await as('alice');
    expect(await failure(alice.callTool({ name: 'acme__get-env', arguments: {} }))).toMatchObject({
      code: ErrorCode.Forbidden,
      data: { error: 'insufficient_scope', scope: 'env:read' },
    });
  });

  it('rate-limits per principal with a retry-after hint, recovers, and keeps serving meanwhile', async () => {
    const alice = await as('alice');
    const sum = () => failure(alice.callTool({ name: 'acme__get-sum', arguments: { a: 1, b: 2 } }));
    const refused = await firstRefusal(sum);
    expect(refused).toMatchObject({ code: ErrorCode.RateLimited, data: { limit: 'rate' } });
    expect((refused.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    // Counted on /metrics by the limit that refused.
    expect(await scrapeSample(handle.url, 'mcp_rate_limited_total', { method: 'tools/call', limit: 'rate' })).toBeGreaterThanOrEqual(1);
    // Other tools and other principals are unaffected.
    expect((await alice.callTool({ name: 'acme__echo', arguments: { message: 'still' } })).content).toEqual([{ type: 'text', text: 'Echo: still' }]);
    const other = await as('admin');
    expect(await failure(other.callTool({ name: 'acme__get-sum', arguments: { a: 1, b: 2 } }))).toBeUndefined();
    expect(await afterRetryHint(refused, sum)).toBeUndefined();
  });
});

describe('policy from the gateway constructor', () => {
  it('wires the config policy into the pipeline (anonymous callers, no upstreams needed)', async () => {
    const config = parseConfig(`servers: {}\npolicy:\n  rateLimits: [{ per: [principal], limit: 1, windowMs: 60000, methods: ['tools/list'] }]\n`, { format: 'yaml' });
    const g = new Gateway({ ...config, listen: { host: '127.0.0.1', port: 0, path: '/mcp' } }, { logger: silentLogger });
    await g.start();
    const h = await g.serveHttp({ port: 0 });
    const client = await connectAs(h.url, 'legacy');
    try {
      expect(await client.listTools()).toMatchObject({ tools: [] });
      expect(await failure(client.listTools())).toMatchObject({ code: ErrorCode.RateLimited });
      expect(await client.ping()).toEqual({});
    } finally {
      await client.close();
      await h.close();
      await g.close();
    }
  });
});

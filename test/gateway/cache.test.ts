// The result cache and dedup in the gateway, configured from a `cache:` section, against a real stdio upstream
// that counts its calls, through the official SDK client in both eras: hits, what is never cached, TTL,
// 50 concurrent calls collapsed into one, invalidation on list_changed and by the admin route.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { connectHttp } from '../helpers/clients.js';
import { rawRequest } from '../helpers/http.js';
import { scrape, sumSamples } from '../helpers/metrics.js';
import { capturingLogger } from '../helpers/logger.js';
import { killStarted, waitUntil } from '../helpers/process.js';
import { COUNTER_SERVERS } from './fixtures/counter-gateway.js';
import { callText, collect, stderrLine } from './fixtures/helpers.js';

const yaml = `${COUNTER_SERVERS}cache:
  ttlMs: 600000
  servers:
    counter:
      tools:
        write: 0
`;

let gateway: Gateway;
let http: HttpHandle;
let legacy: Client;
let modern: Client;
const log = capturingLogger();
const calls = async (): Promise<Record<string, number>> => JSON.parse(await callText(legacy, 'counter__calls'));
const stats = async () => JSON.parse((await rawRequest(`${new URL(http.url).origin}/admin/cache/stats`, { method: 'GET' })).text);
const invalidate = (body: unknown) =>
  rawRequest(`${new URL(http.url).origin}/admin/cache/invalidate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  gateway = new Gateway(parseConfig(yaml, { format: 'yaml', env: {} }), { logger: log });
  await gateway.start();
  http = await gateway.serveHttp({ port: 0 });
  legacy = await connectHttp(http.url, 'legacy');
  modern = await connectHttp(http.url, 'modern');
});
afterAll(async () => {
  await Promise.allSettled([legacy?.close(), modern?.close()]);
  await http?.close();
  await gateway?.close();
  killStarted();
});

describe('gateway cache', () => {
  it('answers a repeated read-only call from the cache, identically, in both eras', async () => {
    const first = await legacy.callTool({ name: 'counter__count', arguments: { key: 'a' } });
    const again = await legacy.callTool({ name: 'counter__count', arguments: { key: 'a' } });
    const fromModern = await modern.callTool({ name: 'counter__count', arguments: { key: 'a' } });
    expect(first.content).toEqual([{ type: 'text', text: 'count a #1' }]);
    expect(again).toEqual(first);
    expect(fromModern.content).toEqual(first.content);
    expect(await callText(modern, 'counter__count', { key: 'b' })).toBe('count b #2');
    expect((await calls()).count).toBe(2);
  });

  it('never caches a tool without readOnlyHint, one configured off, or an isError result', async () => {
    await callText(legacy, 'counter__write', { key: 'x' });
    expect(await callText(legacy, 'counter__write', { key: 'x' })).toBe('write x #2');
    const failures = [await legacy.callTool({ name: 'counter__fail', arguments: {} }), await modern.callTool({ name: 'counter__fail', arguments: {} })];
    expect(failures.map((f) => [f.isError, (f.content as Array<{ text: string }>)[0]!.text])).toEqual([
      [true, 'failed #1'],
      [true, 'failed #2'],
    ]);
  });

  it('collapses 50 identical concurrent calls into one upstream call', async () => {
    const pending = Array.from({ length: 50 }, (_, i) => callText(i % 2 ? modern : legacy, 'counter__held', { key: 'same' }));
    await stderrLine(log.entries, 'counter', 'held started 1');
    await waitUntil(async () => (await stats()).dedup.followers >= 49, 10_000, '49 followers waiting on the leader');
    expect(await callText(legacy, 'counter__release')).toBe('released 1');
    const texts = await Promise.all(pending);
    expect(new Set(texts)).toEqual(new Set(['held same #1']));
    expect((await calls()).held).toBe(1);
  });

  it('drops the server entries when its tool list changes', async () => {
    await callText(legacy, 'counter__count', { key: 'c' });
    const before = (await calls()).count!;
    const changed = collect(legacy, 'notifications/tools/list_changed');
    await callText(legacy, 'counter__add_tool');
    await changed.reached(1);
    expect(await callText(legacy, 'counter__count', { key: 'c' })).toBe(`count c #${before + 1}`);
  });

  it('drops entries on an admin request, by server, tool or all, and refuses a bad request', async () => {
    await callText(legacy, 'counter__count', { key: 'd' });
    const res = await invalidate({ tool: 'counter__count' });
    expect([res.status, JSON.parse(res.text).removed]).toEqual([200, expect.any(Number)]);
    expect(JSON.parse(res.text).removed).toBeGreaterThanOrEqual(1);
    const n = (await calls()).count!;
    expect(await callText(legacy, 'counter__count', { key: 'd' })).toBe(`count d #${n + 1}`);
    expect(JSON.parse((await invalidate({ server: 'counter' })).text).removed).toBeGreaterThanOrEqual(1);
    expect((await invalidate({ all: true })).status).toBe(200);
    for (const bad of [{}, { server: 'a', tool: 'b' }, { all: false }, { server: '' }, { bogus: 1 }, []]) {
      const refused = await invalidate(bad);
      expect([refused.status, JSON.parse(refused.text).error]).toEqual([400, expect.any(String)]);
    }
  });

  it('reports hits and misses on the admin stats route', async () => {
    const s = await stats();
    expect(s).toMatchObject({ store: 'memory', cache: { hits: expect.any(Number), misses: expect.any(Number) }, dedup: { leaders: expect.any(Number) } });
    expect(s.cache.hits).toBeGreaterThanOrEqual(2);
    expect(s.dedup.followers).toBeGreaterThanOrEqual(49);
    // /metrics counts the same lookups (the stats request itself is not one).
    const { text } = await scrape(new URL('/metrics', http.url).href);
    expect(sumSamples(text, 'mcp_cache_requests_total', { result: 'hit' })).toBe(s.cache.hits);
    expect(sumSamples(text, 'mcp_cache_requests_total', { result: 'miss' })).toBe(s.cache.misses);
  });

  it('applies changed TTL rules on reload, dropping what was stored under the old ones', async () => {
    const reload = (text: string) => gateway.reload(parseConfig(text, { format: 'yaml', env: {} }));
    const countCalls = async () => (await calls()).count ?? 0;
    await callText(legacy, 'counter__count', { key: 'rules' });
    const stored = await countCalls();
    await callText(legacy, 'counter__count', { key: 'rules' });
    expect(await countCalls()).toBe(stored); // a hit
    // count is no longer cached: every call reaches the upstream, the entry stored before included.
    expect((await reload(yaml.replace('write: 0', 'write: 0\n        count: 0'))).restarted).toEqual([]);
    await callText(legacy, 'counter__count', { key: 'rules' });
    await callText(legacy, 'counter__count', { key: 'rules' });
    expect(await countCalls()).toBe(stored + 2);
    // Cached again under the first rules.
    await reload(yaml);
    await callText(legacy, 'counter__count', { key: 'rules' });
    await callText(legacy, 'counter__count', { key: 'rules' });
    expect(await countCalls()).toBe(stored + 3);
    expect(log.entries.filter((e) => /restart/.test(e.msg ?? ''))).toEqual([]);
  });

  it('rebuilds the cache when a reload changes its store settings, and adds or removes it, without a restart', async () => {
    const reload = (text: string) => gateway.reload(parseConfig(text, { format: 'yaml', env: {} }));
    const countCalls = async () => (await calls()).count ?? 0;
    const twice = async (key: string) => {
      await callText(legacy, 'counter__count', { key });
      await callText(legacy, 'counter__count', { key });
    };
    await twice('store');
    const before = await countCalls();
    // A new store (maxEntries changed): it starts empty, then caches again.
    const report = await reload(yaml.replace('ttlMs: 600000', 'ttlMs: 600000\n  maxEntries: 50'));
    expect(report.restarted).toEqual([]);
    expect(log.entries.some((e) => e.msg === 'cache rebuilt from the reloaded config (entries start empty)')).toBe(true);
    await twice('store');
    expect(await countCalls()).toBe(before + 1);
    expect((await stats()).cache.hits).toBeGreaterThan(0);
    // Removed: every call reaches the upstream, and the admin routes say there is no cache.
    await reload(COUNTER_SERVERS);
    await twice('store');
    expect(await countCalls()).toBe(before + 3);
    const gone = await rawRequest(`${new URL(http.url).origin}/admin/cache/stats`, { method: 'GET' });
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.text).error).toMatch(/no cache: add a cache: section/);
    expect((await invalidate({ all: true })).status).toBe(404);
    // Added back: cached again, and the admin routes answer for the new cache.
    await reload(yaml);
    await twice('store');
    expect(await countCalls()).toBe(before + 4);
    expect((await stats()).cache).toMatchObject({ hits: 1, misses: 1 });
    expect(log.entries.filter((e) => e.level === 'warn' && /restart/.test(e.msg ?? ''))).toEqual([]);
  });
});

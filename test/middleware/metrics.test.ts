// Prometheus metrics after real calls: the gateway's /metrics in both eras (RED per tool and upstream, upstream
// health, sessions by era, process metrics), bounded target labels, admin gating, metrics.listen, and the
// framework's one option.
import { readFileSync } from 'node:fs';
import type { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, Gateway, silentLogger } from '../../src/index.js';
import { Metrics } from '../../src/middleware/index.js';
import { gatewayConfig, httpServer, stdioServer } from '../gateway/fixtures/helpers.js';
import { connectHttp } from '../helpers/clients.js';
import { capturingLogger } from '../helpers/logger.js';
import { sample, scrape, scrapeSample } from '../helpers/metrics.js';
import { killStarted, ROOT, waitUntil } from '../helpers/process.js';

describe('gateway /metrics', () => {
  let gateway: Gateway;
  let handle: Awaited<ReturnType<Gateway['serveHttp']>>;
  const clients: Client[] = [];

  beforeAll(async () => {
    // `remote` authorizes with OAuth (nothing answers there: it stays down).
    const remote = httpServer('remote', 'http://127.0.0.1:9/mcp', { auth: { oauth: { perCaller: false } } });
    gateway = new Gateway(
      { ...gatewayConfig(stdioServer('up'), remote), oauth: { store: 'memory', file: 'unused.json' }, metrics: { enabled: true, path: '/metrics', principalLabel: false, maxTargets: 50 } },
      { logger: silentLogger },
    );
    await gateway.start();
    handle = await gateway.serveHttp();
    clients.push(await connectHttp(handle.url, 'legacy'), await connectHttp(handle.url, 'modern'));
    for (const client of clients) {
      await client.callTool({ name: 'up__echo', arguments: { text: 'hi' } });
      await client.callTool({ name: 'up__echo', arguments: { text: 'again' } });
      // Names nobody serves: each would be a new label value if they were kept.
      for (const n of [1, 2, 3]) await expect(client.callTool({ name: `no_such_tool_${n}`, arguments: {} })).rejects.toThrow();
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await handle?.close();
    await gateway?.close();
    killStarted();
  });

  it('counts and times calls per method, tool, upstream and outcome, from both eras', async () => {
    const { status, text, type } = await scrape(new URL('/metrics', handle.url).href);
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(sample(text, 'mcp_requests_total', { method: 'tools/call', target: 'up__echo', upstream: 'up', outcome: 'ok' })).toBe(4);
    expect(sample(text, 'mcp_request_duration_seconds_count', { method: 'tools/call', target: 'up__echo', upstream: 'up' })).toBe(4);
    expect(sample(text, 'mcp_requests_in_flight', { method: 'tools/call' })).toBe(0);
    expect(sample(text, 'mcp_requests_by_era_total', { era: 'legacy' })).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'mcp_requests_by_era_total', { era: 'modern' })).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'mcp_sessions_total', { era: 'legacy' })).toBe(1);
    // The legacy client's session is open now; the modern client has none.
    expect(sample(text, 'mcp_sessions_active', { era: 'legacy' })).toBe(1);
  });

  it('collapses unknown tool names into one `other` label value', async () => {
    const { text } = await scrape(new URL('/metrics', handle.url).href);
    expect(sample(text, 'mcp_requests_total', { method: 'tools/call', target: 'other', outcome: 'error' })).toBe(6);
    expect(text).not.toContain('no_such_tool');
  });

  it('reports upstream health and Node process metrics', async () => {
    const { text } = await scrape(new URL('/metrics', handle.url).href);
    expect(sample(text, 'mcp_upstream_up', { upstream: 'up', state: 'up' })).toBe(1);
    expect(sample(text, 'mcp_upstream_restarts_total', { upstream: 'up' })).toBe(0);
    expect(sample(text, 'process_cpu_user_seconds_total', {})).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('feeds the hooks middleware of its own can call (cache, rate limit, hidden text, OAuth refreshes), and every series the dashboard queries exists', async () => {
    gateway.metrics!.cacheHit('prompts/get');
    gateway.metrics!.rateLimited('prompts/get', 'quota');
    gateway.metrics!.hiddenText('tools/call', 'up', 'removed');
    // A request on a named endpoint (the series exists once one came).
    gateway.metrics!.started('tools/list');
    gateway.metrics!.ended({ method: 'tools/list', target: '', upstream: '', outcome: 'ok', era: 'legacy', endpoint: 'research', seconds: 0.001 });
    const { text } = await scrape(new URL('/metrics', handle.url).href);
    expect(sample(text, 'mcp_endpoint_requests_total', { endpoint: 'research', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'mcp_cache_requests_total', { method: 'prompts/get', result: 'hit' })).toBe(1);
    expect(sample(text, 'mcp_rate_limited_total', { method: 'prompts/get', limit: 'quota' })).toBe(1);
    expect(sample(text, 'mcp_hidden_text_total', { method: 'tools/call', upstream: 'up', action: 'removed' })).toBe(1);
    // An OAuth upstream's refreshes are counted from 0 before the first one.
    expect(sample(text, 'mcp_upstream_oauth_refreshes_total', { upstream: 'remote', reason: 'ahead', outcome: 'failed' })).toBe(0);
    // The gateway's breaker gauge is its upstreams' health, read at the scrape.
    expect(sample(text, 'mcp_upstream_breaker_state', { upstream: 'up' })).toBe(0);
    // Every series the Grafana dashboard and the Prometheus alerting rules (test/deploy/prometheus.test.ts fires them)
    // query exists (histogram queries use its _bucket series), but the pins' (a gateway with pinning:, while a change
    // is held: test/gateway/pinning.test.ts has it, held="true"), withheld definitions' (test/gateway/hidden-text.test.ts), the audit store's (a gateway with audit:,
    // test/gateway/audit-health.test.ts) and refused credentials' (a gateway with auth: test/server/introspection.test.ts
    // counts 429s).
    const elsewhere = new Set(['mcp_tool_pin_changes', 'mcp_definitions_withheld', 'mcp_audit_store_up', 'mcp_audit_backlog', 'mcp_auth_refusals_total']);
    const dashboard = readFileSync(`${ROOT}deploy/grafana/mcplex-dashboard.json`, 'utf8');
    const queried = new Set([...dashboard.matchAll(/\b((?:mcp|process|nodejs)_\w+)/g)].map((m) => m[1]!).filter((n) => !elsewhere.has(n)));
    expect(queried.size).toBeGreaterThan(10);
    for (const name of queried) expect(text, name).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    const rules = readFileSync(`${ROOT}deploy/prometheus/mcplex-alerts.yaml`, 'utf8');
    const alerted = new Set([...rules.matchAll(/\b(mcp_\w+)/g)].map((m) => m[1]!).filter((n) => !elsewhere.has(n)));
    expect(alerted.size).toBeGreaterThan(6);
    for (const name of alerted) expect(text, name).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
  });

  it('is an admin route: refused to callers the admin rule refuses', async () => {
    const strict = await gateway.serveHttp({ isAdmin: () => false });
    try {
      expect((await scrape(new URL('/metrics', strict.url).href)).status).toBe(403);
    } finally {
      await strict.close();
    }
  });
});

describe('metrics.listen', () => {
  it('serves /metrics on a listener of its own, not on the gateway listener', async () => {
    const log = capturingLogger();
    const config = { ...gatewayConfig(), metrics: { enabled: true, path: '/metrics', listen: { host: '127.0.0.1', port: 0 }, principalLabel: false, maxTargets: 200 } };
    const gateway = new Gateway(config, { logger: log });
    const handle = await gateway.serveHttp({ isAdmin: () => false });
    try {
      const url = await waitUntil(() => log.entries.map((e) => (e.obj as { url?: string }).url).find((u) => u?.endsWith('/metrics')), 5000, 'the metrics URL');
      expect(new URL(url).port).not.toBe(new URL(handle.url).port);
      const side = await scrape(url);
      expect(side.status).toBe(200);
      expect(side.text).toContain('mcp_requests_total');
      expect((await scrape(new URL('/metrics', handle.url).href)).status).toBe(404);
    } finally {
      await handle.close();
      await gateway.close();
    }
  });

  it('is off with metrics.enabled: false', async () => {
    const gateway = new Gateway({ ...gatewayConfig(), metrics: { enabled: false, path: '/metrics', principalLabel: false, maxTargets: 200 } }, { logger: silentLogger });
    const handle = await gateway.serveHttp();
    try {
      expect(gateway.metrics).toBeUndefined();
      expect((await scrape(new URL('/metrics', handle.url).href)).status).toBe(404);
    } finally {
      await handle.close();
      await gateway.close();
    }
  });
});

describe('framework server', () => {
  it('counts its calls and serves /metrics with one option; target labels stop at maxTargets', async () => {
    const server = createServer({ name: 'fw', version: '1.0.0', logger: silentLogger, metrics: new Metrics({ maxTargets: 2, processMetrics: false }) });
    for (const name of ['a', 'b', 'c']) server.tool(name, { description: name, input: z.object({}) }, () => name);
    const handle = await server.serveHttp();
    const client = await connectHttp(handle.url, 'modern');
    try {
      for (const name of ['a', 'b', 'c', 'c']) await client.callTool({ name, arguments: {} });
      const { status, text } = await scrape(new URL('/metrics', handle.url).href);
      expect(status).toBe(200);
      expect(sample(text, 'mcp_requests_total', { method: 'tools/call', target: 'a', upstream: '', outcome: 'ok' })).toBe(1);
      expect(sample(text, 'mcp_requests_total', { method: 'tools/call', target: 'b', outcome: 'ok' })).toBe(1);
      expect(sample(text, 'mcp_requests_total', { method: 'tools/call', target: 'other', outcome: 'ok' })).toBe(2);
      expect(text).not.toContain('target="c"');
      expect(text).not.toContain('process_cpu');
      // A 2025-era session counts as active while it is open, and no longer once the client ends it (DELETE).
      const legacy = await connectHttp(handle.url, 'legacy');
      expect(await scrapeSample(handle.url, 'mcp_sessions_active', { era: 'legacy' })).toBe(1);
      await (legacy.transport as StreamableHTTPClientTransport).terminateSession();
      await legacy.close();
      await waitUntil(async () => (await scrapeSample(handle.url, 'mcp_sessions_active', { era: 'legacy' })) === 0, 5000, 'the closed session to stop counting');
    } finally {
      await client.close();
      await handle.close();
    }
  });
});

// One trace across client → gateway (a separate `mcplex serve` process) → framework upstream (its stdio child),
// collected by a real OTLP/HTTP JSON receiver: parent/child links, MCP semantic-convention attributes, both client
// eras, both upstream lanes (the raw 2025-era stdio lane and the SDK's 2026-era path), and a gateway task's call.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, silentLogger } from '../../src/index.js';
import { serveCli } from '../gateway/fixtures/cli.js';
import { connectHttp, type EraName } from '../helpers/clients.js';
import { killStarted, ROOT, tsxArgs } from '../helpers/process.js';
import { type OtlpReceiver, startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { TasksClient } from '../helpers/tasks-client.js';

const FIXTURE = 'test/middleware/fixtures/traced-upstream.ts';
const SERVER = 2;
const CLIENT = 3;

const hex = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

function upstream(env: Record<string, string>, protocol?: string): Record<string, unknown> {
  return { command: process.execPath, args: tsxArgs(FIXTURE), cwd: ROOT, env, ...(protocol && { protocol }) };
}

/** Calls `tool` with a fresh client trace context in `_meta`; returns it and the traceparent the upstream saw. */
async function tracedCall(client: Client, tool: string): Promise<{ traceId: string; parent: string; seen: string | null }> {
  const traceId = hex(16);
  const parent = hex(8);
  const res = await client.callTool({ name: tool, arguments: {}, _meta: { traceparent: `00-${traceId}-${parent}-01` } });
  const text = (res.content as Array<{ text: string }>)[0]!.text;
  return { traceId, parent, seen: (JSON.parse(text) as { traceparent: string | null }).traceparent };
}

describe('traces across client, gateway process and upstream process', () => {
  let receiver: OtlpReceiver;
  let cli: Awaited<ReturnType<typeof serveCli>>;
  const clients: Client[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' };
    const dir = mkdtempSync(join(tmpdir(), 'mcplex-trace-'));
    const config = join(dir, 'mcplex.json');
    // `new`'s tools run as gateway tasks for a caller that declares the extension (the SDK clients here do not).
    const servers = { old: upstream(otel, '2025-11-25'), new: { ...upstream(otel), tasks: 'optional' } };
    writeFileSync(config, JSON.stringify({ tracing: { serviceName: 'gw-under-test' }, servers }));
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
    try {
      cli = await serveCli(config);
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    killStarted();
    await receiver?.close();
  });

  for (const era of ['legacy', 'modern'] as EraName[]) {
    for (const server of ['old', 'new']) {
      it(`links ${era} client → gateway → ${server === 'old' ? '2025-era (raw lane)' : '2026-era'} upstream`, async () => {
        const client = await connectHttp(cli.url, era);
        clients.push(client);
        const before = Date.now();
        const { traceId, parent, seen } = await tracedCall(client, `${server}__meta`);
        const after = Date.now();
        const inTrace = (s: { traceId: string }) => s.traceId === traceId;

        const gwServer = await receiver.waitFor((s) => inTrace(s) && s.service === 'gw-under-test' && s.kind === SERVER, 'the gateway SERVER span');
        expect(gwServer.parentSpanId).toBe(parent);
        expect(gwServer.name).toBe(`tools/call ${server}__meta`);
        expect(gwServer.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': `${server}__meta`, 'mcplex.upstream': server, 'mcp.protocol.era': era });
        expect(gwServer.attributes['jsonrpc.request.id']).toBeDefined();
        // mcplex's own (lean) spans, timed within the call.
        expect(gwServer.scope).toBe('mcplex');
        expect(gwServer.startMs).toBeGreaterThanOrEqual(before - 5);
        expect(gwServer.endMs).toBeLessThanOrEqual(after + 5);
        expect(gwServer.endMs).toBeGreaterThanOrEqual(gwServer.startMs);
        if (era === 'legacy') expect(gwServer.attributes['mcp.session.id']).toEqual(expect.any(String));

        const gwClient = await receiver.waitFor((s) => inTrace(s) && s.service === 'gw-under-test' && s.kind === CLIENT, 'the gateway CLIENT span');
        expect(gwClient.parentSpanId).toBe(gwServer.spanId);
        expect(gwClient.attributes['mcplex.upstream']).toBe(server);
        // How the gateway reaches it (a stdio server: a pipe), not how the caller reached the gateway.
        expect(gwClient.attributes['network.transport']).toBe('pipe');
        // The revision the gateway speaks with that upstream (whatever the caller speaks).
        expect(gwClient.attributes['mcp.protocol.version']).toBe(server === 'old' ? '2025-11-25' : '2026-07-28');

        // The upstream received the gateway's CLIENT span as its parent in `_meta`, and its span says so too.
        expect(seen).toBe(`00-${traceId}-${gwClient.spanId}-01`);
        const upServer = await receiver.waitFor((s) => inTrace(s) && s.service === 'traced-upstream' && s.kind === SERVER, 'the upstream SERVER span');
        expect(upServer.parentSpanId).toBe(gwClient.spanId);
        expect(upServer.name).toBe('tools/call meta');
        expect(upServer.attributes['gen_ai.tool.name']).toBe('meta');
        // The handler's own span (OTel API, no context passed) is a child of the request's span.
        const lookup = await receiver.waitFor((s) => inTrace(s) && s.service === 'traced-upstream' && s.name === 'lookup', "the handler's own span");
        expect(lookup.parentSpanId).toBe(upServer.spanId);
        // That one is the SDK's own span (any tracer but mcplex's), exported by the same processor.
        expect(lookup.scope).toBe('traced-upstream-app');
        expect(upServer.scope).toBe('mcplex');
        expect(lookup.startMs).toBeGreaterThanOrEqual(upServer.startMs - 1);
      }, 30_000);
    }
  }

  it("a gateway task's upstream call: a CLIENT span under the request's, ended with the task's work", async () => {
    const tasks = new TasksClient(cli.url);
    const traceId = hex(16);
    const created = await tasks.request('tools/call', { name: 'new__meta', arguments: {} }, { traceparent: `00-${traceId}-${hex(8)}-01` });
    expect(created.result).toMatchObject({ resultType: 'task' });
    const done = await tasks.settled(String(created.result!.taskId));
    const seen = (JSON.parse((done.result as { content: Array<{ text: string }> }).content[0]!.text) as { traceparent: string | null }).traceparent;
    const inTrace = (s: { traceId: string; service: string }) => s.traceId === traceId && s.service === 'gw-under-test';
    const gwServer = await receiver.waitFor((s) => inTrace(s) && s.kind === SERVER && s.name === 'tools/call new__meta', 'the SERVER span of the request that made the task');
    const gwClient = await receiver.waitFor((s) => inTrace(s) && s.kind === CLIENT, "the task's CLIENT span");
    expect(gwClient.parentSpanId).toBe(gwServer.spanId);
    expect(gwClient.attributes).toMatchObject({ 'mcplex.upstream': 'new', 'mcp.protocol.version': '2026-07-28' });
    expect(seen).toBe(`00-${traceId}-${gwClient.spanId}-01`);
  }, 30_000);

  it('marks a failed request on its span (unknown tool)', async () => {
    const client = clients[0]!;
    const traceId = hex(16);
    await expect(client.callTool({ name: 'old__missing', arguments: {}, _meta: { traceparent: `00-${traceId}-${hex(8)}-01` } })).rejects.toThrow();
    const span = await receiver.waitFor((s) => s.traceId === traceId && s.kind === SERVER, 'the failed request span');
    expect(span.status?.code).toBe(2);
    expect(span.attributes['error.type']).toBe('-32602');
  }, 30_000);
});

describe('tracing off', () => {
  it("passes the caller's traceparent to the upstream unchanged (no SDK, no spans)", async () => {
    const gateway = new Gateway({ listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: {} }, { logger: silentLogger });
    const config = { name: 'up', namespace: 'up', enabled: true, timeoutMs: 30_000, connectTimeoutMs: 30_000, tools: { rename: {} }, transport: 'stdio' as const };
    await gateway.reload({ ...gateway.config, servers: { up: { ...config, command: process.execPath, args: tsxArgs(FIXTURE), cwd: ROOT, env: {} } } });
    const handle = await gateway.serveHttp();
    try {
      const client = await connectHttp(handle.url, 'legacy');
      const { traceId, parent, seen } = await tracedCall(client, 'up__meta');
      expect(seen).toBe(`00-${traceId}-${parent}-01`);
      await client.close();
    } finally {
      await handle.close();
      await gateway.close();
    }
  }, 30_000);
});

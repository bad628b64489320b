// OTLP metrics as the MCP semantic conventions name them: `mcp.server.operation.duration` per request (and a
// gateway's `mcp.client.operation.duration` per upstream call, `mcp.server.session.duration` per session), with its
// attributes (method, tool, operation, error type and code, protocol version, transport, the gateway's upstream),
// tool names bounded as Prometheus labels are. A real `mcplex serve` exporting to a real OTLP/HTTP JSON receiver;
// a framework server recording into an SDK meter provider read in process; when the environment turns it on.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { AggregationTemporality, type DataPoint, type Histogram, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { GatewayConfig, ServerConfig } from '../../src/gateway/config/index.js';
import { peerAttributes, upstreamPeers } from '../../src/gateway/upstream-peers.js';
import { connectInMemory, createServer, metricsWanted, operationMetrics, silentLogger } from '../../src/index.js';
import { fixtureServer, serveCli } from '../gateway/fixtures/cli.js';
import { connectHttp } from '../helpers/clients.js';
import { killStarted } from '../helpers/process.js';
import { type OtlpReceiver, startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { TasksClient } from '../helpers/tasks-client.js';

const NAME = 'mcp.server.operation.duration';

describe('metricsWanted', () => {
  it('follows the config, else OTEL_METRICS_EXPORTER or an OTLP metrics endpoint; OTEL_SDK_DISABLED and none win', () => {
    expect(metricsWanted({}, {})).toBe(false);
    // An endpoint for every signal alone (traces, say) does not turn metrics on.
    expect(metricsWanted({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(false);
    expect(metricsWanted({}, { OTEL_METRICS_EXPORTER: 'otlp' })).toBe(true);
    expect(metricsWanted({}, { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:4318/v1/metrics' })).toBe(true);
    expect(metricsWanted({ enabled: true }, {})).toBe(true);
    expect(metricsWanted({ enabled: false }, { OTEL_METRICS_EXPORTER: 'otlp' })).toBe(false);
    expect(metricsWanted({ enabled: true }, { OTEL_METRICS_EXPORTER: 'none' })).toBe(false);
    expect(metricsWanted({ enabled: true }, { OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });
});

describe('peerAttributes: how the gateway reaches an upstream', () => {
  const server = (over: Record<string, unknown>) => ({ name: 's', ...over }) as unknown as ServerConfig;
  it("a pipe to a stdio server; tcp/http at the URL's host and port (the scheme's default when none); nothing for a built-in", () => {
    expect(peerAttributes(server({ transport: 'stdio', command: 'x' }))).toEqual({ 'network.transport': 'pipe' });
    const http = { 'network.transport': 'tcp', 'network.protocol.name': 'http' };
    expect(peerAttributes(server({ transport: 'http', url: 'https://mcp.example.com/mcp' }))).toEqual({ ...http, 'server.address': 'mcp.example.com', 'server.port': 443 });
    expect(peerAttributes(server({ transport: 'sse', url: 'http://[::1]:8080/sse' }))).toEqual({ ...http, 'server.address': '::1', 'server.port': 8080 });
    expect(peerAttributes(server({ transport: 'builtin', builtin: 'filesystem' }))).toBeUndefined();
  });

  it('upstreamPeers: the revision its current connection negotiated, made again when that changes, and a reload', () => {
    let version: string | undefined;
    let reload: (next: GatewayConfig) => void = () => {};
    const config = { servers: { s: server({ transport: 'stdio', command: 'x' }) } } as unknown as GatewayConfig;
    const onReload = (apply: (next: GatewayConfig) => void) => {
      reload = apply;
    };
    const peerOf = upstreamPeers(config, onReload, () => version);
    expect(peerOf('s')).toEqual({ 'network.transport': 'pipe' });
    version = '2025-11-25';
    expect(peerOf('s')).toEqual({ 'network.transport': 'pipe', 'mcp.protocol.version': '2025-11-25' });
    expect(peerOf('s')).toBe(peerOf('s'));
    version = '2026-07-28';
    expect(peerOf('s')).toEqual({ 'network.transport': 'pipe', 'mcp.protocol.version': '2026-07-28' });
    reload({ servers: { s: server({ transport: 'http', url: 'http://127.0.0.1:9/mcp' }) } } as unknown as GatewayConfig);
    expect(peerOf('s')).toMatchObject({ 'network.transport': 'tcp', 'server.port': 9, 'mcp.protocol.version': '2026-07-28' });
    expect(peerOf('nope')).toBeUndefined();
  });
});

describe('a gateway exporting mcp.server.operation.duration over OTLP', () => {
  let receiver: OtlpReceiver;
  afterAll(async () => {
    killStarted();
    await receiver?.close();
  });

  it('records each request with its semantic-convention attributes, unknown tool names as other', async () => {
    receiver = await startOtlpReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'mcplex-otlp-metrics-'));
    const config = join(dir, 'mcplex.json');
    // An upstream over HTTP beside the stdio one: the calls to each are recorded with its own connection.
    const web = createServer({ name: 'web', version: '1.0.0', logger: silentLogger });
    web.tool('ping', { description: 'Answers pong', input: z.object({}) }, () => 'pong');
    const webHttp = await web.serveHttp({ port: 0 });
    writeFileSync(config, JSON.stringify({ tracing: { serviceName: 'gw-metrics' }, servers: { a: { ...fixtureServer('a'), tasks: 'optional' }, web: { url: webHttp.url } } }));
    const cli = await serveCli(config, [], { OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_METRIC_EXPORT_INTERVAL: '200' });
    const client = await connectHttp(cli.url, 'legacy');
    try {
      for (const text of ['one', 'two']) await client.callTool({ name: 'a__echo', arguments: { text } });
      await expect(client.callTool({ name: 'a__made_up', arguments: {} })).rejects.toThrow();
      const echo = await receiver.waitForPoint((p) => p.name === NAME && p.attributes['gen_ai.tool.name'] === 'a__echo' && p.count >= 2, 'two a__echo calls recorded');
      expect(echo).toMatchObject({ service: 'gw-metrics', unit: 's', scope: 'mcplex' });
      expect(echo.attributes).toEqual({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'a__echo',
        'gen_ai.operation.name': 'execute_tool',
        'mcplex.upstream': 'a',
        'mcp.protocol.version': '2025-11-25',
        'network.transport': 'tcp',
        'network.protocol.name': 'http',
      });
      expect(echo.sum).toBeGreaterThan(0);
      expect(echo.explicitBounds).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]);
      // Each call on to the upstream, as the gateway made it: within the request's own time.
      const sent = await receiver.waitForPoint((p) => p.name === 'mcp.client.operation.duration' && p.attributes['gen_ai.tool.name'] === 'a__echo' && p.count >= 2, 'two calls to upstream a recorded');
      // The connection is the gateway's to the upstream (a pipe to a stdio server), not the caller's.
      // With the revision negotiated with the upstream (the gateway's, not the caller's 2025-11-25).
      expect(sent.attributes).toEqual({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'a__echo', 'gen_ai.operation.name': 'execute_tool', 'mcplex.upstream': 'a', 'network.transport': 'pipe', 'mcp.protocol.version': '2026-07-28' });
      await client.callTool({ name: 'web__ping', arguments: {} });
      const toWeb = await receiver.waitForPoint((p) => p.name === 'mcp.client.operation.duration' && p.attributes['mcplex.upstream'] === 'web', 'the call to the HTTP upstream recorded');
      const { port } = new URL(webHttp.url);
      expect(toWeb.attributes).toMatchObject({ 'gen_ai.tool.name': 'web__ping', 'network.transport': 'tcp', 'network.protocol.name': 'http', 'server.address': '127.0.0.1', 'server.port': Number(port) });
      const received = receiver.points.findLast((p) => p.name === NAME && p.attributes['gen_ai.tool.name'] === 'a__echo')!;
      expect([sent.count, received.count]).toEqual([2, 2]);
      expect(sent.sum!).toBeLessThanOrEqual(received.sum!);
      // A gateway task's upstream call (a 2026-era caller declaring the extension) is recorded when its work ends.
      const tasks = new TasksClient(cli.url);
      const created = await tasks.ok('tools/call', { name: 'a__echo', arguments: { text: 'three' } });
      expect(created.resultType).toBe('task');
      await tasks.settled(String(created.taskId));
      await receiver.waitForPoint((p) => p.name === 'mcp.client.operation.duration' && p.attributes['gen_ai.tool.name'] === 'a__echo' && p.count >= 3, "the task's upstream call recorded");
      const unknown = await receiver.waitForPoint((p) => p.name === NAME && p.attributes['error.type'] !== undefined, 'the unknown tool recorded');
      expect(unknown.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'other', 'error.type': '-32602', 'rpc.response.status_code': '-32602' });
      // The session's other requests are recorded too (initialize, tools/list the client made).
      await receiver.waitForPoint((p) => p.name === NAME && p.attributes['mcp.method.name'] === 'initialize', 'initialize recorded');
    } finally {
      await (client.transport as StreamableHTTPClientTransport).terminateSession();
      await client.close();
      await webHttp.close();
    }
    // The session, once the client closed it (DELETE): how long it was open, the version it spoke.
    const session = await receiver.waitForPoint((p) => p.name === 'mcp.server.session.duration' && p.count >= 1, 'the closed session recorded');
    expect(session.attributes).toEqual({ 'mcp.protocol.version': '2025-11-25', 'network.transport': 'tcp', 'network.protocol.name': 'http' });
    expect(session.sum).toBeGreaterThan(0);
  }, 60_000);
});

/** Reads what a meter provider holds, on demand. */
class ReadNow extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describe('a framework server recording mcp.server.operation.duration', () => {
  it('over stdio: transport pipe, a tool error as tool_error', async () => {
    const reader = new ReadNow();
    const provider = new MeterProvider({ readers: [reader] });
    const server = createServer({ name: 'fw', version: '1.0.0', logger: silentLogger });
    server.use(operationMetrics({ meter: provider.getMeter('mcplex') }));
    server.tool('add', { description: 'Adds', input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => String(a + b));
    server.tool('fail', { description: 'Fails', input: z.object({}) }, () => ({ content: [{ type: 'text', text: 'no' }], isError: true }));
    const client = await connectInMemory(server);
    try {
      await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
      await client.callTool({ name: 'fail', arguments: {} });
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === NAME)!;
      const points = metric.dataPoints as DataPoint<Histogram>[];
      const of = (tool: string) => points.find((p) => p.attributes['gen_ai.tool.name'] === tool)!;
      expect(of('add').attributes).toEqual({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'add', 'gen_ai.operation.name': 'execute_tool', 'network.transport': 'pipe' });
      expect(of('add').value.count).toBe(1);
      expect(of('fail').attributes).toMatchObject({ 'error.type': 'tool_error' });
      expect(of('fail').attributes['rpc.response.status_code']).toBeUndefined();
    } finally {
      await client.close();
      await provider.shutdown();
    }
  });
});

// OTLP over each protocol OTEL_EXPORTER_OTLP_PROTOCOL names: http/protobuf (the specification's default, so also
// when it is unset), http/json and grpc, traces and metrics alike; per-signal variables win; a protocol no exporter
// speaks stops `mcplex serve` naming the variable. A real `mcplex serve` exporting to a receiver that decodes each.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpProtocol } from '../../src/index.js';
import { fixtureServer, runCli, serveCli } from '../gateway/fixtures/cli.js';
import { connectHttp } from '../helpers/clients.js';
import { type OtlpReceiver, startOtlpReceiver, type Via } from '../helpers/otlp-receiver.js';
import { killStarted } from '../helpers/process.js';

const SERVER = 2;
const CLIENT = 3;

describe('otlpProtocol', () => {
  it("reads the signal's variable, then the general one, else http/protobuf; another value is named with the fix", () => {
    expect(otlpProtocol({}, 'TRACES')).toBe('http/protobuf');
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'TRACES')).toBe('grpc');
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'HTTP/JSON' }, 'METRICS')).toBe('http/json');
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' }, 'TRACES')).toBe('grpc');
    expect(otlpProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: ' ' }, 'TRACES')).toBe('http/protobuf');
    expect(() => otlpProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http' }, 'TRACES')).toThrow(
      "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http is not an OTLP protocol: set it to http/protobuf (the default, the collector's port 4318), http/json or grpc (port 4317), or unset it",
    );
  });
});

describe('a gateway exporting traces and metrics over each OTLP protocol', () => {
  let receiver: OtlpReceiver;
  let config: string;
  beforeAll(async () => {
    receiver = await startOtlpReceiver({ grpc: true });
    const dir = mkdtempSync(join(tmpdir(), 'mcplex-otlp-protocols-'));
    config = join(dir, 'mcplex.json');
    writeFileSync(config, JSON.stringify({ servers: { a: fixtureServer('a') } }));
  });
  afterAll(async () => {
    killStarted();
    await receiver?.close();
  });

  const cases: { via: Via; env: (r: OtlpReceiver) => Record<string, string> }[] = [
    { via: 'http/protobuf', env: (r) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: r.endpoint }) },
    { via: 'grpc', env: (r) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: r.grpcEndpoint!, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }) },
    // The per-signal variable over the general one.
    { via: 'http/json', env: (r) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: r.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' }) },
  ];
  for (const { via, env } of cases) {
    it(`${via}: the request's span, its upstream call's and the operation's histogram arrive over ${via}`, async () => {
      const service = `gw-${via.replace('/', '-')}`;
      const otel = { OTEL_SERVICE_NAME: service, OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '200', OTEL_BSP_SCHEDULE_DELAY: '50' };
      const cli = await serveCli(config, [], { ...otel, ...env(receiver) });
      const client = await connectHttp(cli.url, 'legacy');
      try {
        const traceId = randomBytes(16).toString('hex');
        const parent = randomBytes(8).toString('hex');
        await client.callTool({ name: 'a__echo', arguments: { text: via }, _meta: { traceparent: `00-${traceId}-${parent}-01` } });
        const mine = (s: { service: string }) => s.service === service;
        const server = await receiver.waitFor((s) => mine(s) && s.traceId === traceId && s.kind === SERVER, `the gateway's SERVER span over ${via}`);
        expect(server).toMatchObject({ via, parentSpanId: parent, name: 'tools/call a__echo', scope: 'mcplex' });
        expect(server.spanId).toMatch(/^[0-9a-f]{16}$/);
        expect(server.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'a__echo', 'mcplex.upstream': 'a' });
        expect(server.endMs).toBeGreaterThanOrEqual(server.startMs);
        const upstreamCall = await receiver.waitFor((s) => mine(s) && s.traceId === traceId && s.kind === CLIENT, `the gateway's CLIENT span over ${via}`);
        expect(upstreamCall).toMatchObject({ via, parentSpanId: server.spanId });
        const point = await receiver.waitForPoint((p) => mine(p) && p.name === 'mcp.server.operation.duration' && p.attributes['gen_ai.tool.name'] === 'a__echo', `the tools/call histogram over ${via}`);
        expect(point).toMatchObject({ via, unit: 's', scope: 'mcplex', count: 1 });
        expect(point.sum).toBeGreaterThan(0);
        expect(point.explicitBounds.length).toBeGreaterThan(5);
        // Nothing of this gateway arrived any other way.
        expect([...receiver.spans, ...receiver.points].filter((x) => mine(x) && x.via !== via)).toEqual([]);
      } finally {
        await client.close();
        cli.child.kill('SIGTERM');
        await cli.exited(30_000);
      }
    });
  }

  it('a protocol no exporter speaks stops serve before it listens, naming the variable and the fix', async () => {
    const cli = runCli(['serve', '--config', config, '--port', '0'], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/proto' });
    const { code } = await cli.exited(30_000);
    expect(code).toBe(1);
    expect(cli.stderr()).toContain('mcplex: OTEL_EXPORTER_OTLP_PROTOCOL=http/proto is not an OTLP protocol: set it to http/protobuf');
    expect(cli.stdout()).not.toContain('gateway listening');
  });
});

// An OTLP receiver on 127.0.0.1 for the tests, over each protocol the exporters speak (OTLP/HTTP JSON and protobuf;
// gRPC on a port of its own when asked): collects every span exported (/v1/traces) and every histogram point
// (/v1/metrics) with its service name and the protocol it came over, and waits for the ones a test expects.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { decodeMetrics, decodeTraces } from './otlp-proto.js';
import { waitUntil } from './process.js';

/** How an export arrived (OTEL_EXPORTER_OTLP_PROTOCOL's values). */
export type Via = 'http/json' | 'http/protobuf' | 'grpc';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number };
  /** The instrumentation scope (tracer) that made it. */
  scope?: string;
  /** Start and end, ms since the epoch. */
  startMs: number;
  endMs: number;
  via: Via;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValues = { key: string; value: AnyValue }[];
const plain = (v: AnyValue) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attrs = (list: KeyValues = []) => Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

/** The parts of an OTLP/HTTP JSON ExportTraceServiceRequest the tests read. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: KeyValues;
  status?: { code?: number };
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
}
interface OtlpDocument {
  resourceSpans?: { resource?: { attributes?: KeyValues }; scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[] }[];
}

/** One histogram data point of an export (cumulative: the whole count and sum so far). */
export interface ReceivedPoint {
  service: string;
  /** The metric's name and unit, and the instrumentation scope (meter) that recorded it. */
  name: string;
  unit?: string;
  scope?: string;
  attributes: Record<string, unknown>;
  count: number;
  sum?: number;
  explicitBounds: number[];
  via: Via;
}
interface OtlpMetricsDocument {
  resourceMetrics?: {
    resource?: { attributes?: KeyValues };
    scopeMetrics?: { scope?: { name?: string }; metrics?: { name: string; unit?: string; histogram?: { dataPoints?: { attributes?: KeyValues; count: string | number; sum?: number; explicitBounds?: number[] }[] } }[] }[];
  }[];
}

export interface OtlpReceiver {
  /** OTLP/HTTP (either encoding). */
  readonly endpoint: string;
  /** OTLP/gRPC, when asked for (`{ grpc: true }`). */
  readonly grpcEndpoint?: string;
  readonly spans: ReceivedSpan[];
  readonly points: ReceivedPoint[];
  waitFor(match: (s: ReceivedSpan) => boolean, what: string, timeoutMs?: number): Promise<ReceivedSpan>;
  /** The latest point (exports are cumulative) that matches, once one does. */
  waitForPoint(match: (p: ReceivedPoint) => boolean, what: string, timeoutMs?: number): Promise<ReceivedPoint>;
  close(): Promise<void>;
}

const GRPC_SERVICES = { traces: 'opentelemetry.proto.collector.trace.v1.TraceService', metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService' };

export async function startOtlpReceiver(opts: { grpc?: boolean } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const collectSpans = (doc: OtlpDocument, via: Via) => {
    for (const rs of doc.resourceSpans ?? []) {
      const service = String(attrs(rs.resource?.attributes)['service.name']);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const { traceId, spanId, parentSpanId, name, kind, status } = s;
          const times = { startMs: Number(BigInt(s.startTimeUnixNano) / 1000n) / 1000, endMs: Number(BigInt(s.endTimeUnixNano) / 1000n) / 1000 };
          spans.push({ service, traceId, spanId, ...(parentSpanId && { parentSpanId }), name, kind, attributes: attrs(s.attributes), ...(status && { status }), scope: ss.scope?.name, ...times, via });
        }
      }
    }
  };
  const collectPoints = (doc: OtlpMetricsDocument, via: Via) => {
    for (const rm of doc.resourceMetrics ?? []) {
      const service = String(attrs(rm.resource?.attributes)['service.name']);
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          for (const p of m.histogram?.dataPoints ?? []) {
            points.push({ service, name: m.name, ...(m.unit && { unit: m.unit }), scope: sm.scope?.name, attributes: attrs(p.attributes), count: Number(p.count), ...(p.sum !== undefined && { sum: p.sum }), explicitBounds: p.explicitBounds ?? [], via });
          }
        }
      }
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const json = req.headers['content-type']?.includes('json');
      const proto = req.headers['content-type']?.includes('protobuf');
      if (req.url === '/v1/traces' && json) collectSpans(JSON.parse(body.toString('utf8')) as OtlpDocument, 'http/json');
      if (req.url === '/v1/traces' && proto) collectSpans(decodeTraces(body) as OtlpDocument, 'http/protobuf');
      if (req.url === '/v1/metrics' && json) collectPoints(JSON.parse(body.toString('utf8')) as OtlpMetricsDocument, 'http/json');
      if (req.url === '/v1/metrics' && proto) collectPoints(decodeMetrics(body) as OtlpMetricsDocument, 'http/protobuf');
      // An empty Export*ServiceResponse in the request's encoding.
      if (proto) res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const grpcServer = opts.grpc ? new grpc.Server() : undefined;
  let grpcPort: number | undefined;
  if (grpcServer) {
    const service = (path: string, collect: (body: Buffer) => void) => {
      const definition = {
        Export: { path: `/${path}/Export`, requestStream: false, responseStream: false, requestDeserialize: (b: Buffer) => b, requestSerialize: (b: Buffer) => b, responseSerialize: () => Buffer.alloc(0), responseDeserialize: () => ({}) },
      };
      grpcServer.addService(definition, {
        Export: (call: grpc.ServerUnaryCall<Buffer, object>, done: grpc.sendUnaryData<object>) => {
          collect(call.request);
          done(null, {});
        },
      });
    };
    service(GRPC_SERVICES.traces, (b) => collectSpans(decodeTraces(b) as OtlpDocument, 'grpc'));
    service(GRPC_SERVICES.metrics, (b) => collectPoints(decodeMetrics(b) as OtlpMetricsDocument, 'grpc'));
    grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ...(grpcPort !== undefined && { grpcEndpoint: `http://127.0.0.1:${grpcPort}` }),
    spans,
    points,
    waitFor: (match, what, timeoutMs = 20_000) => waitUntil(() => spans.find(match), timeoutMs, `${what}; spans so far: ${JSON.stringify(spans.map((s) => [s.service, s.name]))}`),
    waitForPoint: (match, what, timeoutMs = 20_000) =>
      waitUntil(() => points.findLast(match), timeoutMs, `${what}; points so far: ${JSON.stringify(points.slice(-20).map((p) => [p.name, p.attributes, p.count]))}`),
    close: async () => {
      grpcServer?.forceShutdown();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

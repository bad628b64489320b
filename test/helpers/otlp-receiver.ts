// An OTLP/HTTP JSON receiver on 127.0.0.1 for the tests: collects every span posted to /v1/traces and every
// histogram point posted to /v1/metrics with its service name, and waits for the ones a test expects.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from './process.js';

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
}
interface OtlpMetricsDocument {
  resourceMetrics?: {
    resource?: { attributes?: KeyValues };
    scopeMetrics?: { scope?: { name?: string }; metrics?: { name: string; unit?: string; histogram?: { dataPoints?: { attributes?: KeyValues; count: string | number; sum?: number; explicitBounds?: number[] }[] } }[] }[];
  }[];
}

export interface OtlpReceiver {
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  readonly points: ReceivedPoint[];
  waitFor(match: (s: ReceivedSpan) => boolean, what: string, timeoutMs?: number): Promise<ReceivedSpan>;
  /** The latest point (exports are cumulative) that matches, once one does. */
  waitForPoint(match: (p: ReceivedPoint) => boolean, what: string, timeoutMs?: number): Promise<ReceivedPoint>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const points: ReceivedPoint[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
        const doc = JSON.parse(body) as OtlpDocument;
        for (const rs of doc.resourceSpans ?? []) {
          const service = String(attrs(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              const { traceId, spanId, parentSpanId, name, kind, status } = s;
              const times = { startMs: Number(BigInt(s.startTimeUnixNano) / 1000n) / 1000, endMs: Number(BigInt(s.endTimeUnixNano) / 1000n) / 1000 };
              spans.push({ service, traceId, spanId, ...(parentSpanId && { parentSpanId }), name, kind, attributes: attrs(s.attributes), ...(status && { status }), scope: ss.scope?.name, ...times });
            }
          }
        }
      }
      if (req.url === '/v1/metrics' && req.headers['content-type']?.includes('json')) {
        const doc = JSON.parse(body) as OtlpMetricsDocument;
        for (const rm of doc.resourceMetrics ?? []) {
          const service = String(attrs(rm.resource?.attributes)['service.name']);
          for (const sm of rm.scopeMetrics ?? []) {
            for (const m of sm.metrics ?? []) {
              for (const p of m.histogram?.dataPoints ?? []) {
                points.push({ service, name: m.name, ...(m.unit && { unit: m.unit }), scope: sm.scope?.name, attributes: attrs(p.attributes), count: Number(p.count), ...(p.sum !== undefined && { sum: p.sum }), explicitBounds: p.explicitBounds ?? [] });
              }
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    points,
    waitFor: (match, what, timeoutMs = 20_000) => waitUntil(() => spans.find(match), timeoutMs, `${what}; spans so far: ${JSON.stringify(spans.map((s) => [s.service, s.name]))}`),
    waitForPoint: (match, what, timeoutMs = 20_000) =>
      waitUntil(() => points.findLast(match), timeoutMs, `${what}; points so far: ${JSON.stringify(points.slice(-20).map((p) => [p.name, p.attributes, p.count]))}`),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

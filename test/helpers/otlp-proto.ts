// The OTLP protobuf messages the test receiver reads (opentelemetry-proto's field numbers; fields the tests do not
// read are left out, and protobuf skips them), decoded into the shape OTLP/HTTP JSON has, ids in hex as JSON has them.
import protobuf from 'protobufjs';

const { root } = protobuf.parse(`
syntax = "proto3";
package otlp;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; bytes bytes_value = 7; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message HistogramDataPoint {
  fixed64 count = 4; optional double sum = 5; repeated double explicit_bounds = 7; repeated KeyValue attributes = 9;
}
message Histogram { repeated HistogramDataPoint data_points = 1; }
message Metric { string name = 1; string unit = 3; Histogram histogram = 9; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
`);

const decode = (type: string, body: Uint8Array) => {
  const t = root.lookupType(`otlp.${type}`);
  return t.toObject(t.decode(body), { longs: Number, enums: Number, bytes: String, defaults: false });
};

const hex = (base64: unknown) => (typeof base64 === 'string' && base64 ? Buffer.from(base64, 'base64').toString('hex') : undefined);

interface Decoded {
  resourceSpans?: { scopeSpans?: { spans?: Record<string, unknown>[] }[] }[];
}

/** An ExportTraceServiceRequest as OTLP/HTTP JSON has it. */
export function decodeTraces(body: Uint8Array): unknown {
  const doc = decode('ExportTraceServiceRequest', body) as Decoded;
  for (const rs of doc.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) for (const id of ['traceId', 'spanId', 'parentSpanId']) s[id] = hex(s[id]);
    }
  }
  return doc;
}

/** An ExportMetricsServiceRequest as OTLP/HTTP JSON has it. */
export const decodeMetrics = (body: Uint8Array): unknown => decode('ExportMetricsServiceRequest', body);

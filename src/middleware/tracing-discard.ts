// A recording tracer whose spans are batched and then dropped: what the bench runs to measure tracing's cost as
// production pays it (mcplex's lean spans, sampled as by default, batched by the SDK's processor) without a
// collector on the other end. The exporter reads every field an OTLP exporter reads, so what a span computes only
// when read is paid here too; the OTLP encoding itself is not measured.
import type { Tracer } from '@opentelemetry/api';
import { defaultResource } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, RandomIdGenerator, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { LeanTracer } from './lean-tracer.js';

/** Reads a span as an OTLP exporter's transform does; returns a number so the reads cannot be optimized away. */
function read(span: ReadableSpan): number {
  const { traceId, spanId } = span.spanContext();
  let n = traceId.length + spanId.length + (span.parentSpanContext?.spanId.length ?? 0) + span.name.length + span.kind;
  n += span.startTime[0] + span.endTime[1] + span.duration[1] + span.status.code + span.droppedAttributesCount;
  for (const key in span.attributes) n += key.length;
  n += span.events.length + span.links.length + span.droppedEventsCount + span.droppedLinksCount;
  return n + span.instrumentationScope.name.length + (span.resource.attributes['service.name'] ? 1 : 0);
}

// `read` sums what it read into a field nothing uses, so the reads stay.
const discard: SpanExporter & { read: number } = {
  read: 0,
  export(spans: ReadableSpan[], done) {
    for (const span of spans) this.read += read(span);
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};

/** mcplex's lean tracer (what production runs), or with 'sdk' the OTel SDK's own (the yardstick it replaced). */
export function discardingTracer(spans: 'lean' | 'sdk' = 'lean'): Tracer {
  const processor = new BatchSpanProcessor(discard);
  if (spans === 'sdk') return new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('mcplex');
  return new LeanTracer({
    processor,
    resource: defaultResource(),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    ids: new RandomIdGenerator(),
  });
}


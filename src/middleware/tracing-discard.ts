// A recording tracer whose spans are batched and then dropped: what the bench runs to measure tracing's cost as
// production pays it (spans built and processed) without a collector on the other end.
import type { Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

const discard: SpanExporter = {
  export(_spans: ReadableSpan[], done) {
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};

export function discardingTracer(): Tracer {
  return new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] }).getTracer('mcplex');
}

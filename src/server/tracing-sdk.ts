// Starts the OpenTelemetry SDK (an OTLP exporter over the protocol OTEL_EXPORTER_OTLP_PROTOCOL names, W3C propagation)
// when tracing is wanted, configured by the standard OTEL_* variables. When it is not, nothing of the SDK is loaded
// and the API stays a no-op.
import { context, createContextKey, diag, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { VERSION } from '../core/index.js';
import { type Env, type OtlpProtocol, otlpProtocol, otlpWanted, serviceResource } from './otel-setup.js';

export interface TracingSetup {
  /** true/false decides; absent: on when an OTLP endpoint or OTEL_TRACES_EXPORTER is set in the environment. */
  enabled?: boolean;
  /** service.name unless OTEL_SERVICE_NAME says otherwise. */
  serviceName?: string;
  /**
   * Default true: the request's span is the active OTel context while its handler runs (an AsyncLocalStorage context
   * manager is registered, unless one already is), so spans the handler and instrumented libraries open are its
   * children. The CLI gateway turns it off: it runs no handler code, and its own spans name their parents.
   */
  activeContext?: boolean;
}

export interface TracingHandle {
  /** Exports what is still buffered, then stops. Call it before the process exits. */
  shutdown(): Promise<void>;
}

/** Whether spans should be exported: the config decides, else the environment; OTEL_SDK_DISABLED and `none` win. */
export function tracingWanted(setup: TracingSetup = {}, env: Env = process.env): boolean {
  // OTLP is the one exporter shipped; 'none' (or only exporters we do not ship, e.g. 'console') means off.
  return otlpWanted(env, env.OTEL_TRACES_EXPORTER, setup.enabled, Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER));
}

const PROBE = createContextKey('mcplex.contextManagerProbe');

/** Whether a context manager is registered: the API's no-op one does not make a context active inside `with`. */
function hasContextManager(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

/** The SDK's sampler classes (loaded with it). */
type Samplers = Pick<typeof import('@opentelemetry/sdk-trace-base'), 'AlwaysOnSampler' | 'AlwaysOffSampler' | 'ParentBasedSampler' | 'TraceIdRatioBasedSampler'>;

/**
 * The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name, as the SDK's tracer provider builds it (its own
 * function for it is not exported): default parentbased_always_on; a missing or out-of-range ratio is 1.
 */
export function samplerFromEnv(sdk: Samplers, env: Env = process.env): Sampler {
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG);
  const ratio = () => new sdk.TraceIdRatioBasedSampler(env.OTEL_TRACES_SAMPLER_ARG?.trim() && arg >= 0 && arg <= 1 ? arg : 1);
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  switch (name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: ratio() });
    default:
      if (name !== 'parentbased_always_on') diag.error(`OTEL_TRACES_SAMPLER value "${name}" invalid, defaulting to "parentbased_always_on".`);
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
  }
}

/** The span exporter of each protocol, loaded only when chosen. */
const EXPORTERS: Record<OtlpProtocol, () => Promise<{ OTLPTraceExporter: new () => SpanExporter }>> = {
  'http/protobuf': () => import('@opentelemetry/exporter-trace-otlp-proto'),
  'http/json': () => import('@opentelemetry/exporter-trace-otlp-http'),
  grpc: () => import('@opentelemetry/exporter-trace-otlp-grpc'),
};

const limit = (env: Env, ...names: string[]): number | undefined => {
  for (const name of names) {
    const n = Number(env[name]);
    if (env[name]?.trim() && Number.isFinite(n) && n >= 0) return n;
  }
  return undefined;
};

/**
 * Registers a global tracer provider exporting over OTLP (protocol, endpoint, headers, timeout, batch and sampler
 * settings from OTEL_EXPORTER_OTLP_*, OTEL_BSP_*, OTEL_TRACES_SAMPLER*; a protocol it does not know throws), and W3C
 * trace-context propagation. mcplex's own spans (tracer name `mcplex`) are made by its lean tracer
 * (src/middleware/lean-tracer.ts), every other tracer's by the SDK; both go to the same batch processor and exporter.
 * Undefined when off.
 */
export async function startTracing(setup: TracingSetup = {}, env: Env = process.env): Promise<TracingHandle | undefined> {
  if (!tracingWanted(setup, env)) return undefined;
  const protocol = otlpProtocol(env, 'TRACES');
  // Loaded here, and only here: a process with tracing off never pays for the SDK.
  const [sdk, { OTLPTraceExporter }, { W3CTraceContextPropagator }, resources, { AsyncLocalStorageContextManager }, { LeanTracer }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    EXPORTERS[protocol](),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    import('../middleware/lean-tracer.js'),
  ]);
  const resource = serviceResource(resources, setup.serviceName ?? 'mcplex');
  const processor = new sdk.BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [processor] });
  const ours = new LeanTracer({
    processor,
    resource,
    sampler: samplerFromEnv(sdk, env),
    ids: new sdk.RandomIdGenerator(),
    scope: { name: 'mcplex', version: VERSION },
    attributeCountLimit: limit(env, 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit: limit(env, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    eventCountLimit: limit(env, 'OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: limit(env, 'OTEL_SPAN_LINK_COUNT_LIMIT'),
    // The spec's names, then the ones the JavaScript SDK reads.
    attributePerEventCountLimit: limit(env, 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT'),
    attributePerLinkCountLimit: limit(env, 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT'),
  });
  trace.setGlobalTracerProvider({ getTracer: (name, version, options) => (name === 'mcplex' ? ours : provider.getTracer(name, version, options)) });
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // An application that registered a context manager of its own keeps it.
  const contextManager = setup.activeContext !== false && !hasContextManager() && context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    shutdown: async () => {
      await provider.shutdown();
      if (contextManager) context.disable();
    },
  };
}

// Starts the OpenTelemetry SDK (OTLP/HTTP exporter, W3C propagation) when tracing is wanted, configured by the
// standard OTEL_* variables. When it is not, nothing of the SDK is loaded and the API stays a no-op.
import { context, createContextKey, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';

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

type Env = Record<string, string | undefined>;

/** Whether spans should be exported: the config decides, else the environment; OTEL_SDK_DISABLED and `none` win. */
export function tracingWanted(setup: TracingSetup = {}, env: Env = process.env): boolean {
  // OTLP is the one exporter shipped; 'none' (or only exporters we do not ship, e.g. 'console') means off.
  const exporters = env.OTEL_TRACES_EXPORTER?.split(',').map((e) => e.trim());
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true' || (exporters && !exporters.includes('otlp'))) return false;
  if (setup.enabled !== undefined) return setup.enabled;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER);
}

const PROBE = createContextKey('mcplex.contextManagerProbe');

/** Whether a context manager is registered: the API's no-op one does not make a context active inside `with`. */
function hasContextManager(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

/**
 * Registers a global tracer provider exporting over OTLP/HTTP (endpoint, headers, timeout, batch and sampler settings
 * from OTEL_EXPORTER_OTLP_*, OTEL_BSP_*, OTEL_TRACES_SAMPLER*), and W3C trace-context propagation. Undefined when off.
 */
export async function startTracing(setup: TracingSetup = {}, env: Env = process.env): Promise<TracingHandle | undefined> {
  if (!tracingWanted(setup, env)) return undefined;
  // Loaded here, and only here: a process with tracing off never pays for the SDK.
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { W3CTraceContextPropagator }, resources, { AsyncLocalStorageContextManager }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': setup.serviceName ?? 'mcplex' }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // An application that registered a context manager of its own keeps it.
  const ours = setup.activeContext !== false && !hasContextManager() && context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    shutdown: async () => {
      await provider.shutdown();
      if (ours) context.disable();
    },
  };
}

// Starts the OpenTelemetry metrics SDK (an OTLP exporter over the protocol OTEL_EXPORTER_OTLP_PROTOCOL names, read
// every OTEL_METRIC_EXPORT_INTERVAL) when OTLP metrics are wanted, configured by the standard OTEL_* variables. When
// they are not, nothing of the SDK is loaded, the API stays a no-op, and the gateway does not add the middleware that
// records them.
import { metrics } from '@opentelemetry/api';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { type Env, type OtlpProtocol, otlpProtocol, otlpWanted, serviceResource } from './otel-setup.js';

export interface MetricsSetup {
  /** true/false decides; absent: on when OTEL_METRICS_EXPORTER names otlp or an OTLP metrics endpoint is set. */
  enabled?: boolean;
  /** service.name unless OTEL_SERVICE_NAME says otherwise. */
  serviceName?: string;
}

export interface MetricsHandle {
  /** Exports what was recorded since the last export, then stops. Call it before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Whether OTLP metrics are exported: OTEL_SDK_DISABLED and an OTEL_METRICS_EXPORTER without `otlp` (e.g. `none`) turn
 * them off; else the config decides, else the environment (an endpoint for traces alone does not turn them on).
 */
export function metricsWanted(setup: MetricsSetup = {}, env: Env = process.env): boolean {
  return otlpWanted(env, env.OTEL_METRICS_EXPORTER, setup.enabled, Boolean(env.OTEL_METRICS_EXPORTER || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT));
}

/** The metric exporter of each protocol, loaded only when chosen. */
const EXPORTERS: Record<OtlpProtocol, () => Promise<{ OTLPMetricExporter: new () => PushMetricExporter }>> = {
  'http/protobuf': () => import('@opentelemetry/exporter-metrics-otlp-proto'),
  'http/json': () => import('@opentelemetry/exporter-metrics-otlp-http'),
  grpc: () => import('@opentelemetry/exporter-metrics-otlp-grpc'),
};

/** A positive number of ms from the environment, else `fallback`. */
const millis = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return value?.trim() && Number.isFinite(n) && n > 0 ? n : fallback;
};

/**
 * Registers a global meter provider exporting over OTLP (protocol, endpoint, headers, temporality from
 * OTEL_EXPORTER_OTLP_*, a protocol it does not know throwing; every OTEL_METRIC_EXPORT_INTERVAL ms, default 60,000,
 * each export bounded by OTEL_METRIC_EXPORT_TIMEOUT, default 30,000). Undefined when off.
 */
export async function startMetrics(setup: MetricsSetup = {}, env: Env = process.env): Promise<MetricsHandle | undefined> {
  if (!metricsWanted(setup, env)) return undefined;
  const protocol = otlpProtocol(env, 'METRICS');
  // Loaded here, and only here: a process without OTLP metrics never pays for the SDK.
  const [sdk, { OTLPMetricExporter }, resources] = await Promise.all([import('@opentelemetry/sdk-metrics'), EXPORTERS[protocol](), import('@opentelemetry/resources')]);
  const resource = serviceResource(resources, setup.serviceName ?? 'mcplex');
  const interval = millis(env.OTEL_METRIC_EXPORT_INTERVAL, 60_000);
  const reader = new sdk.PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter(),
    exportIntervalMillis: interval,
    exportTimeoutMillis: Math.min(interval, millis(env.OTEL_METRIC_EXPORT_TIMEOUT, 30_000)),
  });
  const provider = new sdk.MeterProvider({ resource, readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  return {
    shutdown: async () => {
      await provider.shutdown();
      metrics.disable();
    },
  };
}

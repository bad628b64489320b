// What the OpenTelemetry SDKs mcplex starts (traces: tracing-sdk.ts, metrics: metrics-sdk.ts) share: whether the
// environment wants a signal exported over OTLP, and the resource that names the service.
import type * as Resources from '@opentelemetry/resources';

export type Env = Record<string, string | undefined>;

/**
 * Whether a signal is exported: OTEL_SDK_DISABLED, and its exporter variable (`exporters`, e.g. OTEL_TRACES_EXPORTER)
 * naming no `otlp` (`none`, or only exporters not shipped), turn it off; else `enabled` decides, else `byDefault`.
 */
export function otlpWanted(env: Env, exporters: string | undefined, enabled: boolean | undefined, byDefault: boolean): boolean {
  const named = exporters?.split(',').map((e) => e.trim());
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true' || (named && !named.includes('otlp'))) return false;
  return enabled ?? byDefault;
}

/** The SDK's default resource, named `serviceName` unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says otherwise. */
export function serviceResource(resources: typeof Resources, serviceName: string): Resources.Resource {
  return resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': serviceName }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
}

/** The OTLP protocols the SDKs mcplex starts export over (OTEL_EXPORTER_OTLP_PROTOCOL's values). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * The protocol a signal is exported over: OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else
 * http/protobuf (the specification's default). Another value throws, naming the variable and the values it takes.
 */
export function otlpProtocol(env: Env, signal: 'TRACES' | 'METRICS'): OtlpProtocol {
  const name = [`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`, 'OTEL_EXPORTER_OTLP_PROTOCOL'].find((n) => env[n]?.trim());
  if (!name) return 'http/protobuf';
  const value = env[name]!.trim().toLowerCase();
  if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
  throw new Error(`${name}=${env[name]} is not an OTLP protocol: set it to http/protobuf (the default, the collector's port 4318), http/json or grpc (port 4317), or unset it`);
}

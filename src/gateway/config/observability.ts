// The `logging:`, `metrics:` and `tracing:` sections of the gateway file: their zod schema (registered in
// schema.ts) and the defaults-filled config the gateway reads (see docs/observability.md).
import { z } from 'zod';
import { unknownKeyMessage } from './hints.js';

export interface LoggingConfig {
  level?: string;
  format: 'auto' | 'json' | 'pretty';
  modules: Record<string, string>;
  /** Level of the one-line-per-request log: debug (default), info, or off. */
  requests: 'debug' | 'info' | 'off';
  /** Tool arguments in the request line (redacted); default false. */
  arguments: boolean;
  redact: string[];
}

export interface MetricsConfig {
  enabled: boolean;
  path: string;
  /** A listener of its own (open to whoever reaches it) instead of an admin route on the gateway's listener. */
  listen?: { host: string; port: number };
  principalLabel: boolean;
  maxTargets: number;
  /**
   * The MCP semantic conventions' `mcp.server.operation.duration` exported over OTLP (configured by OTEL_* variables):
   * true/false decides; absent: on when OTEL_METRICS_EXPORTER names otlp or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is set.
   */
  otlp?: boolean;
}

export interface TracingConfig {
  /** Absent: on when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_TRACES_EXPORTER) is set. */
  enabled?: boolean;
  serviceName: string;
}

export interface ObservabilityConfig {
  logging?: LoggingConfig;
  metrics?: MetricsConfig;
  tracing?: TracingConfig;
}

const strict = <S extends z.core.$ZodLooseShape>(shape: S, expected: string) =>
  z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(shape))).join('\n') : expected),
  });
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const level = z.enum(LEVELS, { error: `expected a log level: ${LEVELS.join(', ')}` });
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'expected true or false' }));
const toInt = (v: unknown) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v);
const port = z.preprocess(toInt, z.number({ error: 'expected an integer 0-65535' }).int({ error: 'expected an integer 0-65535' }).min(0).max(65535, { error: 'expected an integer 0-65535' }));

export const observabilityShape = {
  logging: strict(
    {
      level: level.optional(),
      format: z.enum(['auto', 'json', 'pretty'], { error: 'expected auto, json or pretty' }).optional(),
      modules: z.record(z.string(), level, { error: 'expected a mapping of module name (requests, upstream, …) to log level' }).optional(),
      requests: z.enum(['debug', 'info', 'off'], { error: 'expected debug, info or off (the level of the per-request line)' }).optional(),
      arguments: bool.optional(),
      redact: z
        .array(z.string().regex(/^[\w-]+(\.([\w-]+|\*))*$/, { error: 'expected a dot path such as args.password or args.*.ssn' }), { error: 'expected a list of paths' })
        .optional(),
    },
    'expected a mapping with level, format, modules, requests, arguments and/or redact',
  ).optional(),
  metrics: strict(
    {
      enabled: bool.optional(),
      path: z.string({ error: "must start with '/' (e.g. /metrics)" }).startsWith('/', { error: "must start with '/' (e.g. /metrics)" }).optional(),
      listen: strict(
        { host: z.string({ error: 'expected a host name or IP address' }).min(1).optional(), port },
        'expected a mapping with host and port (e.g. { host: 10.0.0.5, port: 9464 })',
      ).optional(),
      principalLabel: bool.optional(),
      maxTargets: z.preprocess(toInt, z.number({ error: 'expected a positive integer' }).int().min(1, { error: 'expected a positive integer' })).optional(),
      otlp: bool.optional(),
    },
    'expected a mapping with enabled, path, listen, principalLabel, maxTargets and/or otlp',
  ).optional(),
  tracing: strict(
    { enabled: bool.optional(), serviceName: z.string({ error: 'expected a service name' }).min(1, { error: 'expected a service name' }).optional() },
    'expected a mapping with enabled and/or serviceName (the exporter is configured by OTEL_* variables)',
  ).optional(),
};

type Raw = { [K in keyof typeof observabilityShape]?: z.infer<(typeof observabilityShape)[K]> };

const logging = (l: NonNullable<Raw['logging']>): LoggingConfig => ({
  ...(l.level !== undefined && { level: l.level }),
  format: l.format ?? 'auto',
  modules: { ...l.modules },
  requests: l.requests ?? 'debug',
  arguments: l.arguments ?? false,
  redact: l.redact ?? [],
});
const metrics = (m: NonNullable<Raw['metrics']>): MetricsConfig => ({
  enabled: m.enabled ?? true,
  path: m.path ?? '/metrics',
  ...(m.listen && { listen: { host: m.listen.host ?? '127.0.0.1', port: m.listen.port } }),
  principalLabel: m.principalLabel ?? false,
  maxTargets: m.maxTargets ?? 200,
  ...(m.otlp !== undefined && { otlp: m.otlp }),
});
const tracing = (t: NonNullable<Raw['tracing']>): TracingConfig => ({ ...(t.enabled !== undefined && { enabled: t.enabled }), serviceName: t.serviceName ?? 'mcplex-gateway' });

/** The sections the file gives, defaults filled in; absent sections stay absent (observability() fills them). */
export function buildObservability(raw: Raw): ObservabilityConfig {
  return { ...(raw.logging && { logging: logging(raw.logging) }), ...(raw.metrics && { metrics: metrics(raw.metrics) }), ...(raw.tracing && { tracing: tracing(raw.tracing) }) };
}

/** All three sections, defaults for the absent ones: metrics on, request lines at debug, tracing as the environment says. */
export function observability(c: ObservabilityConfig): Required<ObservabilityConfig> {
  return { logging: c.logging ?? logging({}), metrics: c.metrics ?? metrics({}), tracing: c.tracing ?? tracing({}) };
}

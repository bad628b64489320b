// mcplex: the package entry point (framework, pipeline and gateway).
export * from './core/index.js';
export * from './server/index.js';
// Middleware (authentication first; the others add themselves to src/middleware/index.ts).
export * from './middleware/index.js';
// The gateway as a library: build one from a config (file, text or object), `use()` middleware on it, serve it.
export { Gateway, type GatewayOptions } from './gateway/gateway.js';
export {
  ConfigInvalidError,
  formatConfigError,
  type GatewayConfig,
  type HttpServerConfig,
  loadConfig,
  parseConfig,
  type ServerConfig,
  type StdioServerConfig,
} from './gateway/config/index.js';
// Observability middleware (the SDK-backed pieces load only when tracing is started: startTracing).
export { type BreakerState, Metrics, type MetricsOptions, metrics, type UpstreamStatus } from './middleware/metrics.js';
export { type RequestLogOptions, requestLog } from './middleware/request-log.js';
export { stageSpan, TRACE_CONTEXT, type TracingOptions, tracing } from './middleware/tracing.js';

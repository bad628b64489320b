// mcplex: the package entry point (framework, pipeline and gateway).
export * from './core/index.js';
export * from './server/index.js';
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
// Resilience middleware (docs/resilience.md).
export {
  type CallTarget,
  circuitBreaker,
  type DegradationPolicy,
  degradation,
  fallback,
  retry,
  type TargetResolver,
  timeout,
} from './middleware/index.js';

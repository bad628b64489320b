// The gateway configuration loader: `mcplex.yaml` / `.json` in, a validated GatewayConfig (or every problem) out.
// Other modules import from here only.
export { ConfigInvalidError, formatConfigError } from './errors.js';
export { formatOf, loadConfig, type ParseConfigOptions, parseConfig } from './load.js';
export type { PolicyConfig } from './policy.js';
export { DEFAULTS, type CommonServerConfig, type GatewayConfig, type HttpServerConfig, type ServerConfig, type StdioServerConfig, type ToolFilter } from './types.js';
export { type LoggingConfig, type MetricsConfig, type ObservabilityConfig, observability, type TracingConfig } from './observability.js';
export type { ResilienceConfig, ServerResilience } from './resilience.js';
export type { CacheConfig } from './cache.js';
export type { ClusterConfig } from './cluster.js';
export type { PinningConfig } from './pinning.js';
export type { ArgumentRule, ToolOverride } from './tool-overrides.js';
export type { ToolSearchConfig } from './tool-search.js';
export type { EndpointConfig } from './endpoints.js';
export type { SecretScanConfig } from './secret-scan.js';
export type { HiddenTextConfig } from './hidden-text.js';
export { type WrittenSecret, writtenSecrets, writtenSecretsIn, writtenSecretsWarning } from './written-secrets.js';
export type { BuiltinServerConfig, BuiltinKind } from './builtin.js';

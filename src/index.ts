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
// The audit log: middleware, stores and spill file (docs/audit.md).
export { type AuditMiddleware, type AuditOptions, audit } from './middleware/audit.js';
export { FileAuditSpill } from './stores/file/audit-spill.js';
export { PostgresAuditSink, type PostgresAuditSinkOptions } from './stores/postgres/audit-sink.js';
export { SqliteAuditSink, type SqliteAuditSinkOptions } from './stores/sqlite/audit-sink.js';

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
// The reference servers (docs/reference-servers.md), for embedding in your own process.
export { createFilesystemServer, type FilesystemOptions } from './servers/filesystem/index.js';
export { createOpenApiServer, type OpenApiOptions } from './servers/openapi/index.js';
export { createSqlServer, type SqlOptions } from './servers/sql/index.js';
export { disposeServer } from './servers/lifecycle.js';

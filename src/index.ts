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
// Middleware and the state stores behind them, for framework servers (`server.use(cache({ store }))`).
export * from './middleware/index.js';
export { DegradingCacheStore, type MonitoredCacheStore } from './stores/degrading-cache-store.js';
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './stores/memory/memory-cache-store.js';
export { RedisCacheStore, type RedisCacheStoreOptions } from './stores/redis/redis-cache-store.js';

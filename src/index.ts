// mcplex: the package entry point (framework, pipeline and gateway).
export * from './core/index.js';
export * from './server/index.js';
// Middleware: authentication, policy, observability and the rest (src/middleware/index.ts).
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
// The stores behind the policy's counters (access control, scopes, tenant quotas, rate limits) and the stores behind its counters.
export { MemoryRateLimitStore, memoryRateLimitStore } from './stores/memory/rate-limit.js';
export { RedisRateLimitStore, redisRateLimitStore } from './stores/redis/rate-limit.js';
// Middleware and the state stores behind them, for framework servers (`server.use(cache({ store }))`).
export { DegradingCacheStore, type MonitoredCacheStore } from './stores/degrading-cache-store.js';
export { DegradingRateLimitStore, type DegradingRateLimitOptions, type MonitoredRateLimitStore } from './stores/degrading-rate-limit-store.js';
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './stores/memory/memory-cache-store.js';
export { RedisCacheStore, type RedisCacheStoreOptions } from './stores/redis/redis-cache-store.js';
// Replicas sharing 2025-era sessions (docs/cluster.md): `serveHttp({ cluster: { owners } })`.
export { MemorySessionOwners } from './stores/memory/session-owners.js';
export { RedisSessionOwners, type RedisSessionOwnersOptions } from './stores/redis/session-owners.js';
export { MemorySettledTasks } from './stores/memory/settled-tasks.js';
export { RedisSettledTasks, type RedisSettledTasksOptions } from './stores/redis/settled-tasks.js';
export { MemoryBroadcast } from './stores/memory/broadcast.js';
export { RedisBroadcast, type RedisBroadcastOptions } from './stores/redis/broadcast.js';
export { MemorySecretStore } from './stores/memory/secret-store.js';
export { MemoryReplayGuard } from './stores/memory/replay-guard.js';
export { RedisReplayGuard } from './stores/redis/replay-guard.js';
export { FileSecretStore } from './stores/file/secret-file.js';
export { RedisSecretStore, type RedisSecretStoreOptions } from './stores/redis/secret-store.js';
// The audit log: middleware, stores and spill file (docs/audit.md).
export { type AuditMiddleware, type AuditOptions, audit } from './middleware/audit.js';
export { FileAuditSpill } from './stores/file/audit-spill.js';
export { PostgresAuditSink, type PostgresAuditSinkOptions } from './stores/postgres/audit-sink.js';
export { SqliteAuditSink, type SqliteAuditSinkOptions } from './stores/sqlite/audit-sink.js';
// The reference servers (docs/reference-servers.md), for embedding in your own process.
export { createFilesystemServer, type FilesystemOptions } from './servers/filesystem/index.js';
export { createOpenApiServer, type OpenApiOptions } from './servers/openapi/index.js';
export { createSqlServer, type SqlOptions } from './servers/sql/index.js';
export { disposeServer } from './servers/lifecycle.js';

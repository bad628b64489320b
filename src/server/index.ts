// Public surface of the server framework.
export { createServer, McplexServer, type CreateServerOptions } from './create-server.js';
export type { ListenHook, ListenLease } from './admission.js';
export { INVOCATION, type Invocation, subscribeConnection } from './methods.js';
export { listPage, paginate } from './pagination.js';
export { type HostOptions, ServingHost, type StdioHandle } from './serving-host.js';
export type * from './definitions.js';
export type { HttpHandle } from './http/serve-http.js';
export { hasAdminScope, type HttpRoute, type HttpServeOptions, isLocalCaller } from './http/options.js';
export type { TlsOptions } from './http/tls.js';
export { type MetricsListener, metricsRoute, serveMetrics } from './http/metrics-route.js';
export { startTracing, type TracingHandle, type TracingSetup, tracingWanted } from './tracing-sdk.js';
export { sendJson } from './http/respond.js';
export { readJsonBody } from './http/body.js';
export { connectInMemory, type InMemoryOptions } from './in-memory.js';
export { type Ask, type Asks, ask, type InputAnswers } from './input-requests.js';
export { createLogger, setLogLevels } from './logger.js';
export type { Registration } from './registry.js';
export type { JsonSchemaObject, SchemaInput } from './schema.js';

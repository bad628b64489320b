// The gateway configuration loader: `mcplex.yaml` / `.json` in, a validated GatewayConfig (or every problem) out.
// Other modules import from here only.
export { ConfigInvalidError, formatConfigError } from './errors.js';
export { formatOf, loadConfig, type ParseConfigOptions, parseConfig } from './load.js';
export { DEFAULTS, type CommonServerConfig, type GatewayConfig, type HttpServerConfig, type ServerConfig, type StdioServerConfig, type ToolFilter } from './types.js';
export type { BuiltinServerConfig, BuiltinKind } from './builtin.js';

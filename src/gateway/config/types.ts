// The validated, defaults-filled gateway configuration that the rest of the gateway consumes.
// Nothing here is optional unless absence means something (cwd, tools.include/exclude).

export interface GatewayConfig {
  listen: { host: string; port: number; path: string };
  /** Joins a server's namespace and a tool name: `github__create_issue`. */
  separator: string;
  /** Keyed by server name, in the order the file gives them. */
  servers: Record<string, ServerConfig>;
}

export interface ToolFilter {
  /** Glob patterns over the upstream's original tool names; absent means "all". */
  include?: string[];
  exclude?: string[];
  /** Original name -> new (un-namespaced) name. */
  rename: Record<string, string>;
}

export interface CommonServerConfig {
  /** The map key. */
  name: string;
  /** Prefix for this server's tools; false mounts them at the root with no prefix. */
  namespace: string | false;
  enabled: boolean;
  /** Per-request timeout toward this server. */
  timeoutMs: number;
  connectTimeoutMs: number;
  tools: ToolFilter;
}

export interface StdioServerConfig extends CommonServerConfig {
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

export interface HttpServerConfig extends CommonServerConfig {
  transport: 'http' | 'sse';
  url: string;
  headers: Record<string, string>;
}

export type ServerConfig = StdioServerConfig | HttpServerConfig;

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 7333,
  path: '/mcp',
  separator: '__',
  timeoutMs: 60_000,
  connectTimeoutMs: 15_000,
} as const;

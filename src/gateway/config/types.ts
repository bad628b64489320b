// The validated, defaults-filled gateway configuration that the rest of the gateway consumes.
// Nothing here is optional unless absence means something (cwd, tools.include/exclude).
import type { HttpUpstreamSpec, StdioUpstreamSpec } from '../../client/upstream-spec.js';

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

/** A stdio server: how to reach it is exactly the client layer's spec (command, args, env, cwd). */
export type StdioServerConfig = CommonServerConfig & StdioUpstreamSpec;

/** A Streamable HTTP or legacy SSE server (url, headers). */
export type HttpServerConfig = CommonServerConfig & HttpUpstreamSpec;

export type ServerConfig = StdioServerConfig | HttpServerConfig;

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 7333,
  path: '/mcp',
  separator: '__',
  timeoutMs: 60_000,
  connectTimeoutMs: 15_000,
} as const;

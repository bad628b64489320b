// How to reach one upstream MCP server. The gateway's config maps onto this; the client layer knows no YAML.

interface CommonSpec {
  name: string;
  /** Per-request timeout toward this server. */
  timeoutMs: number;
  connectTimeoutMs: number;
}
export interface StdioUpstreamSpec extends CommonSpec {
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}
export interface HttpUpstreamSpec extends CommonSpec {
  transport: 'http' | 'sse';
  url: string;
  headers: Record<string, string>;
}
export type UpstreamSpec = StdioUpstreamSpec | HttpUpstreamSpec;

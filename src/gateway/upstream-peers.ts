// How the gateway reaches each upstream, as the OpenTelemetry conventions name a client's connection: a stdio
// server over a `pipe`; a Streamable HTTP or SSE server over `tcp`/`http` at its URL's host and port; a built-in one
// in this process (no connection to name); and the protocol revision negotiated with it (`mcp.protocol.version`),
// as its current connection has it. Read from the running config (a reload may move a server).
import type { Attributes } from '@opentelemetry/api';
import type { GatewayConfig, ServerConfig } from './config/index.js';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** The connection attributes of one server as configured. */
export function peerAttributes(server: ServerConfig): Attributes | undefined {
  if (server.transport === 'stdio') return { 'network.transport': 'pipe' };
  if (server.transport !== 'http' && server.transport !== 'sse') return undefined;
  const url = new URL(server.url);
  return { 'network.transport': 'tcp', 'network.protocol.name': 'http', 'server.address': url.hostname.replace(/^\[|\]$/g, ''), 'server.port': Number(url.port) || DEFAULT_PORTS[url.protocol]! };
}

/**
 * Each upstream's connection attributes by name (made once per server, config and negotiated version), following
 * reloads; `versionOf`: the protocol revision an upstream's current connection negotiated.
 */
export function upstreamPeers(
  config: GatewayConfig,
  onReload?: (apply: (next: GatewayConfig) => void) => void,
  versionOf: (upstream: string) => string | undefined = () => undefined,
): (upstream: string) => Attributes | undefined {
  let servers = config.servers;
  const made = new Map<string, { version: string | undefined; peer: Attributes | undefined }>();
  onReload?.((next) => {
    servers = next.servers;
    made.clear();
  });
  return (upstream) => {
    const version = versionOf(upstream);
    const known = made.get(upstream);
    if (known && known.version === version) return known.peer;
    const server = servers[upstream];
    const connection = server && peerAttributes(server);
    const peer = connection && version ? { ...connection, 'mcp.protocol.version': version } : connection;
    made.set(upstream, { version, peer });
    return peer;
  };
}

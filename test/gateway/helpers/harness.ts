// Gateway test harness: config builders for the real peers, a gateway served on an ephemeral 127.0.0.1 port,
// SDK clients of either era, and a close() that proves every upstream child process is gone.
import { Client, type ClientOptions, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { fileURLToPath } from 'node:url';
import type { GatewayConfig, HttpServerConfig, ServerConfig, StdioServerConfig } from '../../../src/gateway/config/index.js';
import { Gateway, type GatewayOptions } from '../../../src/gateway/gateway.js';
import { silentLogger } from '../../../src/index.js';
import { isAlive, ROOT, stretched, tsxArgs, waitGone } from '../../helpers/process.js';

export const EVERYTHING = `${ROOT}node_modules/@modelcontextprotocol/server-everything/dist/index.js`;
export const MEMORY = `${ROOT}node_modules/@modelcontextprotocol/server-memory/dist/index.js`;
export const LOOPBACK = fileURLToPath(new URL('./loopback.mjs', import.meta.url));
export const RELAY_UPSTREAM = fileURLToPath(new URL('./relay-upstream.ts', import.meta.url));
export const VENDOR_UPSTREAM = fileURLToPath(new URL('./vendor-upstream.mjs', import.meta.url));
export const FIXTURE_SERVER = `${ROOT}test/conformance/fixture-server.ts`;

type Extra = Partial<Omit<StdioServerConfig, 'transport' | 'name' | 'command' | 'args'>>;

export function stdio(name: string, command: string, args: string[], extra: Extra = {}): StdioServerConfig {
  return {
    name,
    namespace: name,
    enabled: true,
    timeoutMs: 30_000,
    connectTimeoutMs: 20_000,
    tools: { rename: {} },
    transport: 'stdio',
    command,
    args,
    env: { MCPLEX_LOG_LEVEL: 'warn' },
    cwd: ROOT,
    ...extra,
  };
}

export function http(name: string, url: string, extra: Partial<HttpServerConfig> = {}): HttpServerConfig {
  const { env: _e, cwd: _c, ...common } = stdio(name, '', []);
  return { ...common, transport: 'http', url, headers: {}, ...extra };
}

export const everything = (name = 'ev', extra: Extra = {}) => stdio(name, process.execPath, [EVERYTHING, 'stdio'], extra);
export const memory = (file: string, name = 'mem', extra: Extra = {}) =>
  stdio(name, process.execPath, [MEMORY], { ...extra, env: { MEMORY_FILE_PATH: file } });
export const relayUpstream = (name = 'fw', extra: Extra = {}) => stdio(name, process.execPath, tsxArgs(RELAY_UPSTREAM), extra);
export const vendorUpstream = (name = 'v1', extra: Extra = {}) => stdio(name, process.execPath, [VENDOR_UPSTREAM], extra);

export type EraName = 'legacy' | 'modern';

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly url: string;
  /** PIDs of the stdio upstreams once started. */
  readonly pids: number[];
  /** An official SDK client of the given era connected to the gateway; closed by close(). */
  connect(era: EraName, how?: ConnectOptions): Promise<Client>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  options?: ClientOptions;
  /** Another MCP path of the gateway (a named endpoint); default its main one. */
  path?: string;
  /** Sent with every request (credentials). */
  headers?: Record<string, string>;
  /** Runs before connect (register request and notification handlers here). */
  setup?: (c: Client) => void;
  /** Receives every JSON-RPC message the client gets from the gateway, as sent on the wire. */
  wire?: WireMessage[];
}

/** A JSON-RPC message as a `wire` recorder keeps it. */
export type WireMessage = Record<string, unknown> & { method?: string; params?: Record<string, unknown>; result?: Record<string, unknown> };

/** The URIs of the resources/updated notifications on a recorded wire, in arrival order. */
export const resourceUpdates = (wire: WireMessage[]) => wire.filter((m) => m.method === 'notifications/resources/updated').map((m) => m.params?.uri);

/** A gateway of these servers (or this whole config) served on 127.0.0.1; close() proves its children are gone. */
export async function startGateway(servers: ServerConfig[] | GatewayConfig, opts: GatewayOptions = {}): Promise<RunningGateway> {
  const config = Array.isArray(servers)
    ? { listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: Object.fromEntries(servers.map((s) => [s.name, s])) }
    : servers;
  const gateway = new Gateway(config, { logger: silentLogger, restart: { initialDelayMs: 50, maxDelayMs: 500 }, ...opts });
  const clients: Client[] = [];
  let handle: Awaited<ReturnType<Gateway['serveHttp']>> | undefined;
  try {
    await gateway.start();
    handle = await gateway.serveHttp({ port: 0 });
  } catch (err) {
    await gateway.close();
    throw err;
  }
  const pids = gateway
    .health()
    .upstreams.map((u) => ('pid' in u ? u.pid : undefined))
    .filter((p): p is number => typeof p === 'number');
  return {
    gateway,
    url: handle.url,
    pids,
    async connect(era, how = {}) {
      const client = new Client(
        { name: `test-${era}`, version: '1.0.0' },
        { ...how.options, ...(era === 'modern' && { versionNegotiation: { mode: { pin: '2026-07-28' } } }) },
      );
      how.setup?.(client);
      const url = new URL(how.path ?? handle!.url, handle!.url);
      const transport = new StreamableHTTPClientTransport(url, { ...(how.headers && { requestInit: { headers: how.headers } }) });
      await client.connect(transport);
      const wire = how.wire;
      const deliver = transport.onmessage;
      if (wire && deliver) {
        transport.onmessage = (message) => {
          wire.push(JSON.parse(JSON.stringify(message)) as WireMessage);
          deliver.call(transport, message);
        };
      }
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await handle?.close();
      await gateway.close();
      await waitGone(pids, 10_000).catch(() => {
        throw new Error(`upstream processes still running after gateway.close(): ${pids.filter(isAlive).join(', ')}`);
      });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const bound = stretched(timeoutMs);
  const deadline = Date.now() + bound;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${bound} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** The text of the first content block of a tool result. */
export function text(result: unknown): string {
  const first = ((result as { content?: Array<{ type: string; text?: string }> }).content ?? [])[0];
  return first?.type === 'text' ? (first.text ?? '') : `<${first?.type ?? 'no content'}>`;
}

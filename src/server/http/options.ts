// Options for serving a server over Streamable HTTP, with safe defaults.

export interface HttpServeOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (an ephemeral port, see `handle.url`). */
  port?: number;
  /** Endpoint path; default '/mcp'. */
  path?: string;
  /** Host header names accepted (DNS-rebinding protection). Default: localhost names on a loopback bind, any otherwise. */
  allowedHosts?: string[];
  /** Origin hostnames accepted from browsers. Default: localhost names; '*' accepts any. */
  allowedOrigins?: string[];
  /** Largest request body accepted, in bytes; default 4 MiB. */
  maxBodyBytes?: number;
  /** Deepest JSON nesting accepted; default 64. */
  maxJsonDepth?: number;
  /** A 2025-era session idle this long is closed; default 30 minutes. */
  sessionIdleTtlMs?: number;
  /** Most concurrent 2025-era sessions; default 10 000. */
  maxSessions?: number;
  /** On close(), how long in-flight requests may take to finish; default 10 s. */
  shutdownGraceMs?: number;
  /** Extra fields for GET /readyz (e.g. upstream status); `ready: false` answers 503. */
  readiness?: () => { ready?: boolean; [key: string]: unknown };
}

export type ResolvedHttpOptions = Required<Omit<HttpServeOptions, 'allowedHosts' | 'readiness'>> & Pick<HttpServeOptions, 'allowedHosts' | 'readiness'>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');

export function resolveHttpOptions(o: HttpServeOptions): ResolvedHttpOptions {
  const host = o.host ?? '127.0.0.1';
  const allowedHosts = o.allowedHosts ?? (isLoopback(host) ? ['localhost', '127.0.0.1', '[::1]', host] : undefined);
  return {
    host,
    port: o.port ?? 0,
    path: o.path ?? '/mcp',
    ...(allowedHosts && { allowedHosts }),
    ...(o.readiness && { readiness: o.readiness }),
    allowedOrigins: o.allowedOrigins ?? ['localhost', '127.0.0.1', '[::1]'],
    maxBodyBytes: o.maxBodyBytes ?? 4 * 1024 * 1024,
    maxJsonDepth: o.maxJsonDepth ?? 64,
    sessionIdleTtlMs: o.sessionIdleTtlMs ?? 30 * 60_000,
    maxSessions: o.maxSessions ?? 10_000,
    shutdownGraceMs: o.shutdownGraceMs ?? 10_000,
  };
}

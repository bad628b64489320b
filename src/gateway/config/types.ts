// The validated, defaults-filled gateway configuration that the rest of the gateway consumes.
// Nothing here is optional unless absence means something (cwd, tools.include/exclude).
import type { ServerTasks, TasksConfig } from './tasks.js';
import type { ToolOverride } from './tool-overrides.js';
import type { HttpUpstreamSpec, StdioUpstreamSpec } from '../../client/upstream-spec.js';
import type { ProxyHeaders } from '../../server/http/forwarded.js';
import type { HiddenTextConfig } from './hidden-text.js';
import type { UpstreamAuthConfig } from './upstream-auth.js';
import type { ObservabilityConfig } from './observability.js';
import type { AuthConfig, TlsConfig } from './auth.js';
import type { PolicyConfig } from './policy.js';
import type { ResilienceConfig, ServerResilience } from './resilience.js';
import type { CacheConfig } from './cache.js';
import type { ClusterConfig } from './cluster.js';
import type { PinningConfig } from './pinning.js';
import type { OAuthConfig } from './oauth.js';
import type { EndpointConfig } from './endpoints.js';
import type { SecretScanConfig } from './secret-scan.js';
import type { ToolSearchConfig } from './tool-search.js';
import type { AuditConfig } from './audit.js';
import type { CorsOptions } from '../../server/index.js';
import type { BuiltinServerConfig } from './builtin.js';

/** `logging`, `metrics`, `tracing`: absent means their defaults (see observability.ts). */
export interface GatewayConfig extends ObservabilityConfig {
  listen: ListenConfig;
  /** Joins a server's namespace and a tool name: `github__create_issue`. */
  separator: string;
  /** Keyed by server name, in the order the file gives them. */
  servers: Record<string, ServerConfig>;
  /** What the gateway answers an upstream's roots/list when no caller's call can answer it (empty by default). */
  roots?: { uri: string; name?: string }[];
  /** Callers are authenticated (set by the auth section): stateful 2025-era HTTP upstreams then default to per-principal isolation. */
  authenticated?: boolean;
  /** Who may call (see auth.ts); absent: everyone is anonymous (loopback only, unless --insecure). */
  auth?: AuthConfig;
  /** Access control, required scopes, tenant quotas and rate limits (see docs/policy.md); absent: none. */
  policy?: PolicyConfig;
  /** Timeouts, retries, breakers, health checks, degradation (docs/resilience.md); absent: the defaults. */
  resilience?: ResilienceConfig;
  /** The result cache and in-flight dedup (config/cache.ts); absent: off. */
  cache?: CacheConfig;
  /** Replicas sharing 2025-era sessions through Redis (config/cluster.ts); absent: this gateway alone. */
  cluster?: ClusterConfig;
  /** The audit log (absent: no audit). */
  audit?: AuditConfig;
  /** Tool definitions pinned on first sight, changes held for approval (config/pinning.ts); absent: off. */
  pinning?: PinningConfig;
  /** tools/list shows the gateway's search and call tools instead of every tool (config/tool-search.ts); absent: off. */
  toolSearch?: ToolSearchConfig;
  /** More MCP paths, each showing a subset of the catalog (config/endpoints.ts); absent: the MCP path alone. */
  endpoints?: Record<string, EndpointConfig>;
  /** Secrets in tool arguments and results (config/secret-scan.ts); absent: off. */
  secretScan?: SecretScanConfig;
  /** Hidden text in answers (config/hidden-text.ts); absent: Unicode tag characters taken out. */
  hiddenText?: HiddenTextConfig;
  /** How long and how many tasks the gateway keeps (config/tasks.ts); absent: the defaults (1 hour, 1,000, 100 a caller). */
  tasks?: TasksConfig;
  /** Where upstream OAuth grants are kept (config/oauth.ts); present when a server has auth.oauth. */
  oauth?: OAuthConfig;
}

/** Where the gateway serves, and the HTTP edge's limits (absent: the server's defaults, see HttpServeOptions). */
export interface ListenConfig {
  host: string;
  port: number;
  path: string;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  /** Browser pages at these origins may call across origins (preflights answered, answers readable). */
  cors?: CorsOptions;
  /** Also serve the legacy HTTP+SSE transport (2024-11-05) beside each MCP path (`/sse`, `/messages`); default true. */
  legacySse?: boolean;
  maxBodyBytes?: number;
  maxBufferedBytes?: number;
  maxSessions?: number;
  maxSessionsPerClient?: number;
  /** Proxies in front whose X-Forwarded-For names the client (addresses, CIDR ranges, loopback/linklocal/uniquelocal). */
  trustedProxies?: string[];
  /** The headers those proxies write: x-forwarded (default) or forwarded (RFC 7239). */
  proxyHeaders?: ProxyHeaders;
  sessionIdleTtlMs?: number;
  maxInflightPerSession?: number;
  maxBatchSize?: number;
  maxConnections?: number;
  maxListenStreams?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** SSE keep-alive comments, and when a silent 2025-era answer becomes a resumable stream; default 15 s. */
  streamKeepAliveMs?: number;
  /** On shutdown, how long /readyz answers 503 while requests are still served, before the listener closes; default 0. */
  drainMs?: number;
  readinessDetail?: 'local' | 'full' | 'minimal';
  /** Serve HTTPS (mTLS with `ca`). */
  tls?: TlsConfig;
}

export interface ToolFilter {
  /** Glob patterns over the upstream's original tool names; absent means "all". */
  include?: string[];
  exclude?: string[];
  /** Original name -> new (un-namespaced) name. */
  rename: Record<string, string>;
  /** Original name -> what the gateway shows and sets instead (tool-overrides.ts). */
  override?: Record<string, ToolOverride>;
  /** false: this server's tool definitions are not pinned (with a `pinning:` section, every other server's are). */
  pin?: false;
  /** Invisible characters in its tools' and prompts' definitions: taken out of descriptions (absent: strip), withheld, or allowed. */
  hiddenText?: 'strip' | 'withhold' | 'allow';
}

export interface CommonServerConfig extends UpstreamAuthConfig, ServerResilience {
  /** The map key. */
  name: string;
  /** Prefix for this server's tools; false mounts them at the root with no prefix. */
  namespace: string | false;
  enabled: boolean;
  /** Per-request timeout toward this server. */
  timeoutMs: number;
  connectTimeoutMs: number;
  tools: ToolFilter;
  /** Which of its tools the gateway runs as tasks for 2026-era callers that declare the extension (config/tasks.ts). */
  tasks?: ServerTasks;
}

/** A stdio server: how to reach it is exactly the client layer's spec (command, args, env, cwd). */
export type StdioServerConfig = CommonServerConfig &
  StdioUpstreamSpec & {
    /** A file of `NAME=value` lines read into `env` when the config is read (`env` wins); absolute once read. */
    envFile?: string;
    /**
     * Files whose change restarts the server (paths or glob patterns; `!` before one leaves those out), relative to
     * the directory it runs in: a development loop behind the gateway (upstream-watch.ts).
     */
    watch?: string[];
  };

/** A Streamable HTTP or legacy SSE server (url, headers). */
export type HttpServerConfig = CommonServerConfig & HttpUpstreamSpec;

/** A reference server run in-process (`builtin: filesystem|sql|openapi`), see builtin.ts. */
export type ServerConfig = StdioServerConfig | HttpServerConfig | BuiltinServerConfig;

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 7333,
  path: '/mcp',
  separator: '__',
  timeoutMs: 60_000,
  connectTimeoutMs: 15_000,
} as const;

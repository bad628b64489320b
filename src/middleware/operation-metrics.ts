// OpenTelemetry metrics as the MCP semantic conventions name them, for deployments that collect OTLP rather than
// scrape Prometheus: `mcp.server.operation.duration` (a histogram, seconds) per request, through a gateway
// `mcp.client.operation.duration` per call to an upstream, and `mcp.server.session.duration` per 2025-era session
// that ends (served by a ServingHost that runs this middleware), with `mcp.method.name`,
// `gen_ai.tool.name` / `gen_ai.prompt.name` (bounded: unknown or excess names are `other`), `gen_ai.operation.name`
// (`execute_tool`), `error.type` and `rpc.response.status_code` when it failed, `mcp.protocol.version` (a few; later
// new ones `other`), `network.transport` (`tcp` for HTTP, `pipe` for stdio) and, through a gateway,
// `mcplex.upstream`; an upstream call's connection attributes and protocol version are the upstream's (`peerOf`),
// not the caller's.
// Recorded on the global meter provider (a no-op until an SDK is registered: `startMetrics`, src/server/metrics-sdk.ts).
import { type Attributes, type Histogram, type Meter, metrics } from '@opentelemetry/api';
import { type CallContext, type Middleware, OUTBOUND_TRACE, UPSTREAM_NAME, VERSION } from '../core/index.js';
import { methodLabel, targetLabels } from './metrics.js';
import { type Ending, endedBy, endedWith, observed } from './outcome.js';

/** The semantic conventions' advice for MCP durations (seconds). */
const BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export interface OperationMetricsOptions {
  /** Default: the global meter provider's `mcplex` meter. */
  meter?: Meter;
  /** Most distinct tool and prompt names recorded; later new ones are `other`. Default 200. */
  maxTargets?: number;
  /** Whether a target names something that exists (unknown names become `other`); default: it did not fail as unknown. */
  knownTarget?: (method: string, target: string) => boolean;
  /**
   * How the gateway reaches an upstream, as the conventions name it on a client's operation (`network.transport`,
   * `network.protocol.name`, `server.address`, `server.port`); default: none recorded.
   */
  peerOf?: (upstream: string) => Attributes | undefined;
}

/**
 * The histograms requests are recorded in: as received (server), as sent on to an upstream (client); and the one
 * 2025-era sessions are recorded in when they end.
 */
export function operationDurations(meter: Meter = metrics.getMeter('mcplex', VERSION)): { server: Histogram; client: Histogram; sessions: Histogram } {
  const histogram = (name: string, description: string) => meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: BUCKETS } });
  return {
    server: histogram('mcp.server.operation.duration', 'MCP request or notification duration as observed on the receiver from the time it was received until the result or ack is sent'),
    client: histogram('mcp.client.operation.duration', 'The duration of the MCP request or notification as observed on the sender from the time it was sent until the response or ack is received'),
    sessions: histogram('mcp.server.session.duration', 'The duration of the MCP session as observed on the MCP server'),
  };
}

/** The middleware, and how a listener tells it of a 2025-era session that ended (ServingHost passes it on). */
export type OperationMetricsMiddleware = Middleware & { sessionEnded(ended: { ms: number; version?: string }): void };

/** Protocol versions recorded as they are; later new ones (none a server accepts) are `other`. */
const MAX_VERSIONS = 8;

/** A protocol version as recorded: the first few as they are, later new ones `other`. */
function versionLabels(): (version: string | null | undefined) => string | undefined {
  const seen = new Set<string>();
  return (version) => {
    if (!version) return undefined;
    if (!seen.has(version) && seen.size < MAX_VERSIONS) seen.add(version);
    return seen.has(version) ? version : 'other';
  };
}

/**
 * The request's attributes as the conventions name them (`target`: its bounded name); for the call to `upstream`,
 * the same but for the connection: the upstream's (`peer`), not the caller's.
 */
function attributesFor(versionOf: ReturnType<typeof versionLabels>): (ctx: CallContext, target: string, ending: Ending, upstream?: { name: string; peer?: Attributes }) => Attributes {
  return (ctx, target, ending, toUpstream) => {
    const method = methodLabel(ctx.method);
    const a: Attributes = { 'mcp.method.name': method };
    if (toUpstream) Object.assign(a, toUpstream.peer);
    else {
      a['network.transport'] = ctx.http ? 'tcp' : 'pipe';
      const version = versionOf(ctx.http?.headers.get('mcp-protocol-version'));
      if (version) a['mcp.protocol.version'] = version;
      if (ctx.http) a['network.protocol.name'] = 'http';
    }
    if (target !== '') {
      if (method === 'tools/call') {
        a['gen_ai.tool.name'] = target;
        a['gen_ai.operation.name'] = 'execute_tool';
      } else if (method === 'prompts/get') a['gen_ai.prompt.name'] = target;
    }
    const upstream = toUpstream?.name ?? ctx.state.get(UPSTREAM_NAME);
    if (upstream !== undefined) a['mcplex.upstream'] = upstream;
    if (ending.outcome !== 'ok') a['error.type'] = ending.code !== undefined ? String(ending.code) : ending.outcome;
    if (ending.code !== undefined) a['rpc.response.status_code'] = String(ending.code);
    return a;
  };
}

/**
 * Records every request's duration in `mcp.server.operation.duration`, (a gateway) each call it makes to an upstream
 * for it in `mcp.client.operation.duration` (the difference is the gateway's own time), and each 2025-era session
 * that ends in `mcp.server.session.duration` (told by the ServingHost that serves it: `sessionEnded`).
 */
export function operationMetrics(opts: OperationMetricsOptions = {}): OperationMetricsMiddleware {
  const { server, client, sessions } = operationDurations(opts.meter);
  const targetOf = targetLabels({ maxTargets: opts.maxTargets, knownTarget: opts.knownTarget });
  const versionOf = versionLabels();
  const attributesOf = attributesFor(versionOf);
  // Only tools and prompts are named (resource URIs are opt-in in the conventions: unbounded).
  const named = (ctx: CallContext, ending: Ending) => (ctx.method === 'tools/call' || ctx.method === 'prompts/get' ? targetOf(ctx, ending) : '');
  const middleware: Middleware = function operationMetricsMiddleware(ctx, next) {
    // Around the upstream call (and around its tracing span, when there is one).
    const traced = ctx.state.get(OUTBOUND_TRACE);
    ctx.state.set(OUTBOUND_TRACE, {
      around(call, upstream, send) {
        const started = performance.now();
        const done = (ending: Ending) => client.record((performance.now() - started) / 1000, attributesOf(call, named(call, ending), ending, { name: upstream, peer: opts.peerOf?.(upstream) }));
        return (traced ? traced.around(call, upstream, send) : send({})).then(
          (result) => {
            done(endedWith(result as Record<string, unknown>));
            return result;
          },
          (err: unknown) => {
            done(endedBy(call, err));
            throw err;
          },
        );
      },
    });
    return observed(ctx, next, (ending, ms) => server.record(ms / 1000, attributesOf(ctx, named(ctx, ending), ending)));
  };
  return Object.assign(middleware, {
    sessionEnded({ ms, version }: { ms: number; version?: string }) {
      const known = versionOf(version);
      sessions.record(ms / 1000, { 'network.transport': 'tcp', 'network.protocol.name': 'http', ...(known && { 'mcp.protocol.version': known }) });
    },
  });
}

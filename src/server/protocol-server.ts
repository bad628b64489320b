// Builds one SDK `Server` for a connection (stdio, a 2025-era HTTP session, the 2026-era HTTP lane) or one 2026-era HTTP request,
// routing every MCP method through the app's pipeline. The SDK still owns the wire (handshake, discover,
// envelopes, ping, logging/setLevel, cancellation); those requests pass the pipeline at the gate first (gate.ts).
import {
  type Implementation,
  inputRequired,
  type MessageExtraInfo,
  ProtocolError,
  type RequestId,
  type RequestStateCodec,
  Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { type CallContext, ErrorCode, type Era, type Handler, type Logger, type McpResult, mapError, PARAM_HEADER_CHECK, type Principal, type RequestMeta } from '../core/index.js';
import { buildCallContext } from './call-context.js';
import { type ElicitState, InputRequiredSignal, legacyInput, modernInput } from './elicitation.js';
import { type Admit, GatedTransport } from './gate.js';
import { type EdgeIdentity, identityOf } from './identity.js';
import { INVOCATION } from './methods.js';
import { paramsProblem } from './params-check.js';
import { TARGET, targetOf } from './targets.js';
import { TASK_PARAMS } from './tasks/task-methods.js';
import { TASKS_EXTENSION } from './tasks/task-registry.js';

/** A live SDK server and what the framework tracks for it (for list_changed and resource updates). */
export interface Connection {
  readonly server: Server;
  readonly era: Era;
  readonly subscriptions: Set<string>;
  /** Run when the connection closes (e.g. to release what its subscriptions hold upstream). */
  readonly closers: Set<() => void>;
  /** Who its last request came from, as the pipeline settled it (authentication included); unknown before one. */
  principal?: Principal;
  /** The named endpoint its requests come to (known with `principal`); absent on the main path. */
  endpoint?: string;
  /**
   * Tells the client a URL elicitation it was given has completed (`notifications/elicitation/complete`, outside any
   * request): 2025-era connections only; rejects when the client did not declare URL elicitation.
   */
  readonly completeElicitation: ((elicitationId: string) => Promise<void>) | undefined;
}

export interface AppCore {
  readonly info: Implementation;
  readonly instructions?: string;
  readonly logger: Logger;
  readonly codec: RequestStateCodec<ElicitState>;
  /** Proxy mode: results are forwarded untouched and requestState belongs to the upstream. */
  readonly passthrough: boolean;
  /** The pipeline answers tasks/get, tasks/update and tasks/cancel (2026-07-28 tasks extension). */
  readonly taskMethods: boolean;
  /** The composed pipeline (middlewares around the terminal handler); recomposed when `use()` is called. */
  pipeline(): Handler;
  /** Admits the requests the SDK answers itself (see gate.ts). */
  readonly admit: Admit;
  /** Checks a 2026-era HTTP call's Mcp-Param headers for whatever answers it before the terminal (PARAM_HEADER_CHECK). */
  readonly paramHeaderCheck?: ((ctx: CallContext) => void) | undefined;
}

/** How one SDK server instance is served. */
export interface ProtocolServerOptions {
  /** Called once the instance serves a connection (for list_changed and resource updates). */
  onConnect?: (c: Connection) => void;
  /** The HTTP view of a request by id, for servers that serve many HTTP requests over one connection (the 2026-era lane). */
  httpOf?: (id: RequestId) => MessageExtraInfo | undefined;
  /** Who is on the other end of a local connection (stdio, in memory), where requests carry no identity. */
  identity?: EdgeIdentity;
  /** Put the gate in front of the SDK on connect (for transports that carry a whole connection: 2025-era sessions). */
  gated?: boolean;
}

const CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

const TASK_CAPABILITIES = { ...CAPABILITIES, extensions: { [TASKS_EXTENSION]: {} } };

type AnyHandler = (req: { params?: Record<string, unknown> }, sctx: ServerContext) => Promise<McpResult>;

/** Turns the signal a handler's `elicit()` throws on a 2026-era round into the `input_required` result. */
export function endRoundOnInputRequired(terminal: Handler, codec: RequestStateCodec<ElicitState>): Handler {
  return async (ctx) => {
    try {
      return await terminal(ctx);
    } catch (err) {
      if (!(err instanceof InputRequiredSignal)) throw err;
      const sctx = ctx.state.get(INVOCATION)!.sctx;
      const requestState = await codec.mint(err.state, sctx);
      return inputRequired({ inputRequests: err.requests, requestState }) as unknown as McpResult;
    }
  };
}

/** One SDK server for a connection or request, every method routed through the app's pipeline. */
export function createProtocolServer(app: AppCore, era: Era, opts: ProtocolServerOptions = {}): Server {
  const tasks = app.taskMethods && era === 'modern';
  const server = new Server(app.info, {
    capabilities: tasks ? TASK_CAPABILITIES : CAPABILITIES,
    ...(app.instructions !== undefined && { instructions: app.instructions }),
    ...(era === 'modern' && !app.passthrough && { requestState: { verify: (s: string, c: ServerContext) => app.codec.verify(s, c) } }),
  });
  const connection: Connection = {
    server,
    era,
    subscriptions: new Set(),
    closers: new Set(),
    completeElicitation: era === 'legacy' ? async (id: string) => server.createElicitationCompletionNotifier(id)() : undefined,
  };

  const dispatch = async (method: string, params: Record<string, unknown>, sctx: ServerContext): Promise<McpResult> => {
    const problem = paramsProblem(method, params);
    if (problem) throw new ProtocolError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${problem}`);
    const extra = sctx.http ? undefined : opts.httpOf?.(sctx.mcpReq.id);
    const identity = identityOf(sctx.http?.authInfo ?? extra?.authInfo) ?? opts.identity;
    const request = sctx.http?.req ?? extra?.request;
    const ctx = buildCallContext(app.logger, {
      method,
      target: targetOf(method, params),
      params,
      era,
      meta: (sctx.mcpReq._meta ?? {}) as RequestMeta,
      signal: sctx.mcpReq.signal,
      rid: sctx.mcpReq.id,
      identity,
      request,
    });
    const input = era === 'legacy' ? legacyInput(sctx, server) : modernInput(sctx, sctx.mcpReq.requestState<ElicitState>());
    ctx.state.set(INVOCATION, { sctx, input, subscriptions: connection.subscriptions, connection, client: opts.httpOf ? {} : connection });
    if (era === 'modern' && request && method === 'tools/call' && app.paramHeaderCheck) ctx.state.set(PARAM_HEADER_CHECK, app.paramHeaderCheck);
    try {
      return await app.pipeline()(ctx);
    } catch (err) {
      const outcome = mapError(method, err, ctx.log);
      if ('result' in outcome) return outcome.result;
      throw outcome.error;
    } finally {
      connection.principal = ctx.principal;
      connection.endpoint = ctx.endpoint;
    }
  };

  if (app.passthrough) {
    // The fallback path skips the SDK's result-schema validation, so fields we don't know survive the hop.
    server.fallbackRequestHandler = async (req, sctx) => {
      if (!TARGET.has(req.method)) throw new ProtocolError(ErrorCode.MethodNotFound, `Method not found: ${req.method}`);
      return dispatch(req.method, (req.params ?? {}) as Record<string, unknown>, sctx);
    };
  } else {
    const setHandler = server.setRequestHandler.bind(server) as unknown as (method: string, h: AnyHandler) => void;
    for (const method of TARGET.keys()) {
      setHandler(method, (req, sctx) => dispatch(method, req.params ?? {}, sctx));
    }
  }
  // Extension methods: registered with their params' schema, which is what lets the SDK take tasks/get and
  // tasks/cancel (2025-era names) on a 2026-era server.
  if (tasks) {
    for (const [method, params] of TASK_PARAMS) server.setRequestHandler(method, { params }, (p, sctx) => dispatch(method, p as Record<string, unknown>, sctx));
  }

  // Track the instance only once it is really serving a connection (serveStdio may build a probe it discards).
  const connect = server.connect.bind(server);
  server.connect = async (transport) => {
    await connect(opts.gated ? new GatedTransport(transport, app.admit, opts.identity) : transport);
    opts.onConnect?.(connection);
    const previous = server.onclose;
    server.onclose = () => {
      for (const close of connection.closers) close();
      connection.closers.clear();
      previous?.();
    };
  };
  return server;
}

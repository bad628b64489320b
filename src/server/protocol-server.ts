// Builds one SDK `Server` for a connection (stdio, a 2025-era HTTP session, the 2026-era HTTP lane) or one 2026-era HTTP request,
// routing every MCP method through the app's pipeline. The SDK still owns the wire: handshake, discover,
// envelopes, ping, logging/setLevel, cancellation.
import { type Implementation, inputRequired, ProtocolError, type RequestId, type RequestStateCodec, Server, type ServerContext } from '@modelcontextprotocol/server';
import {
  ANONYMOUS,
  type CallContext,
  ContextState,
  ErrorCode,
  type Era,
  type Handler,
  type Logger,
  type McpResult,
  mapError,
  type RequestMeta,
} from '../core/index.js';
import { type ElicitState, InputRequiredSignal, legacyInput, modernInput } from './elicitation.js';
import { INVOCATION } from './methods.js';

/** A live SDK server and what the framework tracks for it (for list_changed and resource updates). */
export interface Connection {
  readonly server: Server;
  readonly era: Era;
  readonly subscriptions: Set<string>;
}

export interface AppCore {
  readonly info: Implementation;
  readonly instructions?: string;
  readonly logger: Logger;
  readonly codec: RequestStateCodec<ElicitState>;
  /** Proxy mode: results are forwarded untouched and requestState belongs to the upstream. */
  readonly passthrough: boolean;
  /** The composed pipeline (middlewares around the terminal handler); recomposed when `use()` is called. */
  pipeline(): Handler;
}

/** The methods routed through the pipeline, and where each keeps its target (a Map: no inherited keys). */
const TARGET = new Map<string, (p: Record<string, unknown>) => unknown>([
  ['tools/list', () => undefined],
  ['tools/call', (p) => p.name],
  ['resources/list', () => undefined],
  ['resources/templates/list', () => undefined],
  ['resources/read', (p) => p.uri],
  ['resources/subscribe', (p) => p.uri],
  ['resources/unsubscribe', (p) => p.uri],
  ['prompts/list', () => undefined],
  ['prompts/get', (p) => p.name],
  ['completion/complete', (p) => (p.ref as Record<string, unknown> | undefined)?.name ?? (p.ref as Record<string, unknown> | undefined)?.uri],
]);

const CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

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
      return inputRequired({ inputRequests: { [err.key]: err.request }, requestState }) as unknown as McpResult;
    }
  };
}

/**
 * `httpOf` finds the HTTP request behind a request id, for servers that serve many HTTP requests over one
 * connection (the 2026-era lane), where the SDK context carries none.
 */
export function createProtocolServer(app: AppCore, era: Era, onConnect?: (c: Connection) => void, httpOf?: (id: RequestId) => Request | undefined): Server {
  const server = new Server(app.info, {
    capabilities: CAPABILITIES,
    ...(app.instructions !== undefined && { instructions: app.instructions }),
    ...(era === 'modern' && !app.passthrough && { requestState: { verify: (s: string, c: ServerContext) => app.codec.verify(s, c) } }),
  });
  const connection: Connection = { server, era, subscriptions: new Set() };

  const dispatch = async (method: string, params: Record<string, unknown>, sctx: ServerContext): Promise<McpResult> => {
    const target = TARGET.get(method)?.(params);
    const req = sctx.http?.req ?? httpOf?.(sctx.mcpReq.id);
    // The request's logger and headers are built only if something reads them: most calls never do.
    let log: Logger | undefined;
    let http: CallContext['http'];
    const ctx: CallContext = {
      method,
      ...(target !== undefined && { target: String(target) }),
      params,
      principal: ANONYMOUS,
      era,
      meta: (sctx.mcpReq._meta ?? {}) as RequestMeta,
      signal: sctx.mcpReq.signal,
      get http() {
        if (req && !http) http = { headers: req.headers };
        return http;
      },
      get log() {
        log ??= app.logger.child({ rid: sctx.mcpReq.id, method });
        return log;
      },
      state: new ContextState(),
    };
    const input = era === 'legacy' ? legacyInput(sctx) : modernInput(sctx, sctx.mcpReq.requestState<ElicitState>());
    ctx.state.set(INVOCATION, { sctx, input, subscriptions: connection.subscriptions });
    try {
      return await app.pipeline()(ctx);
    } catch (err) {
      const outcome = mapError(method, err, ctx.log);
      if ('result' in outcome) return outcome.result;
      throw outcome.error;
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

  if (onConnect) {
    // Track the instance only once it is really serving a connection (serveStdio may build a probe it discards).
    const connect = server.connect.bind(server);
    server.connect = async (transport) => {
      await connect(transport);
      onConnect(connection);
    };
  }
  return server;
}

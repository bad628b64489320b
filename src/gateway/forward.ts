// The gateway's end of the pipeline: answers lists from the catalog and forwards everything else to the owning
// upstream, re-mapping progress tokens, propagating cancellation and bridging 2026-era input requests.
import type { ForwardOptions, Json, Upstream } from '../client/upstream.js';
import { type CallContext, DEADLINE, type Era, ErrorCode, type Handler, isWireError, type McpResult, OUTBOUND_TRACE, type TraceCarrier, UPSTREAM_NAME, WireError } from '../core/index.js';
import { INVOCATION, listPage, subscribeConnection } from '../server/index.js';
import { allows, declaredBy, missingCapability, relayable } from './caller-capabilities.js';
import type { Catalog } from './catalog.js';
import { BRIDGE_STATE, BridgedCall, CALL_META, type InputBridge, type RoundOutcome } from './input-bridge.js';
import type { UpstreamRouter } from './isolation/router.js';
import type { CallerSpec, CallScope, InflightCalls } from './relay.js';
import type { UpstreamSubscriptions } from './upstream-subscriptions.js';

const MAX_INPUT_ROUNDS = 8;
const RESERVED_META = 'io.modelcontextprotocol/';
const CLIENT_CAPABILITIES = `${RESERVED_META}clientCapabilities`;

/**
 * Params as the upstream should see them: the envelope and progress token are the upstream client's to set, except
 * that a 2026-era upstream gets the caller's own client capabilities (what of them the gateway can relay), so it
 * asks only for input the caller can give. It only logs when asked per request; we ask for everything and filter
 * per caller on relay.
 */
function outgoingParams(params: Json, caller: CallerSpec, era: Era, upstream: Upstream): Json {
  const modernUpstream = speaksModern(upstream);
  if (params._meta === undefined && era === 'legacy' && !modernUpstream) return params; // the common case: nothing to change
  const { sctx } = caller;
  const { _meta, ...rest } = params;
  const meta = Object.fromEntries(Object.entries((_meta as Json | undefined) ?? {}).filter(([k]) => !k.startsWith(RESERVED_META) && k !== 'progressToken'));
  if (modernUpstream) meta[`${RESERVED_META}logLevel`] = 'debug';
  // A 2025-era upstream's session was declared for every caller; mcplex servers narrow it to this caller's per request.
  if (modernUpstream || era === 'modern') meta[CLIENT_CAPABILITIES] = relayable(caller.capabilities);
  const out: Json = { ...rest, ...(Object.keys(meta).length > 0 && { _meta: meta }) };
  if (era === 'modern' && modernUpstream) {
    // The SDK lifts these out of params before handlers run; the upstream needs them back.
    if (sctx.mcpReq.inputResponses) out.inputResponses = sctx.mcpReq.inputResponses;
    const state = sctx.mcpReq.requestState<string>();
    if (typeof state === 'string') out.requestState = state;
  }
  return out;
}

/** Relays the upstream's progress to the caller under its own token, on the caller's ordered relay chain. */
function progressRelay(ctx: CallContext, sctx: CallerSpec['sctx'], scope: CallScope) {
  const token = ctx.meta.progressToken;
  if (token === undefined) return undefined;
  return (p: { progress: number; total?: number; message?: string }) =>
    scope.relay(() => sctx.mcpReq.notify({ method: 'notifications/progress', params: { ...p, progressToken: token } }));
}

/** The upstream request, inside its trace span (with the trace context in its `_meta`) when tracing is on. */
function requestUpstream(ctx: CallContext, upstream: Upstream, params: Json, opts: ForwardOptions): Promise<Json> {
  const traced = ctx.state.get(OUTBOUND_TRACE);
  if (!traced) return upstream.request(ctx.method, params, opts);
  return traced.around(upstream.name, ctx.method, (carrier) => upstream.request(ctx.method, withTrace(params, carrier), opts));
}

/** Sends on the connection a lease chose, with its per-request headers (isolation/router.ts). */
type Send = <T>(send: () => Promise<T>) => Promise<T>;

const speaksModern = (upstream: Upstream) => upstream.client?.getProtocolEra() === 'modern';

/** The gateway presents itself: the upstream's identity stamp is removed so ours is applied. */
function asOurs(result: Json): McpResult {
  const meta = result._meta as Json | undefined;
  if (!meta || !(`${RESERVED_META}serverInfo` in meta)) return result;
  const { [`${RESERVED_META}serverInfo`]: _drop, ...rest } = meta;
  const { _meta: _old, ...body } = result;
  return Object.keys(rest).length > 0 ? { ...body, _meta: rest } : body;
}

/** Params with the trace context of the upstream call in `_meta` (replacing the caller's, which is its parent). */
function withTrace(params: Json, carrier: TraceCarrier): Json {
  if (Object.keys(carrier).length === 0) return params;
  return { ...params, _meta: { ...(params._meta as Json | undefined), ...carrier } };
}

/** Who is calling, for per-caller limits: the principal, and the address it came from. */
export const callerKey = (ctx: CallContext) => `${ctx.principal.id}@${ctx.http?.remoteAddress ?? 'local'}`;

/** The caller as the relay tracks it. */
function callerOf(ctx: CallContext): CallerSpec {
  const { sctx, client } = ctx.state.get(INVOCATION)!;
  return { sctx, era: ctx.era, client, capabilities: declaredBy(ctx), principal: ctx.principal };
}

/** An upstream's input_required asks only for what the caller declared; else the spec's -32021, before anyone is asked. */
function checkInputRequests(result: Json, caller: CallerSpec): void {
  for (const request of Object.values((result.inputRequests as Json | undefined) ?? {}) as { method?: string; params?: Json }[]) {
    const method = String(request?.method);
    if (!allows(caller.capabilities, method, request?.params)) throw missingCapability(method, request?.params, true);
  }
}

/**
 * The caller gave up while the upstream may still be working on its request and sending for it. Not so for a
 * 2026-era upstream over HTTP: everything it sends for a request travels on that request's stream, closed with it.
 */
function gaveUp(err: unknown, signal: AbortSignal, upstream: Upstream): boolean {
  if (!signal.aborted && !(isWireError(err) && err.code === ErrorCode.Timeout)) return false;
  // An in-process built-in shares one link for everything, like a stdio pipe.
  return upstream.spec.transport === 'stdio' || upstream.spec.transport === 'builtin' || upstream.client?.getProtocolEra() !== 'modern';
}

export function forwarder(
  catalog: Catalog,
  inflight: InflightCalls,
  subscriptions: UpstreamSubscriptions,
  bridge: InputBridge,
  pageSize: number,
  router?: UpstreamRouter,
): Handler {
  const list = (items: Json[], key: string, ctx: CallContext): McpResult => listPage(items, key, ctx.params, pageSize);
  /** Connections whose close already releases their upstream subscriptions. */
  const releasing = new WeakSet<object>();

  async function forward(ctx: CallContext, owner: Upstream | undefined, params: Json, what: string, data?: Json): Promise<McpResult> {
    if (!owner) throw new WireError(ErrorCode.InvalidParams, what, data);
    ctx.state.set(UPSTREAM_NAME, owner.name);
    if (!router) return forwardTo(ctx, owner, params, (send) => send());
    // The caller's own connection when the server is isolated, its credentials, headers and signed identity.
    const lease = await router.lease(owner, ctx, params);
    try {
      return await forwardTo(ctx, lease.upstream, lease.params, lease.run);
    } finally {
      lease.release();
    }
  }

  async function forwardTo(ctx: CallContext, upstream: Upstream, params: Json, run: Send): Promise<McpResult> {
    const caller = callerOf(ctx);
    if (ctx.era === 'modern' && !speaksModern(upstream)) return bridged(ctx, upstream, params, caller, run);
    const { sctx } = caller;
    // The timeout stage's deadline governs (cancelling upstream when it expires); the upstream's own timer then
    // only backs it up, and progress extends the deadline.
    const deadline = ctx.state.get(DEADLINE);
    // The deadline's signal also follows the caller's (core/deadline.ts).
    const signal = deadline ? deadline.signal : ctx.signal;
    const timing = deadline && { timeoutMs: deadline.maxTotalMs + 1000 };
    // Progress goes on the caller's ordered relay chain (with relayed logs); the result waits for that chain,
    // since it ends the caller's response stream and anything sent after it is dropped.
    return inflight.around(upstream, caller, async (scope) => {
      const relay = progressRelay(ctx, sctx, scope);
      // Progress shows the upstream is alive: it extends the deadline (to its hard maximum). Only a caller that
      // asked for progress gets a token sent upstream; the gateway does not invent one.
      const onprogress =
        relay &&
        ((p: { progress: number; total?: number; message?: string }) => {
          deadline?.extend();
          relay(p);
        });
      // An abandoned call keeps ownership of what the upstream sends until the upstream answers it (when that can
      // be seen: the raw stdio lane) or the grace period ends.
      let outgoing = outgoingParams(params, caller, ctx.era, upstream);
      for (let round = 0; ; round++) {
        let result: Json;
        try {
          const sent = outgoing;
          result = await run(() => requestUpstream(ctx, upstream, sent, { signal, onLateAnswer: scope.answered, ...timing, ...(onprogress && { onprogress }) }));
        } catch (err) {
          if (gaveUp(err, signal, upstream)) scope.abandon();
          throw err;
        }
        if (result.resultType !== 'input_required') return asOurs(result);
        // All or none: nobody is asked anything when one of the round's requests cannot be answered.
        checkInputRequests(result, caller);
        if (ctx.era === 'modern') return asOurs(result);
        if (round >= MAX_INPUT_ROUNDS) throw new WireError(ErrorCode.InternalError, `Server '${upstream.name}' asked for input more than ${MAX_INPUT_ROUNDS} times`);
        const inputResponses = await inflight.fulfil(upstream, caller, result.inputRequests as Json | undefined);
        outgoing = { ...outgoingParams(params, caller, ctx.era, upstream), inputResponses, ...(result.requestState !== undefined && { requestState: result.requestState }) };
      }
    });
  }

  /**
   * A 2026-era caller, an upstream that asks for input with real requests: each round ends with the upstream's
   * result or with the input it waits for, the call held in the bridge until the caller's next round answers it.
   */
  async function bridged(ctx: CallContext, upstream: Upstream, params: Json, caller: CallerSpec, run: Send): Promise<McpResult> {
    const { mcpReq } = caller.sctx;
    const owner = `${callerKey(ctx)}\n${ctx.method}\n${ctx.target ?? ''}`;
    const state = mcpReq.requestState<string>();
    const deadline = ctx.state.get(DEADLINE);
    let call: BridgedCall;
    if (typeof state === 'string' && state.startsWith(BRIDGE_STATE)) {
      call = bridge.resume(state, owner);
      try {
        call.answer(mcpReq.inputResponses);
      } catch (err) {
        call.cancel('The client sent an invalid input response');
        throw err;
      }
    } else {
      call = new BridgedCall(owner, mcpReq.inputResponses);
      const held = call;
      const base = outgoingParams(params, caller, ctx.era, upstream);
      const outgoing = { ...base, _meta: { ...(base._meta as Json | undefined), [CALL_META]: held.id } };
      const timing = deadline && { timeoutMs: deadline.maxTotalMs + 1000 };
      inflight
        .around(upstream, { ...caller, bridge: held }, (scope) => {
          const relay = progressRelay(ctx, caller.sctx, scope);
          // Progress extends the deadline of the round in progress (between rounds the call waits for a person).
          const onprogress =
            relay &&
            ((p: { progress: number; total?: number; message?: string }) => {
              held.extend?.();
              relay(p);
            });
          return run(() => requestUpstream(ctx, upstream, outgoing, { signal: held.abort.signal, onLateAnswer: scope.answered, ...timing, ...(onprogress && { onprogress }) }));
        })
        .then(
          (result) => held.settle({ result }),
          (error: unknown) => held.settle({ error }),
        );
    }
    // Each round runs under its own request's deadline (the timeout stage's), which cancels the upstream call.
    call.extend = deadline && (() => deadline.extend());
    let outcome: RoundOutcome;
    try {
      outcome = await call.next(deadline ? deadline.signal : ctx.signal);
    } catch (err) {
      call.cancel(ctx.signal.aborted ? 'The client cancelled the call' : 'The call timed out');
      throw err;
    } finally {
      call.extend = undefined;
    }
    if ('result' in outcome) return asOurs(outcome.result);
    if ('error' in outcome) throw outcome.error;
    return { resultType: 'input_required', inputRequests: outcome.inputRequests, requestState: bridge.hold(call) };
  }

  return async function terminal(ctx: CallContext): Promise<McpResult> {
    const params = ctx.params as Json;
    switch (ctx.method) {
      case 'tools/list':
        return list(catalog.tools, 'tools', ctx);
      case 'prompts/list':
        return list(catalog.prompts, 'prompts', ctx);
      case 'resources/list':
        return list(catalog.resources, 'resources', ctx);
      case 'resources/templates/list':
        return list(catalog.resourceTemplates, 'resourceTemplates', ctx);
      case 'tools/call': {
        const route = catalog.tool(ctx.target ?? '');
        return forward(ctx, route?.upstream, { ...params, name: route?.name }, `Unknown tool: ${ctx.target}`);
      }
      case 'prompts/get': {
        const route = catalog.prompt(ctx.target ?? '');
        return forward(ctx, route?.upstream, { ...params, name: route?.name }, `Unknown prompt: ${ctx.target}`);
      }
      case 'resources/read':
        return forward(ctx, catalog.resourceOwner(ctx.target ?? ''), params, `Resource not found: ${ctx.target}`, { uri: ctx.target });
      case 'resources/subscribe': {
        const inv = ctx.state.get(INVOCATION)!;
        const uri = ctx.target ?? '';
        const owner = catalog.resourceOwner(uri);
        subscribeConnection(inv, uri);
        if (!owner) return {};
        const holder = inv.connection;
        const open = subscriptions.reserve(holder, callerKey(ctx), owner, uri);
        if (!releasing.has(holder)) {
          releasing.add(holder);
          holder.closers.add(() => subscriptions.release(holder));
        }
        // In flight while it runs, so what the upstream says meanwhile (a log line) reaches this caller.
        await inflight.around(owner, callerOf(ctx), open);
        return {};
      }
      case 'resources/unsubscribe': {
        const inv = ctx.state.get(INVOCATION)!;
        inv.subscriptions.delete(ctx.target ?? '');
        // Upstream subscriptions are shared: the upstream is unsubscribed when its last holder lets go.
        subscriptions.release(inv.connection, ctx.target ?? '');
        return {};
      }
      case 'completion/complete': {
        const ref = params.ref as Json;
        if (ref.type === 'ref/prompt') {
          const route = catalog.prompt(String(ref.name));
          return forward(ctx, route?.upstream, { ...params, ref: { ...ref, name: route?.name } }, `Unknown prompt: ${ref.name}`);
        }
        const owner = catalog.templateOwner(String(ref.uri)) ?? catalog.resourceOwner(String(ref.uri));
        return forward(ctx, owner, params, `Unknown resource template: ${ref.uri}`);
      }
      default:
        throw new WireError(ErrorCode.MethodNotFound, `Method not found: ${ctx.method}`);
    }
  };
}

// The forwarder's parts shared by its plain and bridged paths: the params an upstream should see, progress
// relayed under the caller's token, the traced upstream request, and how a caller and its input requests are checked.
import type { ForwardOptions, Json, Upstream } from '../client/upstream.js';
import { type Abortable, type CallContext, type Era, ErrorCode, isWireError, type McpResult, OUTBOUND_TRACE, stateKey, type TraceCarrier, WireError } from '../core/index.js';
import { callAsLegacyTask, cancelLegacyTask } from '../client/legacy-task.js';
import { withTasksDeclared } from '../client/upstream-task.js';
import { type CheckedType, specProblem } from '../wire/spec-shape.js';
import { CLIENT_CAPABILITIES_META } from '../wire/tasks-extension.js';
import { INVOCATION, TASKS_EXTENSION } from '../server/index.js';
import { allows, declaredBy, missingCapability, relayable } from './caller-capabilities.js';
import type { CallerSpec, CallScope, InflightCalls } from './relay.js';

const RESERVED_META = 'io.modelcontextprotocol/';

/** Set when the caller's round (its requestState and answers) was the gateway's own, not the upstream's (url-rounds.ts). */
export const OWN_ROUND = stateKey<boolean>('mcplex.ownRound');

/**
 * Params as the upstream should see them: the envelope and progress token are the upstream client's to set, except
 * that a 2026-era upstream gets the caller's own client capabilities (what of them the gateway can relay), so it
 * asks only for input the caller can give. It only logs when asked per request; we ask for everything and filter
 * per caller on relay.
 */
export function outgoingParams(params: Json, caller: CallerSpec, era: Era, upstream: Upstream, tasks = false): Json {
  const modernUpstream = speaksModern(upstream);
  if (params._meta === undefined && params.task === undefined && era === 'legacy' && !modernUpstream) return params; // the common case: nothing to change
  const { sctx } = caller;
  // A 2025-era task the caller asks for is not relayed (the gateway serves no tasks/get of that revision): the call
  // runs as any other, or as a task the gateway awaits (requestCall).
  const { _meta, task, ...others } = params;
  const rest: Json = modernUpstream && task !== undefined ? { ...others, task } : others;
  const meta = Object.fromEntries(Object.entries((_meta as Json | undefined) ?? {}).filter(([k]) => !k.startsWith(RESERVED_META) && k !== 'progressToken'));
  if (modernUpstream) meta[`${RESERVED_META}logLevel`] = 'debug';
  // A 2025-era upstream's session was declared for every caller; mcplex servers narrow it to this caller's per request.
  if (modernUpstream || era === 'modern') meta[CLIENT_CAPABILITIES_META] = capabilitiesFor(caller, tasks && modernUpstream);
  const out: Json = { ...rest, ...(Object.keys(meta).length > 0 && { _meta: meta }) };
  if (era === 'modern' && modernUpstream && !caller.ownRound) {
    // The SDK lifts these out of params before handlers run; the upstream needs them back.
    if (sctx.mcpReq.inputResponses) out.inputResponses = sctx.mcpReq.inputResponses;
    const state = sctx.mcpReq.requestState<string>();
    if (typeof state === 'string') out.requestState = state;
  }
  return out;
}

/**
 * The client capabilities an upstream is told of: the caller's relayable ones, and with `tasks` the tasks extension
 * (the caller's own declaration, or the gateway's when it awaits the upstream's task for the caller: upstream-tasks.ts).
 */
function capabilitiesFor(caller: CallerSpec, tasks: boolean): Json {
  const caps = relayable(caller.capabilities) as Json;
  if (!tasks) return caps;
  const theirs = (caller.capabilities as { extensions?: Json }).extensions?.[TASKS_EXTENSION];
  return withTasksDeclared({ ...caps, ...(theirs !== undefined && { extensions: { [TASKS_EXTENSION]: theirs } }) });
}

/** A request of the gateway's own about an upstream's task (tasks/get, tasks/update, tasks/cancel), declaring the extension. */
export function taskRequestParams(params: Json, caller: CallerSpec): Json {
  return { ...params, _meta: { [CLIENT_CAPABILITIES_META]: capabilitiesFor(caller, true) } };
}

/** Relays the upstream's progress to the caller under its own token, on the caller's ordered relay chain (as `inflight` lets it go on). */
export function progressRelay(ctx: CallContext, sctx: CallerSpec['sctx'], scope: CallScope, upstream: string, inflight: InflightCalls) {
  const token = ctx.meta.progressToken;
  if (token === undefined) return undefined;
  return (p: { progress: number; total?: number; message?: string }) =>
    scope.relay(() => sctx.mcpReq.notify({ method: 'notifications/progress', params: { ...inflight.notice(upstream, 'notifications/progress', p), progressToken: token } }));
}

/** The upstream request, inside its trace span (with the trace context in its `_meta`) when tracing is on. */
/**
 * Sends a tools/call; one of a tool a 2025-era upstream runs only as a task goes as a task whose end is awaited
 * (legacy-task.ts), its tasks/result under the call's deadline and cancellation.
 */
export function requestCall(ctx: CallContext, upstream: Upstream, params: Json, opts: ForwardOptions, taskOnly: boolean): Promise<Json> {
  if (!taskOnly) return requestUpstream(ctx, upstream, params, opts);
  const { onLateAnswer: _late, onprogress: _progress, ...plain } = opts;
  return callAsLegacyTask(params, {
    send: (method, p) => (method === 'tools/call' ? requestUpstream(ctx, upstream, p, opts) : upstream.request(method, p, plain)),
    ...(opts.signal && { signal: opts.signal }),
    cancel: (taskId) => void cancelLegacyTask(upstream, taskId),
  });
}

/** Whether `name` is a tool the 2025-era upstream (or its owner, for an isolated instance) runs only as a task. */
export function runsOnlyAsTask(owner: Upstream, upstream: Upstream, ctx: CallContext, name: unknown): boolean {
  return ctx.method === 'tools/call' && !speaksModern(upstream) && (owner.runsOnlyAsTask(String(name)) || upstream.runsOnlyAsTask(String(name)));
}

export function requestUpstream(ctx: CallContext, upstream: Upstream, params: Json, opts: ForwardOptions): Promise<Json> {
  const traced = ctx.state.get(OUTBOUND_TRACE);
  if (!traced) return upstream.request(ctx.method, params, opts);
  return traced.around(ctx, upstream.name, (carrier) => upstream.request(ctx.method, withTrace(params, carrier), opts));
}

/** Sends on the connection a lease chose, with its per-request headers (isolation/router.ts). */
export type Send = <T>(send: () => Promise<T>) => Promise<T>;

export const speaksModern = (upstream: Upstream) => upstream.client?.getProtocolEra() === 'modern';

/** The gateway presents itself: the upstream's identity stamp is removed so ours is applied. */
export function asOurs(result: Json): McpResult {
  const meta = result._meta as Json | undefined;
  if (!meta || !(`${RESERVED_META}serverInfo` in meta)) return result;
  const { [`${RESERVED_META}serverInfo`]: _drop, ...rest } = meta;
  const { _meta: _old, ...body } = result;
  return Object.keys(rest).length > 0 ? { ...body, _meta: rest } : body;
}

/** The complete answers checked against the protocol's types before they reach a caller. */
const ANSWER_TYPES: Record<string, CheckedType> = { 'tools/call': 'CallToolResult', 'resources/read': 'ReadResourceResult', 'prompts/get': 'GetPromptResult' };

/**
 * An upstream's complete answer to a call, read or prompt, as ours (`asOurs`), once it is one: a tool result without
 * `content` gets an empty one (as the SDK's own servers send it); anything else that is none (a text block without
 * its text) is -32015 naming the server and the field, rather than an answer the caller's client refuses whole.
 */
export function answerOf(method: string, upstream: string, result: Json): McpResult {
  const type = ANSWER_TYPES[method];
  if (!type) return asOurs(result);
  const body = type === 'CallToolResult' && result.content === undefined ? { ...result, content: [] } : result;
  const problem = specProblem(type, body);
  if (problem) throw new WireError(ErrorCode.UpstreamBadReply, `Server '${upstream}' answered ${method} with an invalid result: ${problem}`);
  return asOurs(body);
}

/** Params with the trace context of the upstream call in `_meta` (replacing the caller's, which is its parent). */
function withTrace(params: Json, carrier: TraceCarrier): Json {
  if (Object.keys(carrier).length === 0) return params;
  return { ...params, _meta: { ...(params._meta as Json | undefined), ...carrier } };
}

/** Who is calling, for per-caller limits: the principal, and the address it came from. */
export const callerKey = (ctx: CallContext) => `${ctx.principal.id}@${ctx.http?.remoteAddress ?? 'local'}`;

/** Who may answer a round the gateway holds: the caller, the method and its target. */
export const roundOwner = (ctx: CallContext): string => `${callerKey(ctx)}\n${ctx.method}\n${ctx.target ?? ''}`;

/** The caller as the relay tracks it. */
export function callerOf(ctx: CallContext): CallerSpec {
  const { sctx, client, connection } = ctx.state.get(INVOCATION)!;
  return {
    sctx,
    era: ctx.era,
    client,
    capabilities: declaredBy(ctx),
    principal: ctx.principal,
    ...(ctx.http?.remoteAddress !== undefined && { address: ctx.http.remoteAddress }),
    completeElicitation: connection.completeElicitation,
    ownRound: ctx.state.get(OWN_ROUND) === true,
  };
}

/** An upstream's input_required asks only for what the caller declared; else the spec's -32021, before anyone is asked. */
export function checkInputRequests(result: Json, caller: CallerSpec): void {
  for (const request of Object.values((result.inputRequests as Json | undefined) ?? {}) as { method?: string; params?: Json }[]) {
    const method = String(request?.method);
    if (!allows(caller.capabilities, method, request?.params)) throw missingCapability(method, request?.params, true);
  }
}

/**
 * The caller gave up while the upstream may still be working on its request and sending for it. Not so for a
 * 2026-era upstream over HTTP: everything it sends for a request travels on that request's stream, closed with it.
 */
export function gaveUp(err: unknown, signal: Abortable, upstream: Upstream): boolean {
  if (!signal.aborted && !(isWireError(err) && err.code === ErrorCode.Timeout)) return false;
  // An in-process built-in shares one link for everything, like a stdio pipe.
  return upstream.spec.transport === 'stdio' || upstream.spec.transport === 'builtin' || upstream.client?.getProtocolEra() !== 'modern';
}

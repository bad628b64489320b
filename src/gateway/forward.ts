// The gateway's end of the pipeline: answers lists from the catalog and forwards everything else to the owning
// upstream, re-mapping progress tokens, propagating cancellation and bridging 2026-era input requests.
import type { Json, Upstream } from '../client/upstream.js';
import { type CallContext, DEADLINE, ErrorCode, type Handler, type McpResult, UPSTREAM_NAME, WireError } from '../core/index.js';
import { answerTaskMethod, checkParamHeaders, declaresTasks, INVOCATION, listPage, subscribeConnection } from '../server/index.js';
import { allows, declaredBy, missingCapability } from './caller-capabilities.js';
import { type GatewayTasks, TASK_WORK } from './gateway-tasks.js';
import { TERMINAL_TASK_STATUSES } from '../wire/tasks-extension.js';
import type { Catalog } from './catalog.js';
import { bridged } from './forward-bridged.js';
import { answerOf, asOurs, callerKey, callerOf, checkInputRequests, gaveUp, OWN_ROUND, outgoingParams, progressRelay, requestCall, roundOwner, runsOnlyAsTask, type Send, speaksModern, taskRequestParams } from './forward-parts.js';
import { awaitUpstreamTask, cancelUpstreamTask, needsTasks, type TaskAwait } from '../client/upstream-task.js';
import { CALL_META, type InputBridge } from './input-bridge.js';
import { shapedArguments } from './tool-overrides.js';
import type { UpstreamRouter } from './isolation/router.js';
import type { InflightCalls } from './relay.js';
import type { UpstreamSubscriptions } from './upstream-subscriptions.js';
import { UrlRounds } from './url-rounds.js';

const MAX_INPUT_ROUNDS = 8;

/** Why a tool or prompt name has no route: withheld for hidden text, held since its definition changed (pinning), or unknown. */
function unknown(catalog: Catalog, kind: 'tool' | 'prompt', name: string): string {
  const held = kind === 'tool' ? catalog.heldTool(name) : catalog.heldPrompt(name);
  const withheld = catalog.withheldReason(kind, name);
  if (withheld) return withheldText(kind === 'tool' ? 'Tool' : 'Prompt', name, withheld);
  if (!held) return `Unknown ${kind}: ${name}`;
  const use = kind === 'tool' ? 'called' : 'used';
  return `${kind === 'tool' ? 'Tool' : 'Prompt'} '${name}' is held: its ${held.changed.join(', ')} changed since it was pinned, and an administrator must approve the change before it can be ${use} (POST /admin/pins/approve)`;
}

/** Why a URI has no owner: its listing withheld for hidden text, or not found. */
function notFound(catalog: Catalog, uri: string): string {
  const withheld = catalog.withheldReason('resource', uri);
  return withheld ? withheldText('Resource', uri, withheld) : `Resource not found: ${uri}`;
}

function withheldText(what: string, name: string, why: string): string {
  return `${what} '${name}' is withheld: its definition hides text from people reading it (${why}); an administrator can serve it with its server's tools.hiddenText: allow`;
}

const URL_MODE = { mode: 'url' };

export function forwarder(
  catalog: Catalog,
  inflight: InflightCalls,
  subscriptions: UpstreamSubscriptions,
  bridge: InputBridge,
  tasks: GatewayTasks,
  pageSize: number,
  urlRounds: UrlRounds,
  router?: UpstreamRouter,
): Handler {
  const list = (items: Json[], key: string, ctx: CallContext): McpResult => listPage(items, key, ctx.params, pageSize);
  /** Connections whose close already releases their upstream subscriptions. */
  const releasing = new WeakSet<object>();

  async function forward(ctx: CallContext, owner: Upstream | undefined, params: Json, what: string, data?: Json): Promise<McpResult> {
    if (!owner) throw new WireError(ErrorCode.InvalidParams, what, data);
    ctx.state.set(UPSTREAM_NAME, owner.name);
    // A 2026-era caller's own call (not a task's) meets URL elicitations as rounds (url-rounds.ts).
    const rounds = ctx.era === 'modern' && !ctx.state.has(TASK_WORK);
    if (rounds) await resumeUrlRound(ctx, owner);
    try {
      if (!router) return await forwardTo(ctx, owner, owner, params, (send) => send());
      // The caller's own connection when the server is isolated, its credentials, headers and signed identity.
      const lease = await router.lease(owner, ctx, params);
      try {
        return await forwardTo(ctx, owner, lease.upstream, lease.params, lease.run);
      } finally {
        lease.release();
      }
    } catch (err) {
      // A URL elicitation the caller is sent to (-32042: the server's, or the gateway's OAuth for it) is theirs to hear the end of.
      inflight.failed(owner.name, err, ctx.state.get(INVOCATION)?.connection.completeElicitation);
      const round = rounds ? urlRounds.ask(roundOwner(ctx), owner.name, err) : undefined;
      if (!round) throw err;
      if (!allows(declaredBy(ctx), 'elicitation/create', URL_MODE)) throw missingCapability('elicitation/create', URL_MODE, true);
      return round;
    }
  }

  /** The caller's answers to a round of URL elicitations its last request ended with: its pages waited for (bounded). */
  async function resumeUrlRound(ctx: CallContext, owner: Upstream): Promise<void> {
    const mcpReq = ctx.state.get(INVOCATION)?.sctx.mcpReq;
    const state = mcpReq?.requestState<string>();
    if (!UrlRounds.owns(state)) return;
    // Another mcplex gateway upstream (gateways in a chain) names its own rounds the same way: one not held here is
    // the upstream's, when the upstream speaks the revision that has rounds; for a 2025-era one it can only be ours, expired.
    if (!urlRounds.holds(state) && speaksModern(owner)) return;
    const deadline = ctx.state.get(DEADLINE);
    // Half the call's time at most, so the call itself still has its own.
    await urlRounds.resume(state, roundOwner(ctx), mcpReq?.inputResponses as Json | undefined, deadline ? deadline.timeoutMs / 2 : Number.POSITIVE_INFINITY, deadline?.signal ?? ctx.signal);
    deadline?.extend();
    // What the upstream sees of this round: neither its requestState nor its answers, which were the gateway's.
    ctx.state.set(OWN_ROUND, true);
  }

  /**
   * Cancels `owner`'s task `taskId` that `ctx`'s caller polls (an operator's cancel, a reload that revoked access,
   * shutdown): on the connection their calls go on, leased again as a poll would be (their own instance when the
   * server is isolated: the shared connection does not know the task).
   */
  async function cancelFor(ctx: CallContext, owner: Upstream, taskId: string): Promise<void> {
    if (!router) return cancelUpstreamTask(owner, taskId);
    const lease = await router.lease(owner, ctx, { taskId }).catch(() => undefined);
    if (!lease) return;
    try {
      await lease.run(() => cancelUpstreamTask(lease.upstream, taskId));
    } finally {
      lease.release();
    }
  }

  /** `upstream` is the connection the call goes on: `owner`'s own, or the caller's instance of it (isolation). */
  async function forwardTo(ctx: CallContext, owner: Upstream, upstream: Upstream, params: Json, run: Send): Promise<McpResult> {
    // A task's call: the upstream's input goes to the task (asked as of a 2025-era caller), its progress too.
    const task = ctx.state.get(TASK_WORK);
    const caller = task ? { ...callerOf(ctx), bridge: task } : callerOf(ctx);
    if (!task && ctx.era === 'modern' && !speaksModern(upstream)) return bridged({ bridge, inflight }, ctx, upstream, params, caller, run);
    const { sctx } = caller;
    // The upstream's own tasks (upstream-tasks.ts): a caller that declared the extension gets them to poll itself. For
    // a 2025-era caller (whose protocol has no such tasks) or a task of the gateway's own, the gateway declares it
    // when the upstream asks for it (-32021) and awaits the task's end; a 2026-era caller that did not declare it
    // gets the -32021, as from the upstream itself.
    const modernUpstream = speaksModern(upstream);
    const callerPolls = !task && modernUpstream && ctx.era === 'modern' && (ctx.method === 'tools/call' || ctx.method.startsWith('tasks/')) && declaresTasks(caller.capabilities);
    let declareTasks = callerPolls;
    // The timeout stage's deadline governs (cancelling upstream when it expires); the upstream's own timer then
    // only backs it up, and progress extends the deadline.
    const deadline = ctx.state.get(DEADLINE);
    // The deadline's cancellation also follows the caller's (core/deadline.ts); no AbortSignal is made for it here.
    const signal = deadline ? deadline.cancel : ctx.signal;
    const timing = deadline && { timeoutMs: deadline.maxTotalMs + 1000 };
    // Progress goes on the caller's ordered relay chain (with relayed logs); the result waits for that chain,
    // since it ends the caller's response stream and anything sent after it is dropped.
    return inflight.around(upstream, caller, async (scope) => {
      const relay = progressRelay(ctx, sctx, scope, upstream.name, inflight);
      // Progress shows the upstream is alive: it extends the deadline (to its hard maximum). Only a caller that
      // asked for progress gets a token sent upstream; the gateway does not invent one (but asks for a task's).
      const onprogress =
        task?.progress ??
        (relay &&
          ((p: { progress: number; total?: number; message?: string }) => {
            deadline?.extend();
            relay(p);
          }));
      // An abandoned call keeps ownership of what the upstream sends until the upstream answers it (when that can
      // be seen: the raw stdio lane) or the grace period ends.
      let outgoing = outgoingParams(params, caller, ctx.era, upstream, declareTasks);
      // A task's call is named to a 2025-era upstream, so an mcplex one names it back when it asks for input.
      if (task && !modernUpstream) outgoing = { ...outgoing, _meta: { ...(outgoing._meta as Json | undefined), [CALL_META]: task.id } };
      // A tool a 2025-era upstream runs only as a task: called as one, its end awaited.
      const taskOnly = runsOnlyAsTask(owner, upstream, ctx, params.name);
      // A 2026-era caller's answers to the upstream's last round go on with this one.
      if (outgoing.inputResponses !== undefined) await inflight.checkAnswers(upstream, outgoing.inputResponses as Json);
      for (let round = 0; ; round++) {
        let result: Json;
        try {
          const sent = outgoing;
          result = await run(() => requestCall(ctx, upstream, sent, { signal, onLateAnswer: scope.answered, ...timing, ...(onprogress && { onprogress }) }, taskOnly));
        } catch (err) {
          if (gaveUp(err, signal, upstream)) scope.abandon();
          // A tool the upstream runs only as a task, refused before it ran: asked again as one, whose end is awaited.
          if (!declareTasks && modernUpstream && (ctx.era === 'legacy' || task) && ctx.method === 'tools/call' && needsTasks(err)) {
            declareTasks = true;
            outgoing = outgoingParams(params, caller, ctx.era, upstream, true);
            continue;
          }
          throw err;
        }
        if (result.resultType === 'task') {
          // Kept under the server, not the connection: each poll is leased again (the caller's own instance, its headers).
          if (callerPolls && ctx.method === 'tools/call') return tasks.adopt(ctx, owner, asOurs(result), (id) => cancelFor(ctx, owner, id));
          const io: TaskAwait = {
            send: (method, p) => run(() => upstream.request(method, taskRequestParams(p, caller), { signal, ...timing })),
            fulfil: (inputRequests) => {
              checkInputRequests({ inputRequests }, caller);
              return inflight.fulfil(upstream, caller, inputRequests);
            },
            signal,
            cancel: (taskId) => void cancelUpstreamTask(upstream, taskId),
          };
          return answerOf(ctx.method, upstream.name, await awaitUpstreamTask(result, io));
        }
        if (result.resultType !== 'input_required') return answerOf(ctx.method, upstream.name, result);
        // All or none: nobody is asked anything when one of the round's requests cannot be answered.
        checkInputRequests(result, caller);
        if (ctx.era === 'modern' && !task) return asOurs(result);
        if (round >= MAX_INPUT_ROUNDS) throw new WireError(ErrorCode.InternalError, `Server '${upstream.name}' asked for input more than ${MAX_INPUT_ROUNDS} times`);
        const inputResponses = await inflight.fulfil(upstream, caller, result.inputRequests as Json | undefined);
        outgoing = { ...outgoingParams(params, caller, ctx.era, upstream, declareTasks), inputResponses, ...(result.requestState !== undefined && { requestState: result.requestState }) };
      }
    });
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
        if (route) checkParamHeaders(ctx, route.inputSchema, params.arguments);
        const shaped = route?.override && { arguments: shapedArguments(params.arguments, route.override, ctx.target ?? '') };
        const outgoing = { ...params, name: route?.name, ...shaped };
        const spec = route && ctx.era === 'modern' ? tasks.mode(ctx, route.upstream.name, String(route.name), () => declaresTasks(declaredBy(ctx))) : undefined;
        if (route && spec) {
          // The request that made the task names its upstream (audit, metrics) as a forwarded call does.
          ctx.state.set(UPSTREAM_NAME, route.upstream.name);
          return tasks.start(ctx, route.upstream.name, spec, (bg) => forward(bg, route.upstream, outgoing, ''));
        }
        return forward(ctx, route?.upstream, outgoing, route ? '' : unknown(catalog, 'tool', ctx.target ?? ''));
      }
      case 'prompts/get': {
        const route = catalog.prompt(ctx.target ?? '');
        return forward(ctx, route?.upstream, { ...params, name: route?.name }, route ? '' : unknown(catalog, 'prompt', ctx.target ?? ''));
      }
      case 'resources/read':
        return forward(ctx, catalog.resourceOwner(ctx.target ?? ''), params, notFound(catalog, ctx.target ?? ''), { uri: ctx.target });
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
      case 'tasks/get':
      case 'tasks/update':
      case 'tasks/cancel': {
        // An upstream's task the gateway relays: asked of that upstream under its own id until it ended (then answered here).
        const relayed = declaresTasks(declaredBy(ctx)) ? tasks.relayedOf(ctx, params.taskId) : undefined;
        if (relayed && !TERMINAL_TASK_STATUSES.has(relayed.task.status)) {
          try {
            return tasks.relayed.answered(relayed.task, ctx.method, await forward(ctx, relayed.upstream, { ...params, taskId: relayed.upstreamTaskId }, ''));
          } catch (err) {
            if (!tasks.relayed.lost(relayed.task, ctx.method, err)) throw err;
          }
        }
        return answerTaskMethod(tasks.registry, ctx, declaredBy(ctx), params.inputResponses ?? ctx.state.get(INVOCATION)?.sctx.mcpReq.inputResponses);
      }
      default:
        throw new WireError(ErrorCode.MethodNotFound, `Method not found: ${ctx.method}`);
    }
  };
}

// The forwarder's bridged path: a 2026-era caller and an upstream that asks for input with real requests
// (elicitation, sampling, roots). Each of the caller's rounds ends with the upstream's result or with the input it
// waits for, the upstream call held in the input bridge between rounds.
import type { Json, Upstream } from '../client/upstream.js';
import { type CallContext, DEADLINE, type McpResult } from '../core/index.js';
import { answerOf, outgoingParams, progressRelay, requestCall, roundOwner, runsOnlyAsTask, type Send } from './forward-parts.js';
import { BRIDGE_STATE, BridgedCall, CALL_META, type InputBridge, type RoundOutcome } from './input-bridge.js';
import type { CallerSpec, InflightCalls } from './relay.js';

export interface BridgeDeps {
  bridge: InputBridge;
  inflight: InflightCalls;
}

/**
 * A 2026-era caller, an upstream that asks for input with real requests: each round ends with the upstream's
 * result or with the input it waits for, the call held in the bridge until the caller's next round answers it.
 */
export async function bridged(deps: BridgeDeps, ctx: CallContext, upstream: Upstream, params: Json, caller: CallerSpec, run: Send): Promise<McpResult> {
const { bridge, inflight } = deps;
  const { mcpReq } = caller.sctx;
  const owner = roundOwner(ctx);
  // A round the gateway answered itself (a URL to open) leaves nothing for the upstream.
  const state = caller.ownRound ? undefined : mcpReq.requestState<string>();
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
    call = new BridgedCall(owner, caller.ownRound ? undefined : mcpReq.inputResponses);
    const held = call;
    const base = outgoingParams(params, caller, ctx.era, upstream);
    const outgoing = { ...base, _meta: { ...(base._meta as Json | undefined), [CALL_META]: held.id } };
    const timing = deadline && { timeoutMs: deadline.maxTotalMs + 1000 };
    inflight
      .around(upstream, { ...caller, bridge: held }, (scope) => {
        const relay = progressRelay(ctx, caller.sctx, scope, upstream.name, inflight);
        // Progress extends the deadline of the round in progress (between rounds the call waits for a person).
        const onprogress =
          relay &&
          ((p: { progress: number; total?: number; message?: string }) => {
            held.extend?.();
            relay(p);
          });
        const taskOnly = runsOnlyAsTask(upstream, upstream, ctx, params.name);
        return run(() => requestCall(ctx, upstream, outgoing, { signal: held.abort.signal, onLateAnswer: scope.answered, ...timing, ...(onprogress && { onprogress }) }, taskOnly));
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
  if ('result' in outcome) return answerOf(ctx.method, upstream.name, outcome.result);
  if ('error' in outcome) throw outcome.error;
  return { resultType: 'input_required', inputRequests: outcome.inputRequests, requestState: bridge.hold(call) };
}

// A 2026-era caller's call to an upstream that asks for input with real requests (a 2025-era server): the
// upstream's requests are gathered into `input_required` rounds, and the call is held between rounds under a
// requestState the gateway mints, rotates every round and binds to the caller; answers resume the held requests.
import { randomBytes } from 'node:crypto';
import { inputResponse } from '@modelcontextprotocol/server';
import type { Json } from '../client/upstream.js';
import { ErrorCode, WireError } from '../core/index.js';
import { BRIDGE_STATE } from '../server/index.js';

/** Marks the requestStates the gateway mints (any other is the upstream's own, passed through; held-rounds.ts). */
export { BRIDGE_STATE };

/** How mcplex servers name an input request's key and round (see src/server/elicitation.ts INPUT_META). */
export const INPUT_META = 'io.mcplex/input';
/** Sent with the call; an mcplex upstream echoes it as `call` in INPUT_META, so its requests find their caller. */
export const CALL_META = 'io.mcplex/call';
const KIND_OF: Record<string, string> = { 'elicitation/create': 'elicit', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' };

interface Pending {
  key: string;
  method: string;
  params?: Json;
  resolve(answer: Json): void;
  reject(err: unknown): void;
}

/** What a round ends with: the upstream's answer, or the input it waits for. */
export type RoundOutcome = { result: Json } | { error: unknown } | { inputRequests: Record<string, { method: string; params?: Json }> };

/** One held call. */
export class BridgedCall {
  /** Names the call to an mcplex upstream (CALL_META), which names it back in its input requests. */
  readonly id = randomBytes(12).toString('base64url');
  readonly abort = new AbortController();
  token = '';
  /** Extends the deadline of the round in progress (set by each round; progress calls it). */
  extend: (() => void) | undefined;
  #pending: Pending[] = [];
  /** Answers this round brought that no request has claimed yet (a first call may carry answers up front). */
  #answers: Record<string, unknown>;
  #outcome: RoundOutcome | undefined;
  #wake: (() => void) | undefined;
  #seq = 0;
  /** The held requests make a round the caller should see (all of a named round came, or a turn passed). */
  #ready = false;
  #arrived = new Map<number, number>();
  #tick: NodeJS.Immediate | undefined;

  constructor(
    /** Who may resume it: principal, method and target. */
    readonly owner: string,
    answers: Record<string, unknown> | undefined,
  ) {
    this.#answers = { ...answers };
  }

  /** The upstream asks for input: answered from this round's answers, or held for the next round. */
  ask(method: string, params: Json | undefined): Promise<Json> {
    const place = (params?._meta as Json | undefined)?.[INPUT_META] as { key?: unknown; round?: unknown; of?: unknown } | undefined;
    const key = typeof place?.key === 'string' && place.key !== '' ? place.key : `input.${++this.#seq}`;
    const round = typeof place?.round === 'number' ? place.round : undefined;
    const of = typeof place?.of === 'number' ? place.of : 1;
    const arrived = round === undefined ? 1 : (this.#arrived.get(round) ?? 0) + 1;
    if (round !== undefined) this.#arrived.set(round, arrived);
    let given: Json | undefined;
    try {
      given = takeAnswer(this.#answers, key, method);
    } catch (err) {
      // A bad answer given up front ends the call: the caller hears why, the upstream's request is cancelled.
      this.settle({ error: err });
      this.cancel('The client sent an invalid input response');
      return Promise.reject(err);
    }
    const held = given
      ? Promise.resolve(given)
      : new Promise<Json>((resolve, reject) => {
          this.#pending.push({ key, method, ...(params && { params: withoutPlace(params) }), resolve, reject });
        });
    // A named round is complete when all its requests came; unnamed ones are gathered for one turn of the loop.
    if (arrived >= of) this.#roundReady();
    else if (round === undefined) this.#tick ??= setImmediate(() => this.#roundReady());
    return held;
  }

  /** The upstream answered the call. */
  settle(outcome: { result: Json } | { error: unknown }): void {
    this.#outcome = outcome;
    for (const p of this.#pending.splice(0)) p.reject(new Error('the call ended'));
    this.#wake?.();
  }

  /** The next round's answers: resume the held requests they answer; unknown keys are ignored. */
  answer(responses: Record<string, unknown> | undefined): void {
    this.#answers = { ...responses };
    const still: Pending[] = [];
    for (const p of this.#pending) {
      const given = takeAnswer(this.#answers, p.key, p.method);
      if (given) p.resolve(given);
      else still.push(p);
    }
    this.#pending = still;
    // Asked again for what this round's answers left out.
    if (still.length > 0) this.#ready = true;
  }

  /** Waits for what ends this round: a result, an error, or input the upstream waits for. */
  async next(signal: AbortSignal): Promise<RoundOutcome> {
    for (;;) {
      if (this.#outcome) return this.#outcome;
      if (this.#ready && this.#pending.length > 0) {
        this.#ready = false;
        return { inputRequests: Object.fromEntries(this.#pending.map((p) => [p.key, { method: p.method, ...(p.params && { params: p.params }) }])) };
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        this.#wake = () => {
          signal.removeEventListener('abort', onAbort);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }

  /** Ends the call: the upstream's request is cancelled and its held requests fail. */
  cancel(reason: string): void {
    this.abort.abort(new WireError(ErrorCode.InternalError, reason));
    for (const p of this.#pending.splice(0)) p.reject(new Error(reason));
  }

  #roundReady(): void {
    if (this.#tick) clearImmediate(this.#tick);
    this.#tick = undefined;
    this.#ready = true;
    this.#wake?.();
  }
}

/** The answer for `key` among `answers` (removed from them), checked to be of the request's kind. */
function takeAnswer(answers: Record<string, unknown>, key: string, method: string): Json | undefined {
  if (!Object.hasOwn(answers, key)) return undefined;
  const raw = answers[key];
  const view = inputResponse(answers, key);
  delete answers[key];
  const kind = KIND_OF[method];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || (kind && view.kind !== kind)) {
    throw new WireError(ErrorCode.InvalidParams, `Invalid inputResponses.${key}: it does not answer the ${method} request asked under that key`, {
      field: `inputResponses.${key}`,
    });
  }
  return raw as Json;
}

/** An upstream's input request as a 2026-era round carries it: without mcplex's place, and a URL elicitation without its 2025-era id. */
function withoutPlace(asked: Json): Json {
  const params = asked.mode === 'url' && 'elicitationId' in asked ? withoutKey(asked, 'elicitationId') : asked;
  const meta = params._meta as Json | undefined;
  if (!meta || !(INPUT_META in meta)) return params;
  const { [INPUT_META]: _drop, ...rest } = meta;
  const { _meta: _old, ...body } = params;
  return Object.keys(rest).length > 0 ? { ...body, _meta: rest } : body;
}

function withoutKey(o: Json, key: string): Json {
  const { [key]: _drop, ...rest } = o;
  return rest;
}

/** The calls held between rounds, by their current requestState; each expires when its caller does not come back. */
export class InputBridge {
  readonly #held = new Map<string, { call: BridgedCall; timer: NodeJS.Timeout }>();

  /** Told of each requestState a call is held under, and for how long (with `cluster:`, recorded for other replicas). */
  onHold: ((requestState: string, ttlMs: number) => void) | undefined;

  constructor(private readonly ttlMs = 600_000) {}

  /** Holds `call` until the caller's next round, under a fresh requestState (returned). */
  hold(call: BridgedCall): string {
    call.token = `${BRIDGE_STATE}${randomBytes(24).toString('base64url')}`;
    this.onHold?.(call.token, this.ttlMs);
    const timer = setTimeout(() => {
      this.#held.delete(call.token);
      call.cancel('The client did not answer the input request in time');
    }, this.ttlMs);
    timer.unref();
    this.#held.set(call.token, { call, timer });
    return call.token;
  }

  /** The held call `state` names, taken out of the bridge; refused when unknown, altered, expired or someone else's. */
  resume(state: string, owner: string): BridgedCall {
    const held = this.#held.get(state);
    if (!held || held.call.owner !== owner) {
      throw new WireError(ErrorCode.InvalidParams, 'Invalid requestState: it was altered, has expired, or belongs to another call');
    }
    this.#held.delete(state);
    clearTimeout(held.timer);
    return held.call;
  }

  /** Cancels every held call (gateway shutdown). */
  close(): void {
    for (const { call, timer } of this.#held.values()) {
      clearTimeout(timer);
      call.cancel('The gateway is shutting down');
    }
    this.#held.clear();
  }
}

// Server→client traffic from upstreams, delivered to the downstream caller whose call caused it.
// Correlation: the calls in flight to that upstream, when they all come from one client; otherwise refused.
import type { LoggingLevel, ServerContext } from '@modelcontextprotocol/server';
import { type Json, Passthrough, type Upstream } from '../client/upstream.js';
import { type Era, ErrorCode, WireError } from '../core/index.js';


interface Caller {
  sctx: ServerContext;
  era: Era;
  /** Notifications relayed to this caller, in order; the result waits for them (it ends the response stream). */
  relayed: Promise<void>;
}

/** Queues a notification to `caller` after everything relayed to it before (a failed send does not block later ones). */
function enqueue(caller: Caller, send: () => Promise<void>): void {
  caller.relayed = caller.relayed.then(send).catch(() => {});
}

export class InflightCalls {
  readonly #byUpstream = new Map<string, Set<Caller>>();

  /**
   * Registers a downstream call to `upstream` for the duration of `work`. `work` gets `relay`, which queues a
   * notification to this caller on the same ordered chain as relayed logs; the result waits for the chain.
   */
  async around<T>(upstream: Upstream, sctx: ServerContext, era: Era, work: (relay: (send: () => Promise<void>) => void) => Promise<T>): Promise<T> {
    const set = this.#byUpstream.get(upstream.name) ?? new Set();
    this.#byUpstream.set(upstream.name, set);
    const entry: Caller = { sctx, era, relayed: Promise.resolve() };
    set.add(entry);
    try {
      const result = await work((send) => enqueue(entry, send));
      await entry.relayed;
      return result;
    } finally {
      set.delete(entry);
    }
  }

  /**
   * The one client with calls in flight to `upstream` (its latest call), 'ambiguous' when several clients have,
   * undefined when none. The wire carries no link from an upstream's request to the call that caused it, so with
   * two clients a guess could show one user's prompt to another: we refuse instead.
   */
  #caller(upstream: Upstream): Caller | 'ambiguous' | undefined {
    const calls = [...(this.#byUpstream.get(upstream.name) ?? [])];
    const last = calls.at(-1);
    if (!last) return undefined;
    const sameClient = calls.every((c) => c === last || (c.sctx.sessionId !== undefined && c.sctx.sessionId === last.sctx.sessionId));
    return sameClient ? last : 'ambiguous';
  }

  /** Relays an upstream's elicitation/sampling/roots request to the caller; errors when nobody can answer. */
  async request(upstream: Upstream, req: { method: string; params?: Json }, signal: AbortSignal): Promise<Json> {
    const caller = this.#caller(upstream);
    if (!caller) throw new WireError(ErrorCode.InternalError, `No client call in progress to relay ${req.method} to`);
    if (caller === 'ambiguous') {
      throw new WireError(ErrorCode.InternalError, `${req.method} refused: several clients have calls in progress to this server, and it cannot be told which one asked`);
    }
    if (caller.era === 'modern') {
      throw new WireError(ErrorCode.InternalError, `${req.method} cannot be relayed: the calling client speaks 2026-07-28, which has no server-initiated requests`);
    }
    return caller.sctx.mcpReq.send({ method: req.method, ...(req.params && { params: req.params }) } as never, Passthrough, { signal, timeout: 600_000 }) as Promise<Json>;
  }

  /** Relays an upstream log message to the caller, filtered by the caller's own log level; false when nobody is calling. */
  log(upstream: Upstream, params: Json | undefined): boolean {
    const caller = this.#caller(upstream);
    if (!caller || caller === 'ambiguous' || !params) return false;
    const logger = typeof params.logger === 'string' ? params.logger : upstream.name;
    enqueue(caller, () => caller.sctx.mcpReq.log(params.level as LoggingLevel, params.data, logger));
    return true;
  }
}

/** Answers an upstream's 2026-era `input_required` on behalf of a 2025-era caller, with real requests to it. */
export async function fulfilInputRequests(sctx: ServerContext, inputRequests: Json | undefined): Promise<Json> {
  const responses: Json = {};
  for (const [key, request] of Object.entries(inputRequests ?? {})) {
    const { method, params } = request as { method: string; params?: Json };
    // Cancelled with the call that needs the answer; human-paced otherwise.
    responses[key] = await sctx.mcpReq.send({ method, ...(params && { params }) } as never, Passthrough, { signal: sctx.mcpReq.signal, timeout: 600_000 });
  }
  return responses;
}

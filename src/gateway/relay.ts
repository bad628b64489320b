// Server→client traffic from upstreams, delivered only to the downstream caller whose call caused it.
// The wire carries no link from an upstream's request to the call behind it, so the owner is inferred from the
// calls in flight to that upstream; when that is ambiguous the relay is refused, never guessed.
import type { LoggingLevel, ServerContext } from '@modelcontextprotocol/server';
import { type Json, Passthrough, type Upstream } from '../client/upstream.js';
import { type Era, ErrorCode, WireError } from '../core/index.js';

/** A downstream call in flight to an upstream. */
export interface CallerSpec {
  readonly sctx: ServerContext;
  readonly era: Era;
  /** Who the caller is: the same object for every call of one client connection (2025-era session, stdio). */
  readonly client: object;
}

interface Caller extends CallerSpec {
  /** Notifications relayed to this caller, in order; the result waits for them (it ends the response stream). */
  relayed: Promise<void>;
  /** The caller gave up (cancelled, timed out) while the upstream may still be working on its request. */
  abandoned: boolean;
}

/** What `around` gives the work it wraps. */
export interface CallScope {
  /** Queues a notification to this caller on its ordered relay chain. */
  relay(send: () => Promise<void>): void;
  /**
   * The caller gave up but the upstream may still act for it: it keeps ownership (so nothing of its call reaches
   * anyone else) until `answered()` is called or the grace period has passed.
   */
  abandon(): { answered(): void };
}

export interface RelayOptions {
  /** How long an abandoned call keeps ownership when the upstream never answers it; default 10 s. */
  abandonGraceMs?: number;
  /** What the gateway answers an upstream's `roots/list` that no caller can answer; default none. */
  roots?: readonly Json[];
}

/** Queues a notification to `caller` after everything relayed to it before (a failed send does not block later ones). */
function enqueue(caller: Caller, send: () => Promise<void>): void {
  caller.relayed = caller.relayed.then(send).catch(() => {});
}

export class InflightCalls {
  readonly #byUpstream = new Map<string, Set<Caller>>();
  readonly #graceMs: number;
  readonly #roots: readonly Json[];

  constructor(opts: RelayOptions = {}) {
    this.#graceMs = opts.abandonGraceMs ?? 10_000;
    this.#roots = opts.roots ?? [];
  }

  /** Registers a downstream call to `upstream` for the duration of `work` (longer, if the work abandons it). */
  async around<T>(upstream: Upstream, spec: CallerSpec, work: (scope: CallScope) => Promise<T>): Promise<T> {
    const set = this.#byUpstream.get(upstream.name) ?? new Set();
    this.#byUpstream.set(upstream.name, set);
    const entry: Caller = { ...spec, relayed: Promise.resolve(), abandoned: false };
    set.add(entry);
    const forget = () => {
      set.delete(entry);
      if (set.size === 0 && this.#byUpstream.get(upstream.name) === set) this.#byUpstream.delete(upstream.name);
    };
    const scope: CallScope = {
      relay: (send) => enqueue(entry, send),
      abandon: () => {
        entry.abandoned = true;
        const timer = setTimeout(forget, this.#graceMs);
        timer.unref();
        return {
          answered: () => {
            clearTimeout(timer);
            forget();
          },
        };
      },
    };
    try {
      const result = await work(scope);
      await entry.relayed;
      return result;
    } finally {
      if (!entry.abandoned) forget();
    }
  }

  /**
   * The caller that owns what `upstream` sends now: the latest live call, when every call in flight to that
   * upstream (abandoned ones included) comes from one client; 'ambiguous' when they come from several or only
   * abandoned calls remain; undefined when there are none.
   */
  #owner(upstream: Upstream): Caller | 'ambiguous' | undefined {
    const calls = this.#byUpstream.get(upstream.name);
    if (!calls || calls.size === 0) return undefined;
    let owner: Caller | undefined;
    let client: object | undefined;
    for (const c of calls) {
      if (client !== undefined && c.client !== client) return 'ambiguous';
      client = c.client;
      if (!c.abandoned) owner = c;
    }
    return owner ?? 'ambiguous';
  }

  /** Relays an upstream's elicitation/sampling/roots request to its caller; errors when nobody can answer. */
  async request(upstream: Upstream, req: { method: string; params?: Json }, signal: AbortSignal): Promise<Json> {
    const owner = this.#owner(upstream);
    if (req.method === 'roots/list' && (owner === undefined || (owner !== 'ambiguous' && owner.era === 'modern'))) return { roots: [...this.#roots] };
    if (!owner) throw new WireError(ErrorCode.InternalError, `No client call in progress to relay ${req.method} to`);
    if (owner === 'ambiguous') {
      throw new WireError(
        ErrorCode.InternalError,
        `${req.method} refused: it cannot be told which client's call it belongs to (several clients have calls in progress to this server, or the call was cancelled)`,
      );
    }
    if (owner.era === 'modern') {
      throw new WireError(ErrorCode.InternalError, `${req.method} cannot be relayed: the calling client speaks 2026-07-28, which has no server-initiated requests`);
    }
    return owner.sctx.mcpReq.send({ method: req.method, ...(req.params && { params: req.params }) } as never, Passthrough, { signal, timeout: 600_000 }) as Promise<Json>;
  }

  /** Relays an upstream log message to its caller, filtered by the caller's own log level; false when dropped. */
  log(upstream: Upstream, params: Json | undefined): boolean {
    const owner = this.#owner(upstream);
    if (!owner || owner === 'ambiguous' || !params) return false;
    const logger = typeof params.logger === 'string' ? params.logger : upstream.name;
    enqueue(owner, () => owner.sctx.mcpReq.log(params.level as LoggingLevel, params.data, logger));
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

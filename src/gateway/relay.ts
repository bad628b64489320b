// Server→client traffic from upstreams, delivered only to the downstream caller whose call caused it.
// The wire carries no link from an upstream's request to the call behind it, so the owner is inferred from the
// calls in flight to that upstream; when that is ambiguous the relay is refused, never guessed.
import { randomUUID } from 'node:crypto';
import type { LoggingLevel, ServerContext } from '@modelcontextprotocol/server';
import { type Json, Passthrough, type Upstream } from '../client/upstream.js';
import { type Era, ErrorCode, type Principal, WireError } from '../core/index.js';
import { allows, isInputRequest, missingCapability } from './caller-capabilities.js';
import { type RelayReport, reporting } from './relay-report.js';
import type { ClientCapabilities } from '@modelcontextprotocol/server';
import { INPUT_META } from './input-bridge.js';
import type { RelayedAsk, RelaySend } from '../middleware/secret-scan.js';
import type { CompletionNotifier, UrlElicitations } from './url-elicitations.js';

/** Takes an upstream's request for input and answers it; `id` names a call an mcplex upstream names back. */
export interface InputAsker {
  readonly id?: string;
  ask(method: string, params: Json | undefined): Promise<Json>;
}

/** A downstream call in flight to an upstream. */
export interface CallerSpec {
  readonly sctx: ServerContext;
  readonly era: Era;
  /** Who the caller is: the same object for every call of one client connection (2025-era session, stdio). */
  readonly client: object;
  /** What the calling client declared it can answer (elicitation, sampling, roots). */
  readonly capabilities: ClientCapabilities;
  /**
   * Where the upstream's requests for input go instead of the caller's connection: a 2026-era caller's call held
   * across input rounds (input-bridge.ts), or the task a call runs for (gateway-tasks.ts).
   */
  readonly bridge?: InputAsker;
  /** Who is calling, and from where (the audit record of what is relayed to them names them). */
  readonly principal?: Principal;
  readonly address?: string;
  /** Tells the caller a URL elicitation it was given is done (2025-era connections; see url-elicitations.ts). */
  readonly completeElicitation?: CompletionNotifier | undefined;
  /** The caller's round (requestState, answers) was the gateway's own: none of it goes upstream (url-rounds.ts). */
  readonly ownRound?: boolean;
}

/** A call in flight as the relay tracks it; it is also the scope the forwarded work gets (see CallScope). */
class Caller implements CallScope {
  /** Notifications relayed to this caller, in order; the result waits for them (it ends the response stream). */
  relayed: Promise<void> = Promise.resolve();
  /** The caller gave up (cancelled, timed out) while the upstream may still be working on its request. */
  abandoned = false;
  #grace: NodeJS.Timeout | undefined;

  constructor(
    readonly sctx: ServerContext,
    readonly era: Era,
    readonly client: object,
    readonly capabilities: ClientCapabilities,
    readonly principal: Principal | undefined,
    readonly address: string | undefined,
    private readonly calls: Set<Caller>,
    private readonly graceMs: number,
    readonly bridge: InputAsker | undefined,
    readonly completeElicitation: CompletionNotifier | undefined,
  ) {}

  relay(send: () => Promise<void>): void {
    this.relayed = this.relayed.then(send).catch(() => {});
  }

  abandon(): void {
    this.abandoned = true;
    this.#grace = setTimeout(() => this.forget(), this.graceMs);
    this.#grace.unref();
  }

  /** The upstream answered after all: an abandoned call's ownership ends now. */
  readonly answered = (): void => {
    if (this.abandoned) this.forget();
  };

  forget(): void {
    clearTimeout(this.#grace);
    this.calls.delete(this);
  }
}

/** What `around` gives the work it wraps. */
export interface CallScope {
  /** Queues a notification to this caller on its ordered relay chain (a failed send does not block later ones). */
  relay(send: () => Promise<void>): void;
  /**
   * The caller gave up but the upstream may still act for it: it keeps ownership (so nothing of its call reaches
   * anyone else) until `answered` is called or the grace period has passed.
   */
  abandon(): void;
  /** Tells an abandoned call that the upstream has answered it (a no-op otherwise); safe to pass around unbound. */
  readonly answered: () => void;
}

export interface RelayOptions {
  /** How long an abandoned call keeps ownership when the upstream never answers it; default 10 s. */
  abandonGraceMs?: number;
  /** What the gateway answers an upstream's `roots/list` that no caller can answer; default none. */
  roots?: readonly Json[];
  /** Told how every server→client request the relay handled ended: the audit log's hook. */
  onRelayed?: RelayReport;
  /** Where URL elicitations relayed to callers are recorded, so their completion reaches them. */
  elicitations?: UrlElicitations;
}

/** Sees what upstreams ask of callers and what callers answer before the other side gets it (the secret scan). */
export interface RelayGuard {
  /** A relayed request: sent on by `send`, with the params it should carry; its answer returned. */
  ask(ask: RelayedAsk, send: RelaySend): Promise<Json>;
  /** A 2026-era caller's answers to a 2026-era upstream's input_required round, before they go with the retry. */
  answers(upstream: string, responses: Json): Promise<void>;
  /** A log message or progress note an upstream sends its caller, as it goes on (hidden text taken out). */
  notice(upstream: string, method: string, params: Json): Json;
}

export class InflightCalls {
  readonly #byUpstream = new Map<string, Set<Caller>>();
  /** Bridged calls by id: an mcplex upstream names the call its input request is for (see input-bridge.ts). */
  readonly #bridged = new Map<string, Caller>();
  readonly #graceMs: number;
  readonly #roots: readonly Json[];
  readonly #onRelayed: RelayReport | undefined;
  readonly #elicitations: UrlElicitations | undefined;
  /** Set by the pipeline that scans relayed requests (the gateway's secret scan). */
  guard: RelayGuard | undefined;

  constructor(opts: RelayOptions = {}) {
    this.#graceMs = opts.abandonGraceMs ?? 10_000;
    this.#roots = opts.roots ?? [];
    this.#onRelayed = opts.onRelayed;
    this.#elicitations = opts.elicitations;
  }

  /** Registers a downstream call to `upstream` for the duration of `work` (longer, if the work abandons it). */
  async around<T>(upstream: Upstream, spec: CallerSpec, work: (scope: CallScope) => Promise<T>): Promise<T> {
    let calls = this.#byUpstream.get(upstream.name);
    if (!calls) {
      calls = new Set();
      this.#byUpstream.set(upstream.name, calls);
    }
    const entry = new Caller(spec.sctx, spec.era, spec.client, spec.capabilities, spec.principal, spec.address, calls, this.#graceMs, spec.bridge, spec.completeElicitation);
    calls.add(entry);
    if (spec.bridge?.id) this.#bridged.set(spec.bridge.id, entry);
    try {
      const result = await work(entry);
      await entry.relayed;
      return result;
    } finally {
      if (spec.bridge?.id) this.#bridged.delete(spec.bridge.id);
      if (!entry.abandoned) entry.forget();
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

  /** A log message or progress note from `upstream` as its caller gets it (the guard's, when one is set). */
  notice(upstream: string, method: string, params: Json): Json {
    return this.guard ? this.guard.notice(upstream, method, params) : params;
  }

  /** Relays an upstream's elicitation/sampling/roots request to its caller; errors when nobody can answer. */
  request(upstream: Upstream, req: { method: string; params?: Json }, signal: AbortSignal): Promise<Json> {
    // An mcplex upstream names the bridged call its request is for (see input-bridge.ts); others are inferred.
    const named = ((req.params?._meta as Json | undefined)?.[INPUT_META] as Json | undefined)?.call;
    const owner = (typeof named === 'string' && this.#bridged.get(named)) || this.#owner(upstream);
    const principal = typeof owner === 'object' ? owner.principal : undefined;
    const client = typeof owner === 'object' ? owner.address : undefined;
    const what = { upstream: upstream.name, method: req.method, params: req.params, ...(principal && { principal }), ...(client !== undefined && { client }) };
    return reporting(this.#onRelayed, what, () => this.#guarded(upstream, req, (params) => this.#request(upstream.name, owner, { method: req.method, ...(params && { params }) }, signal)));
  }

  #guarded(upstream: Upstream, req: { method: string; params?: Json }, send: RelaySend): Promise<Json> {
    return this.guard ? this.guard.ask({ upstream: upstream.name, ...req }, send) : send(req.params);
  }

  /** A call to `upstream` failed with `err`: a -32042's URL elicitations went to the caller behind `notify`. */
  failed(upstream: string, err: unknown, notify: CompletionNotifier | undefined): void {
    this.#elicitations?.failed(upstream, err, notify);
  }

  /** Checks a 2026-era caller's answers before they go on to `upstream` (throws to refuse them). */
  async checkAnswers(upstream: Upstream, responses: Json): Promise<void> {
    if (this.guard) await this.guard.answers(upstream.name, responses);
  }

  async #request(upstream: string, owner: Caller | 'ambiguous' | undefined, req: { method: string; params?: Json }, signal: AbortSignal): Promise<Json> {
    if (owner !== undefined && owner !== 'ambiguous' && owner.bridge) {
      // A 2026-era caller answers in its next round; what it did not declare it cannot be asked, nor what is no input
      // request of its revision (a method of the server's own).
      if (!isInputRequest(req.method)) throw new WireError(ErrorCode.MethodNotFound, `${req.method} cannot be relayed: the calling client speaks 2026-07-28, whose servers ask only for elicitation, sampling and roots`);
      if (allows(owner.capabilities, req.method, req.params)) return owner.bridge.ask(req.method, req.params);
      if (req.method === 'roots/list') return { roots: [...this.#roots] };
      throw missingCapability(req.method, req.params, true);
    }
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
    // Never asked of a caller that did not declare it can answer (elicitation, its mode, sampling, roots).
    if (!allows(owner.capabilities, req.method, req.params)) throw missingCapability(req.method, req.params, false);
    if (req.method === 'elicitation/create') this.#elicitations?.asked(upstream, req.params, owner.completeElicitation);
    return owner.sctx.mcpReq.send({ method: req.method, ...(req.params && { params: req.params }) } as never, Passthrough, { signal, timeout: 600_000 }) as Promise<Json>;
  }

  /** `fulfilInputRequests` for `caller`'s call to `upstream`, each request reported like a relayed one. */
  fulfil(upstream: Upstream, caller: CallerSpec, inputRequests: Json | undefined): Promise<Json> {
    const who = { upstream: upstream.name, ...(caller.principal && { principal: caller.principal }), ...(caller.address !== undefined && { client: caller.address }) };
    return fulfilInputRequests(caller.sctx, inputRequests, (req, send) => reporting(this.#onRelayed, { ...who, ...req }, () => this.#guarded(upstream, req, send)), caller.bridge);
  }

  /** Relays an upstream log message to its caller, filtered by the caller's own log level; false when dropped. */
  log(upstream: Upstream, params: Json | undefined): boolean {
    const owner = this.#owner(upstream);
    if (!owner || owner === 'ambiguous' || !params) return false;
    const sent = this.notice(upstream.name, 'notifications/message', params);
    const logger = typeof sent.logger === 'string' ? sent.logger : upstream.name;
    owner.relay(() => owner.sctx.mcpReq.log(sent.level as LoggingLevel, sent.data, logger));
    return true;
  }
}

/** Answers an upstream's 2026-era `input_required` on behalf of a 2025-era caller, with real requests to it. */
export async function fulfilInputRequests(
  sctx: ServerContext,
  inputRequests: Json | undefined,
  around: (req: { method: string; params?: Json }, send: RelaySend) => Promise<Json> = (req, send) => send(req.params),
  /** Asked instead of the caller's connection (a task's input). */
  asker?: InputAsker,
): Promise<Json> {
  const responses: Json = {};
  for (const [key, { method, params: asked }] of Object.entries(inputRequests ?? {}) as [string, { method: string; params?: Json }][]) {
    // A 2026-era URL elicitation has no id; the 2025-era request the caller gets must have one.
    const params = !asker && method === 'elicitation/create' && asked?.mode === 'url' && asked.elicitationId === undefined ? { ...asked, elicitationId: randomUUID() } : asked;
    // Cancelled with the call that needs the answer; human-paced otherwise.
    const send = asker ? (sent: Json | undefined) => asker.ask(method, sent) : (sent: Json | undefined) => sctx.mcpReq.send({ method, ...(sent && { params: sent }) } as never, Passthrough, { signal: sctx.mcpReq.signal, timeout: 600_000 }) as Promise<Json>;
    responses[key] = await around({ method, params }, send);
  }
  return responses;
}

// One 2025-era Streamable HTTP session, served straight on node's request/response: a request's answer is one
// JSON body, upgraded to SSE only when the handler sends related messages first. No web Request/Response.
// Bounded: requests in flight, bytes queued for a stream the client does not read, and the standalone backlog.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo, JSONRPCMessage, MessageExtraInfo, RequestId, Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import { ErrorCode, type Logger, silentLogger } from '../../core/index.js';
import { isResponseShape } from '../../wire/json-rpc-shape.js';
import { type AnswerStatusOf, Exchange, SSE_HEADERS, type StreamLimits, sseFrame, writeBounded } from './exchange.js';
import { type Answer, sortPosted } from './posted-messages.js';
import { requestInfo } from './request-info.js';

/** The answer to requests still in flight when their session closes (its client's DELETE, an administrator, shutdown). */
const SESSION_CLOSED = 'Session closed before this request was answered; send initialize to start a new one';
/** Messages kept for a standalone stream the client has not opened yet (it usually opens right after initialize). */
const BACKLOG = 100;
/** How long an SSE answer whose client went away waits for it to reconnect (Last-Event-ID), and what it keeps. */
const RESUME_MS = 5 * 60_000;
const DELIVERED_KEEP_MS = 10_000;
const MAX_KEPT_STREAMS = 32;
const RESUMABLE = { retryMs: 1000, maxReplayBytes: 1024 * 1024 };

export interface SessionTransportOptions {
  /**
   * Keep-alive comments on the standalone stream and on streamed answers; an answer still silent after one to two of
   * these becomes a resumable stream. Default 15 s.
   */
  keepAliveMs?: number;
  /** Requests in flight at once (each request of a batch counts); default 128. */
  maxInflight?: number;
  /** Bytes queued for one stream (and for the backlog); default 8 MiB. */
  maxBufferedBytes?: number;
  /** An error answer's own HTTP status, when it alone is its response's (see AnswerStatusOf). */
  answerStatus?: AnswerStatusOf;
  log?: Logger;
}

/** An answer that replaces the one the server sent (e.g. the session refuses to open after all). */
export interface AnswerOverride {
  readonly message: JSONRPCMessage & { id: RequestId };
  readonly status: number;
}


export class NodeSessionTransport implements Transport {
  readonly sessionId = randomUUID();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  /** Sees each answer before it is written and may replace it. */
  onanswer?: (message: Answer) => AnswerOverride | undefined;
  readonly #exchanges = new Map<RequestId, Exchange>();
  /** Resumable SSE answers by stream id: open ones, and those whose client went away (until it comes back or they expire). */
  readonly #streams = new Map<string, Exchange>();
  /** When each of those whose client went away is forgotten (in the order they were left). */
  readonly #expiry = new Map<string, NodeJS.Timeout>();
  #standalone: { res: ServerResponse; timer: NodeJS.Timeout } | undefined;
  /** Ticks the answers owed (Exchange.tick) while there are any. */
  #ticker: NodeJS.Timeout | undefined;
  readonly #backlog: { frame: string; bytes: number }[] = [];
  #backlogBytes = 0;
  #closed = false;
  #lastActive = 0;
  readonly #keepAliveMs: number;
  readonly #maxInflight: number;
  readonly #limits: StreamLimits;
  readonly #answerStatus: AnswerStatusOf | undefined;

  constructor(o: SessionTransportOptions = {}) {
    this.#answerStatus = o.answerStatus;
    this.#keepAliveMs = o.keepAliveMs ?? 15_000;
    this.#maxInflight = o.maxInflight ?? 128;
    const log = (o.log ?? silentLogger).child({ session: this.sessionId });
    this.#limits = { maxBufferedBytes: o.maxBufferedBytes ?? 8 * 1024 * 1024, log };
  }

  async start(): Promise<void> {}

  get closed(): boolean {
    return this.#closed;
  }

  /** A request or the standalone stream is open: the session is in use and is never evicted. */
  get busy(): boolean {
    return this.#standalone !== undefined || this.#exchanges.size > 0;
  }

  /** Requests being answered now. */
  get inFlight(): number {
    return this.#exchanges.size;
  }

  /** The standalone (GET) stream is open: the client listens for what the server sends on its own. */
  get listening(): boolean {
    return this.#standalone !== undefined;
  }

  /** Now while a request or the standalone stream is open; otherwise when the last of them ended (0: never). */
  get lastActive(): number {
    return this.busy ? Date.now() : this.#lastActive;
  }

  /**
   * Serves a POST whose body was already validated as JSON-RPC messages. A request whose id is already in flight
   * (in this POST or an earlier one) is refused, as are all of a POST's requests when they would pass the cap.
   */
  post(req: IncomingMessage, res: ServerResponse, messages: JSONRPCMessage[], batch: boolean): void {
    const { deliver, fresh, refused, cancelled } = sortPosted(messages, this.#exchanges, this.#maxInflight);
    for (const id of cancelled) this.#cancelled(id);
    const extra: MessageExtraInfo = { request: requestInfo(req), authInfo: (req as { auth?: AuthInfo }).auth };
    if (fresh.size === 0 && refused.length === 0) {
      res.writeHead(202, { 'mcp-session-id': this.sessionId }).end();
    } else {
      const exchange = new Exchange(res, fresh, batch, { 'mcp-session-id': this.sessionId }, this.#limits, RESUMABLE);
      for (const id of fresh) this.#exchanges.set(id, exchange);
      this.#whenGone(exchange, res);
      for (const r of refused) exchange.add(r);
      exchange.finish();
      // A handler may end its response early (ctx.http.closeSSE); the client comes back with Last-Event-ID.
      if (fresh.size > 0) extra.closeSSEStream = () => exchange.cut();
      this.#ticker ??= setInterval(() => this.#tick(), this.#keepAliveMs).unref();
    }
    for (const m of deliver) this.onmessage?.(m, extra);
  }

  /**
   * When `res` closes: an SSE answer (numbered events) is kept for its client to come back for (`resume`): for a
   * while when answers were still owed, briefly when it seemed to get them all (its last events may not have reached
   * it); anything else is forgotten at once, answers still owed dropped.
   */
  #whenGone(exchange: Exchange, res: ServerResponse): void {
    res.once('close', () => {
      this.#lastActive = Date.now();
      // A reconnection took over.
      if (exchange.res !== res) return;
      const id = exchange.streamId;
      if (id === undefined) {
        this.#forget(exchange);
        return;
      }
      const delivered = exchange.done && res.writableFinished && !exchange.cutByServer;
      exchange.detach();
      this.#streams.set(id, exchange);
      clearTimeout(this.#expiry.get(id));
      // Re-inserted: the map's order is the order they were left in, and the oldest go first when too many are kept.
      this.#expiry.delete(id);
      this.#expiry.set(id, setTimeout(() => this.#forget(exchange), delivered ? DELIVERED_KEEP_MS : RESUME_MS).unref());
      if (this.#expiry.size > MAX_KEPT_STREAMS) this.#forget(this.#streams.get(this.#expiry.keys().next().value!)!);
    });
  }

  /**
   * The client cancelled request `id`, which the server will not answer: a streamed answer kept for it stops waiting
   * for it (and is ended, or forgotten when its client is away, once it waits for nothing else).
   */
  #cancelled(id: RequestId): void {
    const exchange = this.#exchanges.get(id);
    if (exchange?.streamId === undefined) return;
    this.#exchanges.delete(id);
    exchange.pending.delete(id);
    if (!exchange.done) return;
    if (exchange.res) exchange.res.end();
    else this.#forget(exchange);
  }

  /** Keep-alive for the answers owed (see Exchange.tick); stops when none is. */
  #tick(): void {
    const owed = new Set(this.#exchanges.values());
    if (owed.size === 0) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
    for (const exchange of owed) exchange.tick();
  }

  #forget(exchange: Exchange): void {
    for (const id of exchange.pending) if (this.#exchanges.get(id) === exchange) this.#exchanges.delete(id);
    const id = exchange.streamId;
    if (id === undefined) return;
    this.#streams.delete(id);
    clearTimeout(this.#expiry.get(id));
    this.#expiry.delete(id);
  }

  /**
   * A client back for an SSE answer it was cut off from (GET with Last-Event-ID `<stream>:<n>`): what it missed, then
   * the rest as it comes. False when this session holds no such stream (or no longer all it missed).
   */
  resume(res: ServerResponse, lastEventId: string): boolean {
    const at = lastEventId.lastIndexOf(':');
    const exchange = at > 0 ? this.#streams.get(lastEventId.slice(0, at)) : undefined;
    if (!exchange?.resume(res, Number(lastEventId.slice(at + 1)))) return false;
    clearTimeout(this.#expiry.get(exchange.streamId!));
    this.#expiry.delete(exchange.streamId!);
    if (exchange.done) this.#forget(exchange);
    else this.#whenGone(exchange, res);
    return true;
  }

  /** The standalone SSE stream for messages not tied to a request; false when one is already open. */
  listen(res: ServerResponse): boolean {
    if (this.#standalone) return false;
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    res.flushHeaders();
    for (const m of this.#backlog.splice(0)) res.write(m.frame);
    this.#backlogBytes = 0;
    const timer = setInterval(() => this.#toStandalone(res, ': keep-alive\n\n'), this.#keepAliveMs);
    timer.unref();
    this.#standalone = { res, timer };
    res.once('close', () => {
      this.#lastActive = Date.now();
      clearInterval(timer);
      if (this.#standalone?.res === res) this.#standalone = undefined;
    });
    return true;
  }

  #toStandalone(res: ServerResponse, frame: string): void {
    writeBounded(res, frame, this.#limits, { stream: 'standalone' });
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.#closed) return;
    if (isResponseShape(message)) {
      const id = message.id;
      const exchange = this.#exchanges.get(id);
      this.#exchanges.delete(id);
      const override = this.onanswer?.(message);
      const own = !override && exchange?.res && !exchange.batch && 'error' in message ? this.#answerStatus?.(exchange.res.req, message) : undefined;
      exchange?.respond(id, override?.message ?? message, override?.status ?? own?.status, own?.headers);
      return;
    }
    const related = options?.relatedRequestId !== undefined ? this.#exchanges.get(options.relatedRequestId) : undefined;
    if (related) {
      related.event(message);
      // A resumable stream from its first event on: a client cut off at once can come back for it.
      if (related.streamId !== undefined) this.#streams.set(related.streamId, related);
      return;
    }
    const frame = sseFrame(message, this.#limits.log);
    if (this.#standalone) return this.#toStandalone(this.#standalone.res, frame);
    // Kept for a stream not open yet: the newest messages, within the count and the byte cap.
    const bytes = Buffer.byteLength(frame);
    this.#backlog.push({ frame, bytes });
    this.#backlogBytes += bytes;
    while (this.#backlog.length > BACKLOG || (this.#backlogBytes > this.#limits.maxBufferedBytes && this.#backlog.length > 0)) {
      this.#backlogBytes -= this.#backlog.shift()!.bytes;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ticker);
    // Requests still owed an answer get one (an empty response would leave their client guessing): the session ended.
    for (const [id, exchange] of [...this.#exchanges]) exchange.respond(id, { jsonrpc: '2.0', id, error: { code: ErrorCode.SessionNotFound, message: SESSION_CLOSED } });
    for (const exchange of new Set(this.#exchanges.values())) exchange.res?.end();
    this.#exchanges.clear();
    for (const timer of this.#expiry.values()) clearTimeout(timer);
    this.#streams.clear();
    this.#expiry.clear();
    if (this.#standalone) {
      clearInterval(this.#standalone.timer);
      this.#standalone.res.end();
      this.#standalone = undefined;
    }
    this.onclose?.();
  }
}

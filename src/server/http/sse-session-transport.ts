// One session of the legacy HTTP+SSE transport (protocol 2024-11-05), for clients that speak nothing newer: the
// client holds one SSE stream (GET), told first where to POST its messages (the `endpoint` event); each POST is
// answered 202 at once, and everything the server sends, answers included, goes down that stream. The session lives
// as long as the stream: there is no resuming it. Bounded as a Streamable HTTP session is (requests in flight, bytes
// queued for a client that does not read).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo, JSONRPCMessage, MessageExtraInfo, RequestId, Transport } from '@modelcontextprotocol/server';
import type { Logger } from '../../core/index.js';
import { isResponseShape } from '../../wire/json-rpc-shape.js';
import { encodeAnswer, SSE_HEADERS, type StreamLimits, sseFrame, writeBounded } from './exchange.js';
import { type Answer, sortPosted } from './posted-messages.js';
import { requestInfo } from './request-info.js';
import type { AnswerOverride } from './session-transport.js';

export interface SseSessionOptions {
  /** Where the client POSTs its messages (a path; `?sessionId=<id>` is added). */
  messagesPath: string;
  /** A comment this often on the stream, so a proxy that cuts idle connections does not. */
  keepAliveMs: number;
  /** Requests in flight at once. */
  maxInflight: number;
  /** Bytes queued for a client that does not read its stream; past it the stream (and the session) is closed. */
  maxBufferedBytes: number;
  log: Logger;
  /** Told when a request starts (+1) and when it is answered, cancelled or dropped with the session (-1). */
  onBusy?: (delta: number) => void;
}

export class SseSessionTransport implements Transport {
  readonly sessionId = randomUUID();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  /** Sees each answer before it is written and may replace it. */
  onanswer?: (message: Answer) => AnswerOverride | undefined;
  /** The requests being answered now. */
  readonly #inFlight = new Set<RequestId>();
  readonly #limits: StreamLimits;
  readonly #timer: NodeJS.Timeout;
  #closed = false;
  #lastActive = Date.now();

  /** Opens the stream on `res` (the client's GET); `announce` then tells the client where to POST. */
  constructor(
    private readonly res: ServerResponse,
    private readonly o: SseSessionOptions,
  ) {
    this.#limits = { maxBufferedBytes: o.maxBufferedBytes, log: o.log.child({ session: this.sessionId }) };
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    this.#timer = setInterval(() => this.#write(': keep-alive\n\n'), o.keepAliveMs).unref();
    res.once('close', () => void this.close());
  }

  async start(): Promise<void> {}

  /** The `endpoint` event: the URL the client POSTs its messages to (relative to the stream's origin). */
  announce(): void {
    // Its id is the session's: an EventSource that reconnects by itself names it in Last-Event-ID.
    this.#write(`id: ${this.sessionId}\nevent: endpoint\ndata: ${this.o.messagesPath}?sessionId=${this.sessionId}\n\n`);
  }

  /** The stream is open: the session is in use and is never evicted or idle. */
  get busy(): boolean {
    return !this.#closed;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Its client always listens: its one stream carries everything. */
  get listening(): boolean {
    return !this.#closed;
  }

  get lastActive(): number {
    return this.#closed ? this.#lastActive : Date.now();
  }

  /**
   * A POST of messages already validated as JSON-RPC: answered 202 at once; refused requests (and `refusedBefore`, the
   * answers to requests the caller refused) are answered on the stream.
   */
  post(req: IncomingMessage, res: ServerResponse, messages: JSONRPCMessage[], refusedBefore: Answer[] = []): void {
    const { deliver, fresh, refused, cancelled } = sortPosted(messages, this.#inFlight, this.o.maxInflight);
    refused.unshift(...refusedBefore);
    // The server does not answer a cancelled request.
    for (const id of cancelled) this.#settle(id);
    for (const id of fresh) this.#inFlight.add(id);
    if (fresh.size > 0) this.o.onBusy?.(fresh.size);
    res.writeHead(202, { 'content-type': 'text/plain' }).end('Accepted');
    for (const r of refused) this.#write(`event: message\ndata: ${encodeAnswer(r, this.#limits.log)}\n\n`);
    const extra: MessageExtraInfo = { request: requestInfo(req), authInfo: (req as { auth?: AuthInfo }).auth };
    for (const m of deliver) this.onmessage?.(m, extra);
  }

  #settle(id: RequestId): void {
    if (this.#inFlight.delete(id)) this.o.onBusy?.(-1);
  }

  #write(frame: string): void {
    if (!this.#closed) writeBounded(this.res, frame, this.#limits, { session: this.sessionId, transport: 'sse' });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return;
    if (isResponseShape(message)) {
      this.#settle(message.id);
      const answer = this.onanswer?.(message)?.message ?? message;
      return this.#write(`event: message\ndata: ${encodeAnswer(answer, this.#limits.log)}\n\n`);
    }
    this.#write(sseFrame(message, this.#limits.log));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lastActive = Date.now();
    clearInterval(this.#timer);
    if (this.#inFlight.size > 0) this.o.onBusy?.(-this.#inFlight.size);
    this.#inFlight.clear();
    this.res.end();
    this.onclose?.();
  }
}

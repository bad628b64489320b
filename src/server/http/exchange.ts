// The answer to one POST that carried requests, written on node's response: one JSON body when the answers are
// all there is, or an SSE stream once a related message (progress, a log, a server→client request) comes first.
// A resumable SSE stream (2025-era sessions) numbers its events and keeps them, so a client whose connection dropped
// reconnects with Last-Event-ID and gets what it missed, answers included (SEP-1699).
// What it queues for a client that does not read is bounded, and an answer that cannot be serialised becomes an
// error answer, so the caller is never left waiting.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import { ErrorCode, type Logger } from '../../core/index.js';

export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' };
const sseData = (json: string) => `event: message\ndata: ${json}\n\n`;

/**
 * An answer's own HTTP status and headers, when it is its response's only one and nothing was streamed before it (a
 * refusal the edge answers with a status, e.g. 403 with a Bearer challenge); undefined: 200 as usual.
 */
export type AnswerStatusOf = (req: IncomingMessage, answer: JSONRPCMessage & { id: RequestId }) => { status: number; headers: Record<string, string> } | undefined;

/** What one response stream may hold back for its client, and where to say so when it is cut off. */
export interface StreamLimits {
  readonly maxBufferedBytes: number;
  readonly log: Logger;
}

/** An answer as JSON; when it cannot be serialised (circular, too deep, BigInt), an error answer with its id. */
export function encodeAnswer(message: JSONRPCMessage & { id: RequestId }, log: Logger): string {
  try {
    return JSON.stringify(message);
  } catch (err) {
    log.error({ err, id: message.id }, 'could not serialise an answer; the caller gets an internal error instead');
    return JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: ErrorCode.InternalError, message: 'Internal error: the result could not be serialised' } });
  }
}

/** A request or notification as an SSE frame; one that cannot be serialised is logged and thrown to its sender. */
export function sseFrame(message: JSONRPCMessage, log: Logger): string {
  try {
    return sseData(JSON.stringify(message));
  } catch (err) {
    log.error({ err, method: (message as { method?: string }).method }, 'could not serialise a message to the client');
    throw new Error(`Could not serialise ${(message as { method?: string }).method ?? 'a message'}: ${(err as Error).message}`);
  }
}

/** Writes `text` unless the client already left more than the cap unread; then its stream is closed (false). */
export function writeBounded(res: ServerResponse, text: string, limits: StreamLimits, what: Record<string, unknown>): boolean {
  if (res.destroyed || res.writableEnded) return false;
  // writableLength counts node's queue and the socket's, i.e. everything the kernel has not taken yet.
  if (res.writableLength > limits.maxBufferedBytes) {
    limits.log.warn({ ...what, bufferedBytes: res.writableLength, limit: limits.maxBufferedBytes }, 'client is not reading its stream; closing it');
    res.destroy();
    return false;
  }
  res.write(text);
  return true;
}

/** Events an SSE answer keeps for a client that reconnects (SEP-1699), and the delay it is told to wait first. */
export interface Resumable {
  /** The `retry` field of the priming event: how long a client waits before reconnecting. */
  readonly retryMs: number;
  /** Bytes of events kept to be sent again (the oldest go first). */
  readonly maxReplayBytes: number;
}

export class Exchange {
  #sse = false;
  readonly #results: string[] = [];
  /** Where the answer goes: the POST's response, a reconnection's, or none while the client is away. */
  #res: ServerResponse | undefined;
  /** Resumable SSE: the stream's id, its events so far (numbered from 1, the priming event being 0) and their size. */
  #streamId: string | undefined;
  #seq = 0;
  readonly #replay: Array<{ seq: number; frame: string }> = [];
  #replayBytes = 0;
  #cutByServer = false;
  /** A JSON answer-to-be was still owed at the last keep-alive tick (`tick`). */
  #silent = false;

  /** `headers` go on the response either way (e.g. the session id); a batch is answered as a JSON array. */
  constructor(
    res: ServerResponse,
    readonly pending: Set<RequestId>,
    readonly batch: boolean,
    private readonly headers: Record<string, string>,
    private readonly limits: StreamLimits,
    private readonly resumable?: Resumable,
  ) {
    this.#res = res;
  }

  get res(): ServerResponse | undefined {
    return this.#res;
  }

  /** The stream's id once it is a resumable SSE stream (a reconnection names it in Last-Event-ID). */
  get streamId(): string | undefined {
    return this.#streamId;
  }

  /** Every answer was given (whether or not the client was there to take it). */
  get done(): boolean {
    return this.pending.size === 0;
  }

  #open(res: ServerResponse | undefined): res is ServerResponse {
    return res !== undefined && !res.writableEnded && !res.destroyed;
  }

  #write(text: string): void {
    if (this.#res) writeBounded(this.#res, text, this.limits, this.headers['mcp-session-id'] ? { session: this.headers['mcp-session-id'] } : {});
  }

  /** An SSE event: numbered and kept when the stream is resumable. */
  #send(data: string): void {
    if (!this.#streamId) {
      this.#write(data);
      return;
    }
    const frame = `id: ${this.#streamId}:${++this.#seq}\n${data}`;
    this.#replay.push({ seq: this.#seq, frame });
    this.#replayBytes += frame.length;
    while (this.#replayBytes > this.resumable!.maxReplayBytes && this.#replay.length > 1) this.#replayBytes -= this.#replay.shift()!.frame.length;
    this.#write(frame);
  }

  event(message: JSONRPCMessage): void {
    if (!this.#sse && !this.#open(this.#res)) return;
    const frame = sseFrame(message, this.limits.log);
    if (!this.#sse) this.#startSse();
    this.#send(frame);
  }

  #startSse(): void {
    this.#sse = true;
    this.#res!.writeHead(200, { ...SSE_HEADERS, ...this.headers });
    if (this.resumable) {
      // The priming event (an id and no data) tells the client it may come back for what follows (SEP-1699).
      this.#streamId = randomUUID();
      this.#res!.write(`id: ${this.#streamId}:0\nretry: ${this.resumable.retryMs}\ndata: \n\n`);
    }
    for (const r of this.#results.splice(0)) this.#send(sseData(r));
  }

  /** The answer to request `id`; the response ends with the last pending one. `status` and `headers` apply to a JSON reply. */
  respond(id: RequestId, message: JSONRPCMessage & { id: RequestId }, status = 200, headers?: Record<string, string>): void {
    this.pending.delete(id);
    this.add(message);
    this.finish(status, headers);
  }

  /** An answer that is none of the pending ones' (a refused request); sent with them. */
  add(message: JSONRPCMessage & { id: RequestId }): void {
    if (!this.#streamId && !this.#open(this.#res)) return;
    const json = encodeAnswer(message, this.limits.log);
    if (this.#sse) this.#send(sseData(json));
    else this.#results.push(json);
  }

  /** Ends the response once nothing is pending. */
  finish(status = 200, headers?: Record<string, string>): void {
    if (this.pending.size > 0 || !this.#open(this.#res)) return;
    if (this.#sse) return void this.#res.end();
    const body = this.batch ? `[${this.#results.join(',')}]` : (this.#results[0] ?? '');
    this.#res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...this.headers, ...headers });
    this.#res.end(body);
  }

  /**
   * The server ends the response before its answers (SEP-1699 polling: a long call need not hold a connection): the
   * client reconnects with Last-Event-ID for the rest. Only a resumable stream can; it becomes SSE here if it was not.
   * True when it was ended here; false, changing nothing, when it cannot be (not resumable, already ended, or every
   * answer given).
   */
  cut(): boolean {
    if (!this.resumable || this.done || !this.#open(this.#res)) return false;
    if (!this.#sse) this.#startSse();
    this.#cutByServer = true;
    this.#res.end();
    return true;
  }

  /**
   * The session's keep-alive tick while answers are owed: a stream gets a comment (a proxy that cuts idle connections
   * sees traffic); a resumable JSON answer-to-be still silent since the tick before becomes a stream (its priming
   * event), so a client cut off during a long call can come back for the answer (SEP-1699).
   */
  tick(): void {
    if (!this.#open(this.#res) || this.done) return;
    if (this.#sse) this.#write(': keep-alive\n\n');
    else if (this.#silent && this.resumable) this.#startSse();
    else this.#silent = true;
  }

  /** The server ended the response while answers were still owed (`cut`): its client will come back for them. */
  get cutByServer(): boolean {
    return this.#cutByServer;
  }

  /** The client went away: events are kept (a resumable stream) until it comes back. */
  detach(): void {
    this.#res = undefined;
  }

  /**
   * A reconnection (GET with Last-Event-ID `<stream>:<after>`): the events after `after` sent again on `res`, which
   * then carries the rest. False when they are no longer all kept.
   */
  resume(res: ServerResponse, after: number): boolean {
    const first = this.#replay[0]?.seq ?? this.#seq + 1;
    if (!this.#streamId || !Number.isInteger(after) || after < first - 1 || after > this.#seq) return false;
    this.#res?.destroy();
    this.#res = res;
    this.#cutByServer = false;
    res.writeHead(200, { ...SSE_HEADERS, ...this.headers });
    for (const e of this.#replay) if (e.seq > after) res.write(e.frame);
    if (this.done) res.end();
    else res.flushHeaders();
    return true;
  }
}

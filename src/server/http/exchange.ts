// The answer to one POST that carried requests, written on node's response: one JSON body when the answers are
// all there is, or an SSE stream once a related message (progress, a log, a server→client request) comes first.
// What it queues for a client that does not read is bounded, and an answer that cannot be serialised becomes an
// error answer, so the caller is never left waiting.
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import { ErrorCode, type Logger } from '../../core/index.js';

export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' };
const sseData = (json: string) => `event: message\ndata: ${json}\n\n`;

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

export class Exchange {
  #sse = false;
  readonly #results: string[] = [];

  /** `headers` go on the response either way (e.g. the session id); a batch is answered as a JSON array. */
  constructor(
    readonly res: ServerResponse,
    readonly pending: Set<RequestId>,
    private readonly batch: boolean,
    private readonly headers: Record<string, string>,
    private readonly limits: StreamLimits,
  ) {}

  #write(text: string): void {
    writeBounded(this.res, text, this.limits, this.headers['mcp-session-id'] ? { session: this.headers['mcp-session-id'] } : {});
  }

  event(message: JSONRPCMessage): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    const frame = sseFrame(message, this.limits.log);
    if (!this.#sse) {
      this.#sse = true;
      this.res.writeHead(200, { ...SSE_HEADERS, ...this.headers });
      for (const r of this.#results.splice(0)) this.res.write(sseData(r));
    }
    this.#write(frame);
  }

  /** The answer to request `id`; the response ends with the last pending one. `status` applies to a JSON reply. */
  respond(id: RequestId, message: JSONRPCMessage & { id: RequestId }, status = 200): void {
    this.pending.delete(id);
    this.add(message);
    this.finish(status);
  }

  /** An answer that is none of the pending ones' (a refused request); sent with them. */
  add(message: JSONRPCMessage & { id: RequestId }): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    const json = encodeAnswer(message, this.limits.log);
    if (this.#sse) this.#write(sseData(json));
    else this.#results.push(json);
  }

  /** Ends the response once nothing is pending. */
  finish(status = 200): void {
    if (this.pending.size > 0 || this.res.writableEnded || this.res.destroyed) return;
    if (this.#sse) return void this.res.end();
    const body = this.batch ? `[${this.#results.join(',')}]` : (this.#results[0] ?? '');
    this.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...this.headers });
    this.res.end(body);
  }
}

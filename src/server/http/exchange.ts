// The answer to one POST that carried requests, written on node's response: one JSON body when the answers are
// all there is, or an SSE stream once a related message (progress, a log, a server→client request) comes first.
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';

export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' };
export const sseFrame = (message: JSONRPCMessage) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

export class Exchange {
  #sse = false;
  readonly #results: JSONRPCMessage[] = [];

  /** `headers` go on the response either way (e.g. the session id); a batch is answered as a JSON array. */
  constructor(
    readonly res: ServerResponse,
    readonly pending: Set<RequestId>,
    private readonly batch: boolean,
    private readonly headers: Record<string, string> = {},
  ) {}

  event(message: JSONRPCMessage): void {
    if (this.res.writableEnded) return;
    if (!this.#sse) {
      this.#sse = true;
      this.res.writeHead(200, { ...SSE_HEADERS, ...this.headers });
      for (const r of this.#results.splice(0)) this.res.write(sseFrame(r));
    }
    this.res.write(sseFrame(message));
  }

  /** The answer to request `id`; the response ends with the last pending one. `status` applies to a JSON reply. */
  respond(id: RequestId, message: JSONRPCMessage, status = 200): void {
    this.pending.delete(id);
    if (this.res.writableEnded) return;
    if (this.#sse) {
      this.res.write(sseFrame(message));
      if (this.pending.size === 0) this.res.end();
      return;
    }
    this.#results.push(message);
    if (this.pending.size > 0) return;
    const body = JSON.stringify(this.batch ? this.#results : this.#results[0]);
    this.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...this.headers });
    this.res.end(body);
  }
}

// One 2025-era Streamable HTTP session, served straight on node's request/response: a request's answer is one
// JSON body, upgraded to SSE only when the handler sends related messages first. No web Request/Response.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONRPCMessage, MessageExtraInfo, RequestId, Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import { isRequestShape, isResponseShape } from '../../wire/json-rpc-shape.js';
import { Exchange, SSE_HEADERS, sseFrame } from './exchange.js';
import { requestInfo } from './request-info.js';

/** Messages kept for a standalone stream the client has not opened yet (it usually opens right after initialize). */
const BACKLOG = 100;

export class NodeSessionTransport implements Transport {
  readonly sessionId = randomUUID();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  readonly #exchanges = new Map<RequestId, Exchange>();
  #standalone: { res: ServerResponse; timer: NodeJS.Timeout } | undefined;
  readonly #backlog: JSONRPCMessage[] = [];
  #closed = false;
  #lastActive = 0;

  constructor(private readonly keepAliveMs = 15_000) {}

  async start(): Promise<void> {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Now while a request or the standalone stream is open; otherwise when the last of them ended (0: never). */
  get lastActive(): number {
    return this.#standalone || this.#exchanges.size > 0 ? Date.now() : this.#lastActive;
  }

  /** Serves a POST whose body was already validated as JSON-RPC messages. */
  post(req: IncomingMessage, res: ServerResponse, messages: JSONRPCMessage[], batch: boolean): void {
    const extra = { request: requestInfo(req) };
    const ids = messages.filter(isRequestShape).map((m) => m.id);
    if (ids.length === 0) {
      res.writeHead(202, { 'mcp-session-id': this.sessionId }).end();
    } else {
      const exchange = new Exchange(res, new Set(ids), batch, { 'mcp-session-id': this.sessionId });
      for (const id of ids) this.#exchanges.set(id, exchange);
      res.once('close', () => {
        this.#lastActive = Date.now();
        for (const id of exchange.pending) if (this.#exchanges.get(id) === exchange) this.#exchanges.delete(id);
      });
    }
    for (const m of messages) this.onmessage?.(m, extra);
  }

  /** The standalone SSE stream for messages not tied to a request; false when one is already open. */
  listen(res: ServerResponse): boolean {
    if (this.#standalone) return false;
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    res.flushHeaders();
    for (const m of this.#backlog.splice(0)) res.write(sseFrame(m));
    const timer = setInterval(() => res.write(': keep-alive\n\n'), this.keepAliveMs);
    timer.unref();
    this.#standalone = { res, timer };
    res.once('close', () => {
      this.#lastActive = Date.now();
      clearInterval(timer);
      if (this.#standalone?.res === res) this.#standalone = undefined;
    });
    return true;
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.#closed) return;
    if (isResponseShape(message)) {
      const id = message.id;
      const exchange = this.#exchanges.get(id);
      this.#exchanges.delete(id);
      exchange?.respond(id, message);
      return;
    }
    const related = options?.relatedRequestId !== undefined ? this.#exchanges.get(options.relatedRequestId) : undefined;
    if (related) related.event(message);
    else if (this.#standalone) this.#standalone.res.write(sseFrame(message));
    else if (this.#backlog.push(message) > BACKLOG) this.#backlog.shift();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const exchange of new Set(this.#exchanges.values())) exchange.res.end();
    this.#exchanges.clear();
    if (this.#standalone) {
      clearInterval(this.#standalone.timer);
      this.#standalone.res.end();
      this.#standalone = undefined;
    }
    this.onclose?.();
  }
}

// The 2026-07-28 hot path over HTTP: plain single requests of the common methods are served by ONE long-lived,
// modern-pinned SDK server (the SDK's own stdio serving entry, `serveStdio`, over a transport that multiplexes
// HTTP exchanges) on node's request/response, instead of a fresh server and web Request/Response per call.
// Everything else (listen, discover, odd headers, other revisions) stays on the SDK's `createMcpHandler`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthInfo,
  type InboundClassificationOutcome,
  type JSONRPCMessage,
  type MessageExtraInfo,
  ProtocolErrorCode,
  type RequestId,
  type Server,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { silentLogger } from '../../core/index.js';
import { isResponseShape } from '../../wire/json-rpc-shape.js';
import { HEADER_MISMATCH } from '../../wire/param-headers.js';
import { FIRST_MODERN_VERSION } from './classify.js';
import { type AnswerStatusOf, Exchange, type StreamLimits } from './exchange.js';
import { headerOf, requestInfo } from './request-info.js';

/** The methods served here, and the param each one's `Mcp-Name` header must repeat (the SDK's header rule). */
const LANE_METHODS = new Map<string, string | undefined>([
  ['tools/call', 'name'],
  ['prompts/get', 'name'],
  ['resources/read', 'uri'],
  ['tools/list', undefined],
  ['prompts/list', undefined],
  ['resources/list', undefined],
  ['resources/templates/list', undefined],
  ['completion/complete', undefined],
]);

const header = (req: IncomingMessage, name: string) => headerOf(req, name)?.trim();

/**
 * Whether the SDK's `createMcpHandler` would hand this request straight to a server: a valid 2026-07-28 request
 * of a lane method with the required MCP-Protocol-Version, Mcp-Method and plain (not Base64) Mcp-Name headers
 * matching the body. Anything it would refuse or treat specially is left to it, so its answers stay its own.
 */
export function fitsModernLane(req: IncomingMessage, outcome: InboundClassificationOutcome): outcome is InboundClassificationOutcome & { kind: 'modern' } {
  if (outcome.kind !== 'modern' || outcome.messageKind !== 'request' || outcome.classification.revision !== FIRST_MODERN_VERSION) return false;
  const { method, params } = outcome.message as { method: string; params?: Record<string, unknown> };
  if (!LANE_METHODS.has(method) || header(req, 'mcp-protocol-version') !== FIRST_MODERN_VERSION || header(req, 'mcp-method') !== method) return false;
  const nameParam = LANE_METHODS.get(method);
  if (nameParam === undefined) return true;
  const name = header(req, 'mcp-name');
  return typeof params?.[nameParam] === 'string' && name === params[nameParam] && !name.startsWith('=?base64?');
}

interface Pending {
  readonly exchange: Exchange;
  readonly clientId: RequestId;
  readonly req: IncomingMessage;
}

/** Carries HTTP exchanges into the pinned server under ids of its own, and its answers back to each response. */
class ExchangeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #pending = new Map<RequestId, Pending>();
  #next = 0;
  #closed = false;

  /** Bounds what each response stream queues for a caller that does not read it. */
  constructor(
    private readonly limits: StreamLimits,
    private readonly answerStatus?: AnswerStatusOf,
  ) {}

  async start(): Promise<void> {}

  deliver(req: IncomingMessage, res: ServerResponse, message: JSONRPCMessage & { id: RequestId }): void {
    const id = this.#next++;
    const exchange = new Exchange(res, new Set([id]), false, {}, this.limits);
    this.#pending.set(id, { exchange, clientId: message.id, req });
    // The caller went away: the handler hears of it as a cancellation, as the SDK's per-request server's would.
    res.once('close', () => {
      if (this.#pending.delete(id)) this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'client disconnected' } });
    });
    this.onmessage?.({ ...message, id });
  }

  /** The HTTP request behind one of our ids and who sent it, for the handler's `ctx.http` and `ctx.principal`. */
  request(id: RequestId): MessageExtraInfo | undefined {
    const pending = this.#pending.get(id);
    return pending && { request: requestInfo(pending.req), authInfo: (pending.req as { auth?: AuthInfo }).auth };
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isResponseShape(message)) {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      // In-band errors are HTTP 200 except a missing client capability and headers that disagree with the body
      // (SEP-2243 Mcp-Param-*), which the spec answers with 400.
      const code = 'error' in message ? message.error.code : undefined;
      const bad = code === ProtocolErrorCode.MissingRequiredClientCapability || code === HEADER_MISMATCH;
      // And a refusal the edge answers with a status of its own (see AnswerStatusOf).
      const own = code !== undefined && !bad ? this.answerStatus?.(pending.req, message) : undefined;
      pending.exchange.respond(message.id, { ...message, id: pending.clientId }, bad ? 400 : (own?.status ?? 200), own?.headers);
      return;
    }
    // Progress and logs go on their request's stream; the 2026 era has no other unsolicited traffic here.
    const related = options?.relatedRequestId !== undefined ? this.#pending.get(options.relatedRequestId) : undefined;
    related?.exchange.event(message);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const { exchange } of this.#pending.values()) exchange.res?.end();
    this.#pending.clear();
    this.onclose?.();
  }
}

const DEFAULT_LIMITS: StreamLimits = { maxBufferedBytes: 8 * 1024 * 1024, log: silentLogger };

export class ModernLane {
  readonly #transport: ExchangeTransport;
  readonly #handle: { close(): Promise<void> };

  /** `makeServer` gets the lookup of each request's HTTP view by the id the server sees. */
  constructor(makeServer: (httpOf: (id: RequestId) => MessageExtraInfo | undefined) => Server, onerror: (err: Error) => void, limits: StreamLimits = DEFAULT_LIMITS, answerStatus?: AnswerStatusOf) {
    this.#transport = new ExchangeTransport(limits, answerStatus);
    this.#handle = serveStdio(() => makeServer((id) => this.#transport.request(id)), { legacy: 'reject', onerror, transport: this.#transport });
  }

  /** False once the pinned server has closed (at shutdown, or if the SDK ever closes it): callers fall back. */
  get open(): boolean {
    return !this.#transport.closed;
  }

  serve(req: IncomingMessage, res: ServerResponse, outcome: InboundClassificationOutcome & { kind: 'modern' }): void {
    this.#transport.deliver(req, res, outcome.message as JSONRPCMessage & { id: RequestId });
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}

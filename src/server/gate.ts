// The gate in front of the SDK: every request the framework's own dispatch does not run through the pipeline
// (initialize, ping, logging/setLevel, server/discover, subscriptions/listen, unknown methods) is admitted by the
// pipeline first and reaches the SDK only when the pipeline calls next(). Later messages wait behind it, in order.
import { type JSONRPCMessage, type MessageExtraInfo, type RequestId, SUBSCRIPTION_ID_META_KEY, type Transport, type TransportSendOptions } from '@modelcontextprotocol/server';
import { ErrorCode, type McpResult, WireError } from '../core/index.js';
import { isRequestShape, isResponseShape } from '../wire/json-rpc-shape.js';
import { type EdgeIdentity, identityOf } from './identity.js';
import { isPipelined } from './targets.js';

/** One request held at the gate, as the admission sees it. */
export interface GatedRequest {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly id: RequestId;
  readonly identity?: EdgeIdentity;
  readonly http?: Request;
  /** Aborted when the client cancels the request or the connection closes. */
  readonly signal: AbortSignal;
  /** Hands the request to the SDK; resolves with its result, rejects with its error as a WireError. */
  deliver(): Promise<McpResult>;
  /** Resolves once the SDK has accepted a long-lived request (a listen's acknowledgement); never when it refuses. */
  readonly accepted: Promise<void>;
}

/** Runs the pipeline for a held request; what it returns (or throws) is the answer. */
export type Admit = (request: GatedRequest) => Promise<McpResult>;

interface Held {
  readonly abort: AbortController;
  settle?: (message: JSONRPCMessage | Error) => void;
  accept(): void;
}

const CANCELLED = 'notifications/cancelled';
const ACKNOWLEDGED = 'notifications/subscriptions/acknowledged';

/** The listen a `notifications/subscriptions/acknowledged` is for. */
const acknowledgedId = (m: JSONRPCMessage) =>
  'method' in m && m.method === ACKNOWLEDGED ? ((m.params?._meta as Record<string, unknown> | undefined)?.[SUBSCRIPTION_ID_META_KEY] as RequestId | undefined) : undefined;

export class GatedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  readonly #held = new Map<RequestId, Held>();
  /** Messages that arrived while a request was being admitted; they follow it in order. */
  #waiting: [JSONRPCMessage, MessageExtraInfo | undefined][] | undefined;

  constructor(
    private readonly inner: Transport,
    private readonly admit: Admit,
    /** Who is on the other end when the transport carries no per-request identity (stdio, in memory). */
    private readonly identity?: EdgeIdentity,
  ) {
    inner.onmessage = (message, extra) => this.#arrive(message, extra);
    inner.onerror = (error) => this.onerror?.(error);
    // Whoever set it before (the session table) is still told.
    const before = inner.onclose;
    inner.onclose = () => {
      for (const held of this.#held.values()) {
        held.abort.abort(new Error('connection closed'));
        held.settle?.(new WireError(ErrorCode.ServerError, 'Connection closed'));
      }
      this.#held.clear();
      this.onclose?.();
      before?.();
    };
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }
  get setProtocolVersion() {
    return this.inner.setProtocolVersion?.bind(this.inner);
  }
  get setSupportedProtocolVersions() {
    return this.inner.setSupportedProtocolVersions?.bind(this.inner);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isResponseShape(message)) {
      const held = this.#held.get(message.id);
      if (held?.settle) {
        held.settle(message);
        return Promise.resolve();
      }
    } else {
      const listen = acknowledgedId(message);
      if (listen !== undefined) this.#held.get(listen)?.accept();
    }
    return this.inner.send(message, options);
  }

  #arrive(message: JSONRPCMessage, extra: MessageExtraInfo | undefined): void {
    if (this.#waiting) this.#waiting.push([message, extra]);
    else this.#handle(message, extra);
  }

  #handle(message: JSONRPCMessage, extra: MessageExtraInfo | undefined): void {
    if (!isRequestShape(message) || isPipelined(message.method)) {
      if ('method' in message && message.method === CANCELLED) this.#cancelled((message.params as { requestId?: RequestId } | undefined)?.requestId);
      this.onmessage?.(message, extra);
      return;
    }
    const { id, method } = message;
    if (this.#held.has(id)) {
      this.#answer(id, { error: { code: ErrorCode.InvalidRequest, message: `Invalid Request: request id ${JSON.stringify(id)} is already in use` } });
      return;
    }
    this.#waiting = [];
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const waiting = this.#waiting ?? [];
      this.#waiting = undefined;
      for (const [m, e] of waiting) this.#arrive(m, e);
    };
    let accept = () => {};
    const accepted = new Promise<void>((resolve) => {
      accept = resolve;
    });
    const held: Held = { abort: new AbortController(), accept };
    this.#held.set(id, held);
    const identity = identityOf(extra?.authInfo) ?? this.identity;
    const request: GatedRequest = {
      method,
      params: ((message as { params?: unknown }).params ?? {}) as Record<string, unknown>,
      id,
      ...(identity && { identity }),
      ...(extra?.request && { http: extra.request }),
      signal: held.abort.signal,
      accepted,
      deliver: () => {
        const answered = new Promise<McpResult>((resolve, reject) => {
          held.settle = (m) => {
            held.settle = undefined;
            if (m instanceof Error) return reject(m);
            if ('error' in m) reject(new WireError(m.error.code, m.error.message, m.error.data));
            else resolve((m as { result: McpResult }).result);
          };
        });
        this.onmessage?.(message, extra);
        release();
        return answered;
      },
    };
    this.admit(request)
      .then(
        (result) => this.#answer(id, { result }),
        (err: unknown) => {
          const wire = err instanceof WireError ? err : new WireError(ErrorCode.InternalError, 'Internal error');
          this.#answer(id, { error: { code: wire.code, message: wire.message, ...(wire.data !== undefined && { data: wire.data }) } });
        },
      )
      .finally(release);
  }

  /** Sends the pipeline's answer unless the request was cancelled (a cancelled request is not answered). */
  #answer(id: RequestId, body: { result: McpResult } | { error: { code: number; message: string; data?: unknown } }): void {
    const held = this.#held.get(id);
    this.#held.delete(id);
    if (held?.abort.signal.aborted) return;
    this.inner.send({ jsonrpc: '2.0', id, ...body } as JSONRPCMessage).catch((err: Error) => this.onerror?.(err));
  }

  /** A cancelled held request: its admission is aborted; whatever the SDK answers from now on goes out as is. */
  #cancelled(id: RequestId | undefined): void {
    const held = id === undefined ? undefined : this.#held.get(id);
    if (!held) return;
    held.abort.abort(new Error('cancelled by the client'));
    held.settle?.(new WireError(ErrorCode.ServerError, 'Request cancelled'));
  }
}

// The hot path to a 2025-era stdio upstream: requests written straight to the transport and their responses and
// progress taken off it before the SDK client sees them. Everything else on the wire stays the SDK's.
import { type JSONRPCMessage, ProtocolError, SdkError, SdkErrorCode, type Transport } from '@modelcontextprotocol/client';
import type { Abortable } from '../core/abortable.js';

type Json = Record<string, unknown>;

export interface RawRequestOptions {
  timeoutMs: number;
  /** An AbortSignal, or a deadline's `cancel` (no signal made for it). */
  signal?: Abortable;
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /** Called when the server answers after the request was cancelled or timed out (watched for LATE_ANSWER_MS). */
  onLateAnswer?: () => void;
}

/** How long a cancelled or timed-out request is watched for a late answer. */
const LATE_ANSWER_MS = 60_000;

interface Pending {
  resolve(result: Json): void;
  reject(err: Error): void;
  opts: RawRequestOptions;
  started: number;
  timer: NodeJS.Timeout;
  onabort?: () => void;
}

/** Our ids are strings in their own namespace, so they never meet the SDK client's numeric ids. */
const ID_PREFIX = 'mcplex-';

/**
 * Sits in front of the SDK client on one connected transport (a public seam: `Transport.onmessage`/`onclose`).
 * What it sends behaves like `Client.request` on a 2025-era connection: the same ids-to-responses matching,
 * progress tokens, timeout (reset on progress, capped at 10×), `notifications/cancelled` on timeout or abort,
 * and the SDK's own error types, so callers map errors exactly as before. Only the per-request machinery
 * (schema parse, AbortController, handler maps) is skipped.
 */
export class RawLane {
  readonly #pending = new Map<string, Pending>();
  /** Cancelled or timed-out requests whose caller wants to know when the server answers them anyway. */
  readonly #late = new Map<string, { callback: () => void; timer: NodeJS.Timeout }>();
  #next = 0;
  #closed = false;

  constructor(private readonly transport: Transport) {
    const deliver = transport.onmessage;
    const closed = transport.onclose;
    transport.onmessage = (message, extra) => {
      if (!this.#take(message)) deliver?.call(transport, message, extra);
    };
    transport.onclose = () => {
      this.#closeAll();
      closed?.call(transport);
    };
  }

  get inflight(): number {
    return this.#pending.size;
  }

  request(method: string, params: Json | undefined, opts: RawRequestOptions): Promise<Json> {
    if (this.#closed) return Promise.reject(new SdkError(SdkErrorCode.NotConnected, 'Not connected'));
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason ?? new Error('aborted'));
    const id = `${ID_PREFIX}${this.#next++}`;
    let sent = params;
    if (opts.onprogress) sent = { ...params, _meta: { ...(params?._meta as Json | undefined), progressToken: id } };
    return new Promise<Json>((resolve, reject) => {
      const pending: Pending = { resolve, reject, opts, started: Date.now(), timer: this.#timer(id, opts.timeoutMs) };
      if (opts.signal) {
        pending.onabort = this.#abortListener(id, opts.signal);
        opts.signal.addEventListener('abort', pending.onabort, { once: true });
      }
      this.#pending.set(id, pending);
      this.transport.send({ jsonrpc: '2.0', id, method, ...(sent && { params: sent }) } as JSONRPCMessage).catch((err: Error) => {
        if (this.#settle(id)) reject(new SdkError(SdkErrorCode.SendFailed, `Failed to send request: ${err.message}`));
      });
    });
  }

  /**
   * Made here, not inline where the request is built: a closure there would share its scope's context, and with it
   * the request's promise and everything awaiting it. An aborted signal keeps its listeners, and on Node 20 every
   * signal survives young-generation collections, so that context (every request's whole call graph) was promoted
   * to the old generation (bench/README.md, "GC").
   */
  #abortListener(id: string, signal: Abortable): () => void {
    return () => this.#cancel(id, (signal.reason as Error | undefined) ?? new Error('aborted'), String(signal.reason ?? 'aborted'));
  }

  #timer(id: string, ms: number): NodeJS.Timeout {
    return setTimeout(() => this.#cancel(id, new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out', { timeout: ms }), 'timeout'), ms);
  }

  /** Ends our request `id` with `err` and tells the server to stop working on it. */
  #cancel(id: string, err: Error, reason: string): void {
    const pending = this.#settle(id);
    if (!pending) return;
    pending.reject(err);
    const callback = pending.opts.onLateAnswer;
    if (callback) {
      const timer = setTimeout(() => this.#late.delete(id), LATE_ANSWER_MS);
      timer.unref();
      this.#late.set(id, { callback, timer });
    }
    this.transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } }).catch(() => {});
  }

  /** Forgets `id` (timer and abort listener too); returns what was pending, or undefined if it already ended. */
  #settle(id: string): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (pending.onabort) pending.opts.signal?.removeEventListener('abort', pending.onabort);
    return pending;
  }

  /** Handles a response or progress notification for one of our requests; false for everything else. */
  #take(message: JSONRPCMessage): boolean {
    const m = message as { id?: unknown; method?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown }; params?: Json };
    if (m.method === undefined) {
      if (typeof m.id !== 'string' || !m.id.startsWith(ID_PREFIX)) return false;
      const pending = this.#settle(m.id);
      if (!pending) {
        // A late answer to a request that timed out or was cancelled.
        const late = this.#late.get(m.id);
        this.#late.delete(m.id);
        if (late) {
          clearTimeout(late.timer);
          late.callback();
        }
        return true;
      }
      // One microtask late, like the SDK path (see responsesAfterNotifications): notifications that came in
      // the same read (logs) are dispatched first.
      if (m.error) queueMicrotask(() => pending.reject(new ProtocolError(m.error!.code, m.error!.message, m.error!.data)));
      else queueMicrotask(() => pending.resolve(m.result as Json));
      return true;
    }
    if (m.method !== 'notifications/progress') return false;
    const { progressToken, ...progress } = m.params ?? {};
    if (typeof progressToken !== 'string' || !progressToken.startsWith(ID_PREFIX)) return false;
    const pending = this.#pending.get(progressToken);
    if (!pending?.opts.onprogress) return true;
    // The SDK's resetTimeoutOnProgress with maxTotalTimeout = 10 × the timeout.
    const { timeoutMs } = pending.opts;
    if (Date.now() - pending.started >= 10 * timeoutMs) {
      this.#cancel(progressToken, new SdkError(SdkErrorCode.RequestTimeout, 'Maximum total timeout exceeded', { maxTotalTimeout: 10 * timeoutMs }), 'timeout');
      return true;
    }
    clearTimeout(pending.timer);
    pending.timer = this.#timer(progressToken, timeoutMs);
    pending.opts.onprogress(progress as { progress: number; total?: number; message?: string });
    return true;
  }

  #closeAll(): void {
    this.#closed = true;
    // The server is gone: it will never answer, which ends those requests' work as surely as an answer.
    for (const late of this.#late.values()) {
      clearTimeout(late.timer);
      late.callback();
    }
    this.#late.clear();
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'));
  }
}

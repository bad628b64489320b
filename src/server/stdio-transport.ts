// The server's stdio transport: newline-delimited JSON-RPC like the SDK's, but every bad line gets an answer
// (-32700 for invalid JSON, -32600 for what is not a JSON-RPC message or is too large or deep) and the
// connection survives it. The SDK's reader drops such lines silently or closes on one oversized line.
// Output is bounded too: an answer that cannot be serialised becomes an error answer, and a peer that stops
// reading loses notifications first, then the connection.
import type { Readable, Writable } from 'node:stream';
import { type JSONRPCMessage, serializeMessage, type Transport } from '@modelcontextprotocol/server';
import { ErrorCode, type Logger } from '../core/index.js';
import { jsonDepth } from '../wire/json-depth.js';
import { isResponseShape, jsonRpcProblem, refusalId } from '../wire/json-rpc-shape.js';
import { LineSplitter } from '../wire/line-splitter.js';

export interface StdioTransportOptions {
  /** Longest line accepted, in bytes; default 10 MiB (longer lines are answered and skipped). */
  maxLineBytes?: number;
  /** Deepest JSON nesting accepted; default 64. */
  maxJsonDepth?: number;
  /**
   * Bytes queued on the output for a peer that is not reading; default 8 MiB. Past it notifications (logs,
   * progress) are dropped until it drains; past four times it the transport closes.
   */
  maxBufferedBytes?: number;
  /** Where dropped output and unserialisable answers are reported; without it they go to `onerror`. */
  log?: Logger;
}

export class StdioLineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #lines: LineSplitter;
  readonly #maxDepth: number;
  readonly #maxBuffered: number;
  readonly #log: Logger | undefined;
  /** Notifications dropped since the output last drained (a warning is logged once per such episode). */
  #dropped = 0;
  #closed = false;

  constructor(
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
    opts: StdioTransportOptions = {},
  ) {
    const maxLine = opts.maxLineBytes ?? 10 * 1024 * 1024;
    this.#maxDepth = opts.maxJsonDepth ?? 64;
    this.#maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.#log = opts.log;
    this.#lines = new LineSplitter(maxLine, (line) => this.#onLine(line.toString('utf8')), () =>
      this.#reject(null, ErrorCode.InvalidRequest, `Message too large: the limit is ${maxLine} bytes per line`),
    );
  }

  readonly #onData = (chunk: Buffer) => this.#lines.push(chunk);
  readonly #onEnd = () => {
    this.#lines.flush();
    void this.close();
  };
  readonly #onError = (error: Error) => this.onerror?.(error);

  async start(): Promise<void> {
    this.input.on('data', this.#onData);
    this.input.on('end', this.#onEnd);
    this.input.on('error', this.#onError);
    this.output.on('error', this.#onError);
  }

  #reject(id: string | number | null, code: number, message: string): void {
    this.onerror?.(new Error(message));
    this.#write({ jsonrpc: '2.0', id, error: { code, message } } as JSONRPCMessage).catch((err: Error) => this.onerror?.(err));
  }

  #onLine(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const decoded = this.#decode(line);
    if ('refusal' in decoded) this.#reject(decoded.refusal.id, decoded.refusal.code, decoded.refusal.message);
    else this.onmessage?.(decoded.message);
  }

  #decode(line: string): { message: JSONRPCMessage } | { refusal: { id: string | number | null; code: number; message: string } } {
    const refuse = (code: number, message: string, id: string | number | null = null) => ({ refusal: { id, code, message } });
    if (jsonDepth(line) > this.#maxDepth) return refuse(ErrorCode.InvalidRequest, `JSON nested too deeply: the limit is ${this.#maxDepth} levels`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return refuse(ErrorCode.ParseError, `Parse error: ${(err as Error).message}`);
    }
    if (Array.isArray(value)) return refuse(ErrorCode.InvalidRequest, 'JSON-RPC batches are not supported over stdio');
    const problem = jsonRpcProblem(value);
    return problem === undefined ? { message: value as JSONRPCMessage } : refuse(ErrorCode.InvalidRequest, `Invalid Request: ${problem}`, refusalId(value));
  }

  #report(level: 'warn' | 'error', fields: Record<string, unknown>, message: string): void {
    if (this.#log) this.#log[level](fields, message);
    else this.onerror?.(new Error(message));
  }

  /** The message as a line; an answer that cannot be serialised becomes an internal-error answer (and is logged). */
  #serialize(message: JSONRPCMessage): string {
    try {
      return serializeMessage(message);
    } catch (err) {
      const method = (message as { method?: string }).method;
      this.#report('error', { err, id: (message as { id?: unknown }).id, method }, `could not serialise ${method ?? 'an answer'} for the client`);
      if (!isResponseShape(message)) throw new Error(`Could not serialise ${method ?? 'a message'}: ${(err as Error).message}`);
      return serializeMessage({ jsonrpc: '2.0', id: message.id, error: { code: ErrorCode.InternalError, message: 'Internal error: the result could not be serialised' } });
    }
  }

  /** False when the peer has left too much unread: notifications are dropped, and far past the cap, the connection. */
  #room(message: JSONRPCMessage): boolean {
    const queued = this.output.writableLength;
    if (queued <= this.#maxBuffered) return true;
    if (queued > 4 * this.#maxBuffered) {
      this.#report('warn', { bufferedBytes: queued, limit: this.#maxBuffered }, 'stdio peer is not reading its output; closing the connection');
      void this.close();
      return false;
    }
    if ('method' in message && !('id' in message)) {
      if (this.#dropped++ === 0) {
        this.#report('warn', { bufferedBytes: queued, limit: this.#maxBuffered }, 'stdio peer is not reading its output; dropping notifications until it does');
        this.output.once('drain', () => {
          if (this.#dropped > 1) this.#log?.info({ dropped: this.#dropped }, 'stdio output drained; notifications flow again');
          this.#dropped = 0;
        });
      }
      return false;
    }
    return true;
  }

  #write(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.resolve();
    let line: string;
    try {
      line = this.#serialize(message);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.#room(message)) return Promise.resolve();
    // The write callback settles on success and on failure (EPIPE, closed stdout), so send() never hangs.
    return new Promise((resolve, reject) => {
      this.output.write(line, (err) => (err ? reject(err) : resolve()));
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.#write(message);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.input.off('data', this.#onData);
    this.input.off('end', this.#onEnd);
    this.input.off('error', this.#onError);
    this.output.off('error', this.#onError);
    this.input.pause();
    this.onclose?.();
  }
}

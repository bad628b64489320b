// The server's stdio transport: newline-delimited JSON-RPC like the SDK's, but every bad line gets an answer
// (-32700 for invalid JSON, -32600 for what is not a JSON-RPC message or is too large or deep) and the
// connection survives it. The SDK's reader drops such lines silently or closes on one oversized line.
import type { Readable, Writable } from 'node:stream';
import { type JSONRPCMessage, serializeMessage, type Transport } from '@modelcontextprotocol/server';
import { ErrorCode } from '../core/index.js';
import { jsonDepth } from '../wire/json-depth.js';
import { asJsonRpcMessage } from '../wire/json-rpc-shape.js';
import { LineSplitter } from '../wire/line-splitter.js';

export interface StdioTransportOptions {
  /** Longest line accepted, in bytes; default 10 MiB (longer lines are answered and skipped). */
  maxLineBytes?: number;
  /** Deepest JSON nesting accepted; default 64. */
  maxJsonDepth?: number;
  /** Sees every valid message before it is served. */
  observe?: (message: JSONRPCMessage) => void;
}

function requestId(value: unknown): string | number | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

export class StdioLineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #lines: LineSplitter;
  readonly #maxDepth: number;
  readonly #observe: ((message: JSONRPCMessage) => void) | undefined;
  #closed = false;

  constructor(
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
    opts: StdioTransportOptions = {},
  ) {
    const maxLine = opts.maxLineBytes ?? 10 * 1024 * 1024;
    this.#maxDepth = opts.maxJsonDepth ?? 64;
    this.#observe = opts.observe;
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
    else {
      this.#observe?.(decoded.message);
      this.onmessage?.(decoded.message);
    }
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
    const message = asJsonRpcMessage(value);
    return message ? { message } : refuse(ErrorCode.InvalidRequest, 'Invalid Request: not a JSON-RPC 2.0 message', requestId(value));
  }

  #write(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.resolve();
    // The write callback settles on success and on failure (EPIPE, closed stdout), so send() never hangs.
    return new Promise((resolve, reject) => {
      this.output.write(serializeMessage(message), (err) => (err ? reject(err) : resolve()));
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

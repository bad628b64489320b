// What handlers see of a node HTTP request (`sctx.http.req`): its headers as web Headers, read straight from
// node's header object (building a real Headers validates every header: it was ≈ 3 % of a traced gateway's CPU);
// and one header as a single string, for the edge's own checks.
import type { IncomingMessage } from 'node:http';

/**
 * Web Headers over node's parsed headers. get/has read node's object (names are lower-case there, values of
 * repeated headers joined with ', ' as Headers joins them); anything else builds the real Headers once and
 * delegates to it from then on, so the object behaves as Headers in every way.
 */
class NodeHeaders implements Headers {
  #real: Headers | undefined;
  constructor(private readonly raw: IncomingMessage['headers']) {}

  get(name: string): string | null {
    if (this.#real) return this.#real.get(name);
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean {
    if (this.#real) return this.#real.has(name);
    return this.raw[name.toLowerCase()] !== undefined;
  }
  #full(): Headers {
    this.#real ??= new Headers(Object.entries(this.raw).flatMap(([k, v]) => (v === undefined ? [] : Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])) as [string, string][]);
    return this.#real;
  }
  getSetCookie(): string[] {
    return this.#full().getSetCookie();
  }
  append(name: string, value: string): void {
    this.#full().append(name, value);
  }
  delete(name: string): void {
    this.#full().delete(name);
  }
  set(name: string, value: string): void {
    this.#full().set(name, value);
  }
  forEach(fn: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#full().forEach((value, key) => {
      fn.call(thisArg, value, key, this);
    });
  }
  entries(): HeadersIterator<[string, string]> {
    return this.#full().entries();
  }
  keys(): HeadersIterator<string> {
    return this.#full().keys();
  }
  values(): HeadersIterator<string> {
    return this.#full().values();
  }
  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.#full()[Symbol.iterator]();
  }
}

/** What handlers see of the HTTP request: its headers, read from node's object when first asked for. */
class RequestView {
  readonly #req: IncomingMessage;
  #headers: Headers | undefined;
  constructor(req: IncomingMessage) {
    this.#req = req;
  }
  get headers(): Headers {
    this.#headers ??= new NodeHeaders(this.#req.headers);
    return this.#headers;
  }
}

/** A class instance, not a literal with a getter (a dictionary-mode object: see server/call-context.ts). */
export const requestInfo = (req: IncomingMessage): Request => new RequestView(req) as unknown as Request;

/** A header's value when it came once (a repeated header is an array in node: undefined here). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

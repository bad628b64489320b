// Caps how deeply an upstream's messages may nest, as the server edge does for callers: absurd nesting cannot be
// serialised on the way out, so a too-deep answer becomes an error for the request it answers, never a hang.
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { ErrorCode, type Logger } from '../core/index.js';
import { jsonDepth } from '../wire/json-depth.js';

/**
 * Deeper than the server edge's 64 (results carry user data, and the envelope adds a few levels), far below the
 * thousands of levels at which JSON.stringify overflows the stack.
 */
export const UPSTREAM_MAX_JSON_DEPTH = 128;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when a parsed value nests deeper than `limit`; iterative, and stops as soon as it knows. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // Two parallel stacks (containers and their depths): no allocation per node on this per-message path.
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/**
 * The top-level members of a JSON object text with every nested value read as null: enough to learn the id and
 * method of a message too deep to parse whole. Undefined when the text is not a JSON object.
 */
export function shallowParse(text: string): Record<string, unknown> | undefined {
  let out = '';
  let from = 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth === 2) out += `${text.slice(from, i)}null`;
    } else if ((c === 125 || c === 93) && depth-- === 2) from = i + 1;
  }
  try {
    const value: unknown = JSON.parse(out + text.slice(from));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const isId = (id: unknown): id is string | number => typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));

/** What becomes of one too-deep message: an error in its place for our pending request, a refusal sent back. */
export interface Refusal {
  /** Delivered instead of the message: the error response that ends our request. */
  deliver?: JSONRPCMessage;
  /** Sent back to the upstream: the error response to its request. */
  reply?: JSONRPCMessage;
}

export class DepthGuard {
  constructor(
    private readonly name: string,
    private readonly log: Logger,
    readonly limit: number = UPSTREAM_MAX_JSON_DEPTH,
  ) {}

  /** For a raw line (stdio): undefined when it is within the limit, else what becomes of it (see refuse). */
  screen(text: string): Refusal | undefined {
    // Only a text longer than the limit can nest deeper than it; shorter ones skip the scan.
    if (text.length <= this.limit || jsonDepth(text) <= this.limit) return undefined;
    return this.refuse(shallowParse(text));
  }

  /** Decides (and logs, at error level) what happens to a message that nests deeper than the limit. */
  refuse(envelope: Record<string, unknown> | undefined): Refusal {
    const id = envelope?.id;
    const method = typeof envelope?.method === 'string' ? envelope.method : undefined;
    const kind = method === undefined ? (isId(id) ? 'response' : 'message') : isId(id) ? 'request' : 'notification';
    const shown = (v: string | number) => (typeof v === 'string' ? v.slice(0, 100) : v); // the server picks these: bound them
    this.log.error({ kind, ...(method && { method: shown(method) }), ...(isId(id) && { id: shown(id) }), limit: this.limit }, 'upstream message nested too deeply; discarded');
    if (kind === 'response') {
      const message = `Server '${this.name}' sent a response nested deeper than ${this.limit} levels; it was discarded`;
      return { deliver: { jsonrpc: '2.0', id, error: { code: ErrorCode.InternalError, message } } as JSONRPCMessage };
    }
    if (kind === 'request') {
      const message = `Request refused: JSON nested too deeply (the limit is ${this.limit} levels)`;
      return { reply: { jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidRequest, message } } as JSONRPCMessage };
    }
    return {};
  }

  /**
   * Checks every message a connected `transport` delivers, ahead of the handlers installed so far (for transports
   * that parse for themselves, like the SDK's HTTP ones). Install it last: it must see messages first.
   */
  install(transport: Transport): void {
    const deliver = transport.onmessage;
    if (!deliver) return;
    transport.onmessage = (message, extra) => {
      if (!nestsDeeperThan(message, this.limit)) return deliver.call(transport, message, extra);
      const { deliver: instead, reply } = this.refuse(message as Record<string, unknown>);
      if (reply) transport.send(reply).catch((err: Error) => this.log.warn({ err: err.message }, 'refusing an upstream request failed'));
      if (instead) deliver.call(transport, instead, extra);
    };
  }
}

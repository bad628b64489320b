// Reads a request body under a byte cap and parses it as JSON, refusing absurd nesting before parsing; and
// refuses an oversize body with a 413 its client can actually read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../core/index.js';
import { jsonDepth } from '../../wire/json-depth.js';

export type BodyOutcome = { ok: true; value: unknown } | { ok: false; status: number; code: number; message: string };

/** The body, or undefined once it is over `max` bytes (reading then stops; the caller answers with `refuseTooLarge`). */
export function readCapped(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve(undefined);
  // Plain events, not `for await`: the async iterator costs a promise per chunk and its own stream listeners.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      done();
      req.pause();
      resolve(undefined);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => onError(new Error('request closed before its body was read'));
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

/** Requests whose parsed body is kept for after their answer (admin changes are audited with it), and the body. */
const kept = new WeakMap<IncomingMessage, unknown>();

/** Keeps what `readJsonBody` will parse from this request's body, for `keptBodyOf`. */
export function keepBodyOf(req: IncomingMessage): void {
  kept.set(req, undefined);
}

/** The JSON value a kept request's body parsed to; undefined when it was not read or did not parse. */
export function keptBodyOf(req: IncomingMessage): unknown {
  return kept.get(req);
}

/** The MCP endpoint's body: read under the cap and parsed, nothing kept. */
export async function readMcpBody(req: IncomingMessage, maxBytes: number, maxDepth: number): Promise<BodyOutcome> {
  const raw = await readCapped(req, maxBytes);
  if (!raw) {
    return { ok: false, status: 413, code: ErrorCode.InvalidRequest, message: `Request body too large: the limit is ${maxBytes} bytes` };
  }
  return parseMcpBody(raw.toString('utf8'), maxDepth);
}

/** A body's text as JSON, refusing absurd nesting before parsing. */
export function parseMcpBody(text: string, maxDepth: number): BodyOutcome {
  if (jsonDepth(text) > maxDepth) {
    return { ok: false, status: 400, code: ErrorCode.InvalidRequest, message: `JSON nested too deeply: the limit is ${maxDepth} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, status: 400, code: ErrorCode.ParseError, message: `Parse error: ${(err as Error).message}` };
  }
}

/** Bodies read before their route's handler (to decide where the request goes): what its readJsonBody gets. */
const preread = new WeakMap<IncomingMessage, BodyOutcome>();

/** A route's JSON body, as `readMcpBody` reads it; kept for `keptBodyOf` when the server asked (`keepBodyOf`). */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, maxDepth: number): Promise<BodyOutcome> {
  const outcome = preread.get(req) ?? (await readMcpBody(req, maxBytes, maxDepth));
  if (outcome.ok && kept.has(req)) kept.set(req, outcome.value);
  return outcome;
}

/** Reads a route's body before its handler runs (who holds what it is about); the handler's readJsonBody gets it. */
export async function prereadJsonBody(req: IncomingMessage, maxBytes: number, maxDepth: number): Promise<BodyOutcome> {
  const outcome = await readMcpBody(req, maxBytes, maxDepth);
  preread.set(req, outcome);
  return outcome;
}

/** How much of a refused body is still read and thrown away, and for how long, before the connection is cut. */
export const drainBound = (maxBytes: number) => ({ bytes: Math.max(4 * maxBytes, 4 * 1024 * 1024), ms: 10_000 });

/**
 * Answers 413 and closes the connection, but only once the client has finished sending (within `drainBound`):
 * a client that sends its whole body before reading (fetch without `Expect: 100-continue`) would otherwise hit
 * a reset (EPIPE) instead of reading the status. The answer is written first, so a client that reads early has it.
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, message: string, maxBytes: number): void {
  const text = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: ErrorCode.InvalidRequest, message } });
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.write(text);
  const bound = drainBound(maxBytes);
  const declared = Number(req.headers['content-length']);
  if (req.complete || (Number.isFinite(declared) && declared > bound.bytes)) return void res.end();
  let drained = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off('data', onData).off('end', finish).off('close', finish).off('error', finish);
    res.end();
  };
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > bound.bytes) finish();
  };
  const timer = setTimeout(finish, bound.ms);
  timer.unref();
  req.on('data', onData).once('end', finish).once('close', finish).once('error', finish);
  req.resume();
}

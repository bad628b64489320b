// Reads a request body under a byte cap and parses it as JSON, refusing absurd nesting before parsing.
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../core/index.js';
import { jsonDepth } from '../../wire/json-depth.js';

export type BodyOutcome = { ok: true; value: unknown } | { ok: false; status: number; code: number; message: string };

/** The body, or undefined once it is over `max` bytes (reading then stops; the caller answers 413 and closes). */
function readCapped(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
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

export async function readJsonBody(req: IncomingMessage, maxBytes: number, maxDepth: number): Promise<BodyOutcome> {
  const raw = await readCapped(req, maxBytes);
  if (!raw) {
    return { ok: false, status: 413, code: ErrorCode.InvalidRequest, message: `Request body too large: the limit is ${maxBytes} bytes` };
  }
  const text = raw.toString('utf8');
  if (jsonDepth(text) > maxDepth) {
    return { ok: false, status: 400, code: ErrorCode.InvalidRequest, message: `JSON nested too deeply: the limit is ${maxDepth} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, status: 400, code: ErrorCode.ParseError, message: `Parse error: ${(err as Error).message}` };
  }
}

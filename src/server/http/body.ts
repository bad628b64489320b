// Reads a request body under a byte cap and parses it as JSON, refusing absurd nesting before parsing.
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../core/index.js';
import { jsonDepth } from '../../wire/json-depth.js';

export type BodyOutcome = { ok: true; value: unknown } | { ok: false; status: number; code: number; message: string };

async function readCapped(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
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

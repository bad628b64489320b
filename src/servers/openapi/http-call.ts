// Performs one operation's HTTP request with node:http(s): URL built from the base and the arguments, the
// egress checks, auth, a timeout (and the caller's cancellation), and a cap on the bytes read back.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ToolError } from '../../core/index.js';
import { checkLiteralHost, EgressRefused, guardedLookup, isAllowedUrl } from './egress.js';
import type { Operation } from './operations.js';

export interface CallSettings {
  baseUrl: string;
  allowed: string[];
  allowPrivateNetwork: boolean;
  /** Headers and query parameters the configured auth adds. */
  authHeaders: Record<string, string>;
  authQuery: Record<string, string>;
  maxResponseBytes: number;
  timeoutMs: number;
}

export interface CallOutcome {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export function buildUrl(op: Operation, args: Record<string, unknown>, s: CallSettings): URL {
  let path = op.path;
  for (const b of op.params.filter((p) => p.in === 'path')) {
    const v = args[b.arg];
    if (v === undefined || v === null) throw new ToolError(`Missing required path parameter '${b.arg}'`);
    path = path.replaceAll(`{${b.name}}`, encodeURIComponent(String(v)));
  }
  const base = s.baseUrl.endsWith('/') ? s.baseUrl.slice(0, -1) : s.baseUrl;
  const url = new URL(base + path);
  for (const b of op.params.filter((p) => p.in === 'query')) {
    const v = args[b.arg];
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(b.name, typeof item === 'object' ? JSON.stringify(item) : String(item));
  }
  for (const [k, v] of Object.entries(s.authQuery)) url.searchParams.set(k, v);
  // After normalisation: a path argument of `..` must not walk out of the allowed prefix.
  if (!isAllowedUrl(url, s.allowed)) throw new ToolError(`Refused: ${url.origin}${url.pathname} is outside the allowed base URLs`);
  return url;
}

export function send(op: Operation, args: Record<string, unknown>, s: CallSettings, signal: AbortSignal): Promise<CallOutcome> {
  const url = buildUrl(op, args, s);
  if (!s.allowPrivateNetwork) {
    try {
      checkLiteralHost(url);
    } catch (err) {
      return Promise.reject(new ToolError(`Refused: ${(err as Error).message}`));
    }
  }
  const headers: Record<string, string> = { accept: 'application/json, */*;q=0.5', ...s.authHeaders };
  for (const b of op.params.filter((p) => p.in === 'header')) if (args[b.arg] !== undefined) headers[b.name] = String(args[b.arg]);
  let payload: Buffer | undefined;
  if (op.hasBody && args.body !== undefined) {
    payload = Buffer.from(JSON.stringify(args.body));
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<CallOutcome>((resolve, reject) => {
    const timeout = AbortSignal.timeout(s.timeoutMs);
    let req: ReturnType<typeof request>;
    try {
      req = request(url, {
        method: op.method.toUpperCase(),
        headers,
        signal: AbortSignal.any([signal, timeout]),
        ...(!s.allowPrivateNetwork && { lookup: guardedLookup as never }),
      });
    } catch (err) {
      // e.g. a header argument with a line break: node:http refuses it before anything is sent.
      reject(new ToolError(`Cannot send ${op.method.toUpperCase()} ${op.path}: ${(err as Error).message}`));
      return;
    }
    req.on('error', (err) => {
      if (err instanceof EgressRefused) reject(new ToolError(`Refused: ${err.message}`));
      else if (timeout.aborted) reject(new ToolError(`${op.method.toUpperCase()} ${url.origin}${url.pathname} timed out after ${s.timeoutMs} ms`));
      else if (signal.aborted) reject(err);
      else reject(new ToolError(`${op.method.toUpperCase()} ${url.origin}${url.pathname} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > s.maxResponseBytes) {
          req.destroy();
          reject(new ToolError(`The response is over the ${s.maxResponseBytes}-byte limit; narrow the request (filters, a smaller page)`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.end(payload);
  });
}

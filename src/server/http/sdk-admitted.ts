// 2026-era requests the SDK's per-request handler answers itself (server/discover, subscriptions/listen): the
// pipeline admits each first, then the SDK writes its own answer; a refusal is answered here, with the HTTP status
// of the 2026-era ladder (and the Bearer challenge for 401/403).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestId } from '@modelcontextprotocol/server';
import { ErrorCode, WireError } from '../../core/index.js';
import type { Admit } from '../gate.js';
import type { EdgeIdentity } from '../identity.js';
import type { EdgeAuth } from './edge-auth.js';
import { requestInfo } from './request-info.js';
import { sendJson } from './respond.js';

export type AdmittedMessage = { id: RequestId; method: string; params?: Record<string, unknown> };

export interface AdmittedDeps {
  admit: Admit;
  edgeAuth: EdgeAuth;
  /** Hands the request to the SDK's handler (node adapter). */
  deliver: (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<void>;
}

/** JSON-RPC error codes a refused admission answers with an HTTP status other than 200 (the 2026-era ladder). */
export const REFUSAL_STATUS = new Map<number, number>([
  [ErrorCode.MethodNotFound, 404],
  [ErrorCode.InvalidParams, 400],
  [ErrorCode.InvalidRequest, 400],
  [ErrorCode.Unauthorized, 401],
  [ErrorCode.Forbidden, 403],
  [ErrorCode.RateLimited, 429],
]);

const closed = (res: ServerResponse) => (res.closed ? Promise.resolve() : new Promise<void>((r) => res.once('close', () => r())));

/** A 2026-era request the SDK's handler answers itself (listen, discover, …): the pipeline admits it first. */
export async function serveAdmitted(deps: AdmittedDeps, identity: EdgeIdentity, req: IncomingMessage, res: ServerResponse, message: AdmittedMessage, body: unknown): Promise<void> {
  const { admit, edgeAuth, deliver: modernAdapter } = deps;
  const gone = new AbortController();
  res.once('close', () => gone.abort(new Error('client disconnected')));
  // The SDK accepts a listen by opening its event stream; a refusal is a JSON body (in-band errors are 200 too).
  let accept = () => {};
  const accepted = new Promise<void>((resolve) => {
    accept = resolve;
  });
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    const headers = rest.find((h) => typeof h === 'object' && h !== null) as Record<string, unknown> | undefined;
    if (status === 200 && String(headers?.['content-type'] ?? '').startsWith('text/event-stream')) accept();
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
  } as typeof res.writeHead;
  let delivered = false;
  try {
    await admit({
      method: message.method,
      params: message.params ?? {},
      id: message.id,
      identity,
      http: requestInfo(req),
      signal: gone.signal,
      accepted,
      // The SDK writes its own answer; for a listen, the request lasts as long as its stream.
      deliver: async () => {
        // Any other method is unknown: the SDK would answer it in-band (HTTP 200) when a fallback handler is set
        // (passthrough servers); the spec wants 404.
        if (message.method !== 'server/discover' && message.method !== 'subscriptions/listen') throw new WireError(ErrorCode.MethodNotFound, `Method not found: ${message.method}`);
        delivered = true;
        await modernAdapter(req, res, body);
        await closed(res);
        return {};
      },
    });
  } catch (err) {
    // Once the SDK has the request, the response is its own.
    if (delivered || res.headersSent) return;
    const { code, message: text, data } = err as { code: number; message: string; data?: unknown };
    const status = REFUSAL_STATUS.get(code) ?? 200;
    const challenge = status === 401 || status === 403 ? edgeAuth.pipelineChallenge(req, code, text, data) : undefined;
    sendJson(res, status, { jsonrpc: '2.0', id: message.id, error: { code, message: text, ...(data !== undefined && { data }) } }, challenge);
  }
}

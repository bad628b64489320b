// Plain JSON and JSON-RPC error replies written straight to a node response (no SDK involved).
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function rpcErrorBody(code: number, message: string, id: string | number | null = null) {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

export function sendRpcError(res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>, id: string | number | null = null): void {
  sendJson(res, status, rpcErrorBody(code, message, id), headers);
}

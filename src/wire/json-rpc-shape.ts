// A cheap structural check that a parsed value is one JSON-RPC 2.0 message (request, notification, result or
// error). It runs on every message crossing a transport; the SDK's Protocol still validates what it dispatches.
import type { JSONRPCMessage } from '@modelcontextprotocol/server';

const isId = (id: unknown) => typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function asJsonRpcMessage(value: unknown): JSONRPCMessage | undefined {
  if (!isObject(value) || value.jsonrpc !== '2.0') return undefined;
  if ('method' in value) {
    if (typeof value.method !== 'string' || ('params' in value && !isObject(value.params))) return undefined;
    if ('id' in value && !isId(value.id)) return undefined;
    return value as JSONRPCMessage;
  }
  if ('result' in value) return isId(value.id) && isObject(value.result) ? (value as JSONRPCMessage) : undefined;
  if ('error' in value) {
    const error = value.error;
    const ok = (isId(value.id) || value.id === null) && isObject(error) && typeof error.code === 'number' && typeof error.message === 'string';
    return ok ? (value as JSONRPCMessage) : undefined;
  }
  return undefined;
}

/** For messages already checked by asJsonRpcMessage (or built by the SDK): which kind, without a schema parse. */
export const isRequestShape = (m: JSONRPCMessage): m is JSONRPCMessage & { id: string | number; method: string } => 'method' in m && 'id' in m;
export const isResponseShape = (m: JSONRPCMessage): m is JSONRPCMessage & { id: string | number } => !('method' in m) && ('result' in m || 'error' in m);

// Cheap structural checks that a parsed value is one JSON-RPC 2.0 message (request, notification, result or
// error), run on every message crossing a transport: a lenient one for what servers send us, and one as strict as
// the SDK's Protocol for what clients send a server (what it would drop must be answered instead).
import { type JSONRPCMessage, RELATED_TASK_META_KEY } from '@modelcontextprotocol/server';
import { ErrorCode } from '../core/index.js';

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

/**
 * In place of an answer the lenient check refuses but whose id is still readable (a `result` that is not an object,
 * an `error` without its code or message, neither): an error response for that id saying so, so the request it
 * answers fails now instead of waiting out its timeout. Undefined for anything else.
 */
export function malformedAnswer(value: unknown, who: string): JSONRPCMessage | undefined {
  if (!isObject(value) || 'method' in value || !isId(value.id)) return undefined;
  if (!('result' in value) && !('error' in value) && value.jsonrpc !== '2.0') return undefined;
  const why =
    value.jsonrpc !== '2.0'
      ? 'jsonrpc must be "2.0"'
      : 'result' in value && 'error' in value
        ? 'it has both result and error'
        : 'result' in value
          ? 'its result must be an object'
          : 'error' in value
            ? 'its error must be an object with a numeric code and a string message'
            : 'it has neither result nor error';
  return { jsonrpc: '2.0', id: value.id as string | number, error: { code: ErrorCode.InternalError, message: `${who} answered with a malformed response: ${why}` } };
}

/** The members each kind of message may have: the SDK's JSON-RPC schemas are strict (another member and it drops the message). */
const MEMBERS = {
  request: ['jsonrpc', 'id', 'method', 'params'],
  notification: ['jsonrpc', 'method', 'params'],
  result: ['jsonrpc', 'id', 'result'],
  error: ['jsonrpc', 'id', 'error'],
} as const;

/** An id the SDK takes: a string or a safe integer (its schema is `string | int`). */
const isSdkId = (id: unknown) => typeof id === 'string' || Number.isSafeInteger(id);

/** What is wrong with a request's or notification's `params` as the SDK reads them (its `_meta`), if anything. */
function paramsProblem(params: unknown): string | undefined {
  if (params === undefined) return undefined;
  if (!isObject(params)) return 'params must be an object';
  const meta = params._meta;
  if (meta === undefined) return undefined;
  if (!isObject(meta)) return 'params._meta must be an object';
  if (meta.progressToken !== undefined && !isSdkId(meta.progressToken)) return 'params._meta.progressToken must be a string or an integer';
  const task = meta[RELATED_TASK_META_KEY];
  if (task !== undefined && !(isObject(task) && typeof task.taskId === 'string')) return `params._meta["${RELATED_TASK_META_KEY}"] must be an object with a string taskId`;
  return undefined;
}

/**
 * Why a message a client sent would not be dispatched, or undefined when it would. The SDK's Protocol drops what its
 * JSON-RPC schemas refuse without a word (a request so dropped is never answered), so a server checks first and
 * answers with the reason: members beyond JSON-RPC's, an id that is not a string or an integer, a `_meta` the SDK
 * cannot read. Mirrors those schemas (test/wire/json-rpc-shape.test.ts keeps the two in agreement) but for an error
 * answer with a null id, taken here (there is nothing to route it to; the SDK drops it harmlessly).
 */
export function jsonRpcProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON-RPC 2.0 message (a JSON object)';
  if (value.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  const kind = 'method' in value ? ('id' in value ? 'request' : 'notification') : 'result' in value ? 'result' : 'error' in value ? 'error' : undefined;
  if (kind === undefined) return 'not a JSON-RPC 2.0 message: it has no method, result or error';
  const allowed: readonly string[] = MEMBERS[kind];
  const extra = Object.keys(value).find((k) => !allowed.includes(k));
  if (extra !== undefined) return `unknown member "${extra}" (a JSON-RPC ${kind} has only ${allowed.join(', ')})`;
  if (kind === 'error') {
    const error = value.error;
    if (!(value.id === undefined || value.id === null || isSdkId(value.id))) return 'the id must be a string or an integer';
    return isObject(error) && Number.isSafeInteger(error.code) && typeof error.message === 'string' ? undefined : 'error must be an object with an integer code and a string message';
  }
  if (kind !== 'notification' && !isSdkId(value.id)) return 'the id must be a string or an integer';
  if (kind === 'result') {
    if (!isObject(value.result)) return 'result must be an object';
    return value.result._meta === undefined || isObject(value.result._meta) ? undefined : 'result._meta must be an object';
  }
  if (typeof value.method !== 'string') return 'method must be a string';
  return paramsProblem(value.params);
}

/**
 * The id to refuse a message with, when it is a string or a number (JSON-RPC answers null when it cannot be read).
 * Never a response's: its id is the peer's own request's, which an error with that id would answer.
 */
export function refusalId(value: unknown): string | number | null {
  if (!isObject(value) || (!('method' in value) && ('result' in value || 'error' in value))) return null;
  const id = value.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

/** For messages already checked by asJsonRpcMessage (or built by the SDK): which kind, without a schema parse. */
export const isRequestShape = (m: JSONRPCMessage): m is JSONRPCMessage & { id: string | number; method: string } => 'method' in m && 'id' in m;
export const isResponseShape = (m: JSONRPCMessage): m is JSONRPCMessage & { id: string | number } => !('method' in m) && ('result' in m || 'error' in m);

// What the SDK's 2026-era result decoding does not take as it comes: results that omit `resultType` (real servers
// do: a result without it and without input requests can only mean "complete"), and the tasks extension's
// `resultType: 'task'` (SEP-2663), which it refuses outright. Both are rewritten on the connection's way in, and a
// task answer travels as a complete result carrying the answer whole in its `_meta`, unwrapped by `carriedTask`.
import type { Transport } from '@modelcontextprotocol/client';
import type { Logger } from '../core/index.js';

type Json = Record<string, unknown>;

/** The `_meta` key a task answer travels under through the SDK's decoding (never seen outside this file's pair). */
const TASK_CARRIER = 'mcplex.dev/taskAnswer';

/** Rewrites a 2026-era connection's results the SDK would refuse: no `resultType` (complete), `task` (carried). */
export function decodableResults(transport: Transport, log: Logger): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  let warned = false;
  transport.onmessage = (message, extra) => {
    const result = (message as { result?: unknown }).result;
    if (!result || typeof result !== 'object' || 'method' in message) return deliver.call(transport, message, extra);
    const type = (result as Json).resultType;
    if (type === 'task') {
      const carried = { resultType: 'complete', content: [], _meta: { [TASK_CARRIER]: result } };
      return deliver.call(transport, { ...message, result: carried } as typeof message, extra);
    }
    if (type === undefined && !('inputRequests' in result)) {
      if (!warned) {
        warned = true;
        log.warn({ missing: 'resultType' }, 'upstream speaks 2026-07-28 but sent a result without resultType; treating such results as complete (pin it with protocol: 2025-11-25 if it misbehaves otherwise)');
      }
      return deliver.call(transport, { ...message, result: { ...(result as Json), resultType: 'complete' } } as typeof message, extra);
    }
    deliver.call(transport, message, extra);
  };
}

/** The upstream's answer as it sent it: a task answer unwrapped, anything else as it is. */
export function carriedTask(result: Json): Json {
  const meta = result._meta as Json | undefined;
  const task = meta?.[TASK_CARRIER];
  return task !== undefined && task !== null && typeof task === 'object' ? (task as Json) : result;
}

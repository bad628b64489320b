// A 2025-11-25 server's tasks (that revision's task augmentation, SEP-1686): a tool it lists with
// `execution.taskSupport: 'required'` is refused unless called with `task`, and answers with a task to poll. The
// gateway and the CLI call such a tool as a task and await its end with `tasks/result` (which answers once the task
// has ended, relaying what the task asks meanwhile), so callers get the tool's result as from any other tool; the
// wait is the call's own (its deadline, its cancellation: a cancelled wait cancels the task).
import { type Abortable, ErrorCode, WireError } from '../core/index.js';
import { isObject } from '../wire/json-rpc-shape.js';
import type { Json, Upstream } from './upstream.js';

/** The tools of a tools/list page that a 2025-era server runs only as tasks. */
export function taskOnlyTools(tools: readonly Json[]): Set<string> {
  return new Set(tools.filter((t) => isObject(t.execution) && t.execution.taskSupport === 'required').map((t) => String(t.name)));
}

/** What awaiting a 2025-era task needs. */
export interface LegacyTaskIo {
  /** Sends the call and its tasks/result as the call's own requests go (its deadline, its cancellation). */
  send(method: 'tools/call' | 'tasks/result', params: Json): Promise<Json>;
  signal?: Abortable;
  /** Sends tasks/cancel on the caller's account once the call's signal has fired (best effort). */
  cancel(taskId: string): void;
  /** Told of the task once the server has made it (its taskId, status and statusMessage), e.g. to show a person. */
  onTask?(task: Json): void;
}

/** A tool's definition as listed for callers to call it as any other (the task is awaited for them). */
export function withoutTaskSupport(tool: Json): Json {
  if (!isObject(tool.execution) || tool.execution.taskSupport === undefined) return tool;
  const { taskSupport: _awaited, ...execution } = tool.execution;
  const { execution: _execution, ...rest } = tool;
  return Object.keys(execution).length > 0 ? { ...rest, execution } : rest;
}

/** Sends tasks/cancel for a 2025-era task, on no call's account (best effort: it expires there anyway). */
export function cancelLegacyTask(upstream: Upstream, taskId: string): Promise<void> {
  return upstream.request('tasks/cancel', { taskId }, { timeoutMs: 5_000 }).then(
    () => undefined,
    () => undefined,
  );
}

/** Calls a tool as a task (`params` as for tools/call) and answers with the tool's result once the task has ended. */
export async function callAsLegacyTask(params: Json, io: LegacyTaskIo): Promise<Json> {
  const created = await io.send('tools/call', { ...params, task: {} });
  const task = created.task;
  if (!isObject(task) || typeof task.taskId !== 'string') {
    // A server that ran it at once after all.
    if (Array.isArray(created.content)) return created;
    throw new WireError(ErrorCode.UpstreamBadReply, 'The server answered a task-augmented call with neither a task nor a result');
  }
  const { taskId } = task;
  io.onTask?.(task);
  const cancel = () => io.cancel(taskId);
  io.signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await io.send('tasks/result', { taskId });
  } finally {
    io.signal?.removeEventListener('abort', cancel);
  }
}

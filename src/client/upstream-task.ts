// Awaiting an upstream's task (the 2026-07-28 tasks extension, SEP-2663) for someone who cannot poll it: the
// gateway for a 2025-era caller or for a task of its own, the CLI for the person at the terminal. The tool is asked
// for again declaring the extension when the server says it runs only as a task (-32021); its task is polled at the
// server's pollIntervalMs, what it asks is answered, and cancelling the wait cancels the task.
import { type Abortable, ErrorCode, signalOf, WireError } from '../core/index.js';
import { isObject } from '../wire/json-rpc-shape.js';
import { CLIENT_CAPABILITIES_META, TASKS_EXTENSION, TERMINAL_TASK_STATUSES } from '../wire/tasks-extension.js';
import type { Json, Upstream } from './upstream.js';

/** The shortest and longest wait between polls of a task, whatever its pollIntervalMs says. */
const POLL_MS = { min: 50, max: 5_000, otherwise: 500 } as const;

/** Whether `err` is a server's -32021 asking for the tasks extension (a tool it runs only as a task). */
export function needsTasks(err: unknown): boolean {
  const { code, data } = err as { code?: unknown; data?: { requiredCapabilities?: { extensions?: Record<string, unknown> } } };
  return code === -32021 && data?.requiredCapabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
}

/** `capabilities` with the tasks extension declared (the caller's own declaration of it kept, if any). */
export function withTasksDeclared(capabilities: Json): Json {
  const extensions = (capabilities.extensions ?? {}) as Json;
  return { ...capabilities, extensions: { ...extensions, [TASKS_EXTENSION]: extensions[TASKS_EXTENSION] ?? {} } };
}

/** Sends tasks/cancel for an upstream's task, on the gateway's own account (best effort: it expires there anyway). */
export function cancelUpstreamTask(upstream: Upstream, taskId: string): Promise<void> {
  const _meta = { [CLIENT_CAPABILITIES_META]: withTasksDeclared({}) };
  return upstream.request('tasks/cancel', { taskId, _meta }, { timeoutMs: 5_000 }).then(
    () => undefined,
    () => undefined, // the upstream may have ended or forgotten the task
  );
}

/** What awaiting an upstream's task needs from whoever awaits it. */
export interface TaskAwait {
  /** Sends a tasks/* request to the task's upstream (declaring the extension), as the call's own requests go. */
  send(method: string, params: Json): Promise<Json>;
  /** Asks the caller what the task asks for (its `inputRequests`); the answers, keyed the same. */
  fulfil(inputRequests: Json): Promise<Json>;
  /** The call's cancellation (the caller's, its deadline's). */
  signal: Abortable;
  /** Cancels the task upstream when the call ends before it (on the gateway's account: the call's signal has fired). */
  cancel(taskId: string): void;
  /** Told of the task as each poll finds it (its status and statusMessage), e.g. to show a person. */
  onStatus?(task: Json): void;
}

/**
 * Runs an upstream's task to its end for a caller that cannot poll one: the task's result, or its error thrown
 * as the upstream gave it. Cancelling the call cancels the task upstream.
 */
export async function awaitUpstreamTask(created: Json, io: TaskAwait): Promise<Json> {
  const taskId = created.taskId;
  if (typeof taskId !== 'string') throw new WireError(ErrorCode.UpstreamBadReply, 'The upstream answered with a task that has no taskId');
  let task = created;
  try {
    for (;;) {
      io.onStatus?.(task);
      if (task.status === 'completed') return isObject(task.result) ? task.result : {};
      if (task.status === 'failed') {
        const { code, message, data } = taskErrorOf(task.error);
        throw new WireError(code, message, data);
      }
      if (task.status === 'cancelled') throw new WireError(ErrorCode.InternalError, `The upstream cancelled the task${typeof task.statusMessage === 'string' ? `: ${task.statusMessage}` : ''}`);
      if (task.status === 'input_required' && isObject(task.inputRequests)) {
        const inputResponses = await io.fulfil(task.inputRequests);
        await io.send('tasks/update', { taskId, inputResponses });
      } else {
        await pause(pollDelay(task.pollIntervalMs), io.signal);
      }
      task = await io.send('tasks/get', { taskId });
    }
  } catch (err) {
    if (!TERMINAL_TASK_STATUSES.has(String(task.status))) io.cancel(taskId);
    throw err;
  }
}

/** A failed task's `error` as the server recorded it (a JSON-RPC error object), with defaults for what it left out. */
export function taskErrorOf(error: unknown): { code: number; message: string; data?: unknown } {
  const e = isObject(error) ? error : {};
  return {
    code: typeof e.code === 'number' ? e.code : ErrorCode.InternalError,
    message: typeof e.message === 'string' ? e.message : 'The task failed',
    ...(e.data !== undefined && { data: e.data }),
  };
}

function pollDelay(asked: unknown): number {
  if (typeof asked !== 'number' || !Number.isFinite(asked)) return POLL_MS.otherwise;
  return Math.min(POLL_MS.max, Math.max(POLL_MS.min, asked));
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
function pause(ms: number, abortable: Abortable): Promise<void> {
  if (abortable.aborted) return Promise.reject(abortable.reason);
  const signal = signalOf(abortable);
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}

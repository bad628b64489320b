// Tasks an upstream runs itself (the 2026-07-28 tasks extension, SEP-2663), for tools the gateway does not run as
// its own tasks. A 2026-era caller that declared the extension gets the upstream's CreateTaskResult under an id of the
// gateway's (two upstreams may mint the same id, and an upstream knows one client, the gateway: which caller may
// poll which task is the gateway's to check); its tasks/get, tasks/update and tasks/cancel go to that upstream under
// the upstream's id. Any other caller gets the task's end as an ordinary answer: the gateway polls it, relays what
// it asks for, and cancels it when the caller gives up.
import type { Json, Upstream } from '../client/upstream.js';
import { type Abortable, type CallContext, ErrorCode, type McpResult, signalOf, WireError } from '../core/index.js';
import { TASKS_EXTENSION, type Task, type TaskRegistry, type TaskStatus, TASK_STATUSES, taskOwner } from '../server/index.js';
import { isObject } from '../wire/json-rpc-shape.js';

/** A gateway task standing for one of an upstream's. */
export interface RelayedTask {
  readonly upstream: Upstream;
  readonly upstreamTaskId: string;
  /** Set once tasks/cancel went upstream (the caller's own, or one sent when the gateway's task was cancelled). */
  cancelSent?: boolean;
}

/** The shortest and longest wait between polls of an upstream's task, whatever its pollIntervalMs says. */
const POLL_MS = { min: 50, max: 5_000, otherwise: 500 } as const;

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** Whether `err` is an upstream's -32021 asking for the tasks extension (a tool it runs only as a task). */
export function needsTasks(err: unknown): boolean {
  const { code, data } = err as { code?: unknown; data?: { requiredCapabilities?: { extensions?: Record<string, unknown> } } };
  return code === -32021 && data?.requiredCapabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
}

export class RelayedTasks {
  readonly #relayed = new WeakMap<Task, RelayedTask>();

  constructor(private readonly registry: TaskRegistry) {}

  /**
   * The upstream's CreateTaskResult as the caller sees it: a gateway task stands for it (kept as long as the upstream
   * says it keeps its own, within the registry's bounds), and cancelling that task (an operator, a reload that
   * revoked access, shutdown) cancels the upstream's.
   */
  adopt(ctx: CallContext, upstream: Upstream, answer: Json): { task: Task; result: McpResult } {
    const upstreamTaskId = answer.taskId;
    if (typeof upstreamTaskId !== 'string') throw new WireError(ErrorCode.UpstreamBadReply, `Server '${upstream.name}' answered with a task that has no taskId`);
    const ttlMs = typeof answer.ttlMs === 'number' && answer.ttlMs > 0 ? answer.ttlMs : undefined;
    const relayed: RelayedTask = { upstream, upstreamTaskId };
    let task: Task;
    try {
      task = this.registry.create(taskOwner(ctx.principal), ttlMs);
    } catch (err) {
      // Over the registry's bounds: the upstream's task would run for nobody.
      this.#cancelUpstream(relayed);
      throw err;
    }
    this.#relayed.set(task, relayed);
    this.#note(task, answer);
    task.abort.signal.addEventListener('abort', () => this.#cancelUpstream(relayed), { once: true });
    return { task, result: { ...answer, taskId: task.taskId } };
  }

  /** The upstream task behind the gateway's `task`, if it stands for one. */
  of(task: Task): RelayedTask | undefined {
    return this.#relayed.get(task);
  }

  /** The upstream's answer to a tasks/* request about `task`, under the gateway's id; its status noted here. */
  answered(task: Task, method: string, answer: McpResult): McpResult {
    const relayed = this.#relayed.get(task)!;
    if (method === 'tasks/cancel') {
      relayed.cancelSent = true;
      this.registry.cancel(task);
    }
    this.#note(task, answer);
    return 'taskId' in answer ? { ...answer, taskId: task.taskId } : answer;
  }

  /** What the gateway's task shows an operator: the upstream's status and message as last seen. */
  #note(task: Task, answer: Json): void {
    const status = answer.status;
    if (typeof status === 'string' && (TASK_STATUSES as readonly string[]).includes(status)) {
      this.registry.observe(task, status as TaskStatus, typeof answer.statusMessage === 'string' ? answer.statusMessage : undefined);
    }
  }

  #cancelUpstream(relayed: RelayedTask): void {
    if (relayed.cancelSent) return;
    relayed.cancelSent = true;
    cancelUpstreamTask(relayed.upstream, relayed.upstreamTaskId);
  }
}

/** Sends tasks/cancel for an upstream's task, on the gateway's own account (best effort: it expires there anyway). */
export function cancelUpstreamTask(upstream: Upstream, taskId: string): void {
  const _meta = { 'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } } };
  upstream.request('tasks/cancel', { taskId, _meta }).catch(() => {
    // The upstream may have ended or forgotten the task.
  });
}

/** What awaiting an upstream's task needs from the forwarder. */
export interface TaskAwait {
  /** Sends a tasks/* request to the task's upstream (declaring the extension), as the call's own requests go. */
  send(method: string, params: Json): Promise<Json>;
  /** Asks the caller what the task asks for (its `inputRequests`); the answers, keyed the same. */
  fulfil(inputRequests: Json): Promise<Json>;
  /** The call's cancellation (the caller's, its deadline's). */
  signal: Abortable;
  /** Cancels the task upstream when the call ends before it (on the gateway's account: the call's signal has fired). */
  cancel(taskId: string): void;
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
      if (task.status === 'completed') return isObject(task.result) ? task.result : {};
      if (task.status === 'failed') throw taskError(task);
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
    if (!TERMINAL.has(String(task.status))) io.cancel(taskId);
    throw err;
  }
}

/** A failed task's error as the upstream recorded it. */
function taskError(task: Json): WireError {
  const error = isObject(task.error) ? task.error : {};
  const code = typeof error.code === 'number' ? error.code : ErrorCode.InternalError;
  return new WireError(code, typeof error.message === 'string' ? error.message : 'The task failed', error.data);
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

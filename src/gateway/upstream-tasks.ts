// Tasks an upstream runs itself (the 2026-07-28 tasks extension, SEP-2663), for tools the gateway does not run as
// its own tasks. A 2026-era caller that declared the extension gets the upstream's CreateTaskResult under an id of the
// gateway's (two upstreams may mint the same id, and an upstream knows one client, the gateway: which caller may
// poll which task is the gateway's to check); its tasks/get, tasks/update and tasks/cancel go to that upstream under
// the upstream's id. Any other caller gets the task's end as an ordinary answer: the gateway polls it, relays what
// it asks for, and cancels it when the caller gives up (src/client/upstream-task.ts).
import type { Json, Upstream } from '../client/upstream.js';
import { cancelUpstreamTask, taskErrorOf } from '../client/upstream-task.js';
import { type CallContext, ErrorCode, type McpResult, WireError } from '../core/index.js';
import { type Task, type TaskRegistry, taskOwner } from '../server/index.js';
import { isObject } from '../wire/json-rpc-shape.js';

/** A gateway task standing for one of an upstream's. */
export interface RelayedTask {
  readonly upstream: Upstream;
  readonly upstreamTaskId: string;
  /** Sends tasks/cancel for it on the connection the caller's calls go on (their own instance, when isolated). */
  readonly cancel: (upstreamTaskId: string) => Promise<void>;
  /** Set once tasks/cancel went upstream (the caller's own, or one sent when the gateway's task was cancelled). */
  cancelSent?: boolean;
}

export class RelayedTasks {
  readonly #relayed = new WeakMap<Task, RelayedTask>();

  constructor(private readonly registry: TaskRegistry) {}

  /**
   * The upstream's CreateTaskResult as the caller sees it: a gateway task stands for it (kept as long as the upstream
   * says it keeps its own, within the registry's bounds), and cancelling that task (an operator, a reload that
   * revoked access, shutdown) cancels the upstream's.
   */
  adopt(ctx: CallContext, upstream: Upstream, answer: Json, cancel: RelayedTask['cancel'] = (id) => cancelUpstreamTask(upstream, id)): { task: Task; result: McpResult } {
    const upstreamTaskId = answer.taskId;
    if (typeof upstreamTaskId !== 'string') throw new WireError(ErrorCode.UpstreamBadReply, `Server '${upstream.name}' answered with a task that has no taskId`);
    const ttlMs = typeof answer.ttlMs === 'number' && answer.ttlMs > 0 ? answer.ttlMs : undefined;
    const relayed: RelayedTask = { upstream, upstreamTaskId, cancel };
    let task: Task;
    try {
      task = this.registry.create(taskOwner(ctx.principal), ttlMs);
    } catch (err) {
      // Over the registry's bounds: the upstream's task would run for nobody.
      this.#cancelUpstream(relayed);
      throw err;
    }
    this.#relayed.set(task, relayed);
    this.#note(task, relayed, answer, false);
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
    this.#note(task, relayed, answer, method === 'tasks/get');
    return 'taskId' in answer ? { ...answer, taskId: task.taskId } : answer;
  }

  /**
   * Whether `err`, the upstream's answer to a tasks/get about `task`, says it no longer knows the task (-32602 naming
   * it: it restarted, or forgot it); if so the gateway's task fails saying so, and is answered by the gateway from then on.
   */
  lost(task: Task, method: string, err: unknown): boolean {
    const relayed = this.#relayed.get(task)!;
    const { code, message, data } = err as { code?: unknown; message?: unknown; data?: { taskId?: unknown } };
    const named = data?.taskId === relayed.upstreamTaskId || (typeof message === 'string' && message.includes(relayed.upstreamTaskId));
    if (method !== 'tasks/get' || code !== ErrorCode.InvalidParams || !named) return false;
    const why = `Server '${relayed.upstream.name}' no longer has this task (it may have restarted)`;
    this.registry.settle(task, () => ({ error: { code: ErrorCode.UpstreamUnavailable, message: why } }));
    return true;
  }

  /**
   * The upstream's word on `task` (`full`: a tasks/get answer, the result or error inlined once it ended): an ended
   * task is kept here as it ended, and answered by the gateway from then on (the upstream may forget it first).
   */
  #note(task: Task, relayed: RelayedTask, answer: Json, full: boolean): void {
    const { status } = answer;
    const statusMessage = typeof answer.statusMessage === 'string' ? answer.statusMessage : undefined;
    if (full && status === 'completed') this.registry.settle(task, () => ({ result: isObject(answer.result) ? answer.result : {} }));
    else if (full && status === 'failed') this.registry.settle(task, () => ({ error: taskErrorOf(answer.error) }));
    else if (status === 'cancelled') {
      relayed.cancelSent = true;
      this.registry.cancel(task, statusMessage);
    } else if (status === 'working' || status === 'input_required') this.registry.observe(task, status, statusMessage);
  }

  #cancelUpstream(relayed: RelayedTask): void {
    if (relayed.cancelSent) return;
    relayed.cancelSent = true;
    void relayed.cancel(relayed.upstreamTaskId);
  }
}

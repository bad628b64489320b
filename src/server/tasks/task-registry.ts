// Tasks (the 2026-07-28 `io.modelcontextprotocol/tasks` extension, SEP-2663): a tool call that outlives its request.
// The registry holds each task this process runs: its status, its result or error once settled, the input it waits
// for, and who may see it (the principal that created it; anyone else is told the task does not exist). A task is
// kept for its ttlMs from creation, then forgotten (and cancelled if still running). Bounded in count, in all and
// per principal. Replicas (`share`) also keep each ended task's record where the others read it: a task's outcome
// outlives the replica that ran it.
import { randomUUID } from 'node:crypto';
import { ErrorCode, type McpResult, type SettledTask, type SettledTasks, WireError } from '../../core/index.js';
import { TERMINAL_TASK_STATUSES } from '../../wire/tasks-extension.js';
export { TASKS_EXTENSION } from '../../wire/tasks-extension.js';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';
export const TASK_STATUSES: readonly TaskStatus[] = ['working', 'input_required', 'completed', 'failed', 'cancelled'];

export interface TaskOptions {
  /** How long a task is kept from its creation (its result readable with tasks/get); default 1 hour. */
  ttlMs?: number;
  /** How often clients are told to poll; default 1 s. */
  pollIntervalMs?: number;
  /** Tasks kept at once (running and finished); default 1,000. The oldest finished one makes room first. */
  maxTasks?: number;
  /** Tasks one principal may have at once; default 100. */
  maxTasksPerPrincipal?: number;
}

/** An input request a task waits for, and how to hand it its answer. */
export interface PendingInput {
  readonly request: Record<string, unknown>;
  /** Takes the client's answer (throws a WireError when it does not fit the request). */
  answer(response: unknown): void;
}

export interface Task {
  readonly taskId: string;
  readonly owner: string;
  status: TaskStatus;
  readonly createdAt: number;
  lastUpdatedAt: number;
  readonly ttlMs: number;
  readonly pollIntervalMs: number;
  statusMessage?: string;
  result?: McpResult;
  error?: { code: number; message: string; data?: unknown };
  /** Input the task waits for, by the key the client answers under. */
  readonly pending: Map<string, PendingInput>;
  /** Aborted when the task is cancelled or expires: the handler's signal. */
  readonly abort: AbortController;
  expiry?: NodeJS.Timeout;
}

/** How long a new task's answer waits for its record in the replicas' directory (`createdWhenKnown`). */
const RECORDING_WAIT_MS = 2_000;

/** What a task lost with its replica (a crash: nothing said how it ended) answers. */
const LOST = 'The replica running this task stopped unexpectedly; call the tool again';

const iso = (ms: number) => new Date(ms).toISOString();

export class TaskRegistry {
  readonly #tasks = new Map<string, Task>();
  #ttlMs!: number;
  #pollIntervalMs!: number;
  #max!: number;
  #maxPerOwner!: number;
  readonly #created = new Set<(task: Task) => Promise<void> | void>();
  /** Tasks whose `onCreated` listeners are still recording them (replicas: the shared directory). */
  readonly #recording = new WeakMap<Task, Promise<unknown>>();
  readonly #ended = new Set<(task: Task) => Promise<void> | void>();
  /** Records being kept (`onEnded` listeners still at work). */
  readonly #keeping = new Set<Promise<void>>();
  /** Where the tasks of every replica are kept, and how to tell that one's replica is gone (`share`). */
  #shared: { store: SettledTasks; ownerGone: (taskId: string) => Promise<boolean> } | undefined;

  constructor(opts: TaskOptions = {}) {
    this.configure(opts);
  }

  /** New defaults and bounds (a config reload): for tasks made from now on; kept tasks keep their ttlMs. */
  configure(opts: TaskOptions): void {
    this.#ttlMs = opts.ttlMs ?? 3_600_000;
    this.#pollIntervalMs = opts.pollIntervalMs ?? 1_000;
    this.#max = opts.maxTasks ?? 1_000;
    this.#maxPerOwner = opts.maxTasksPerPrincipal ?? 100;
  }

  get size(): number {
    return this.#tasks.size;
  }

  /** Every task kept now, oldest first (for operators: GET /admin/tasks). */
  all(): Task[] {
    return [...this.#tasks.values()];
  }

  /** Whether this registry holds `taskId` (anyone's). */
  has(taskId: string): boolean {
    return this.#tasks.has(taskId);
  }

  /** The task kept under `taskId`, whoever's it is (for operators; callers go through get()). */
  find(taskId: string): Task | undefined {
    return this.#tasks.get(taskId);
  }

  /** Told of each task made (a cluster's directory records where it lives); returns how to stop. */
  onCreated(listener: (task: Task) => Promise<void> | void): () => void {
    this.#created.add(listener);
    return () => this.#created.delete(listener);
  }

  /** Told of each task when it ends (completed, failed or cancelled); a promise returned is awaited by `endAll`. */
  onEnded(listener: (task: Task) => Promise<void> | void): () => void {
    this.#ended.add(listener);
    return () => this.#ended.delete(listener);
  }

  /**
   * Replicas: each task that ends here is kept in `shared` for the rest of its ttlMs, and a task this registry does
   * not hold is looked for there (`lookup`). A record of a task still running elsewhere (kept by `started`) is
   * answered as it is, or as failed once `ownerGone` says its replica is gone (crashed: it could not say how it
   * ended). Returns how to stop keeping them.
   */
  share(shared: SettledTasks, hooks: { failed: (task: Task, err: Error) => void; ownerGone: (taskId: string) => Promise<boolean> }): () => void {
    this.#shared = { store: shared, ownerGone: hooks.ownerGone };
    const stop = this.onEnded((task) => shared.keep(recordOf(task)).catch((err: Error) => hooks.failed(task, err)));
    return () => {
      stop();
      this.#shared = undefined;
    };
  }

  /** Replicas: keeps the record that `task` runs here (unless its end was kept first); after `share`. */
  started(task: Task): Promise<void> {
    return this.#shared?.store.keepUnlessKept(recordOf(task)) ?? Promise.resolve();
  }

  /** Cancels every running task with `why` (the replica stops) and waits until their records are kept. */
  async endAll(why: string): Promise<void> {
    for (const task of this.#tasks.values()) this.cancel(task, why);
    await Promise.allSettled([...this.#keeping]);
  }

  /**
   * The task `owner` created under `taskId`: held here, or (replicas) one another replica kept: ended, running there,
   * or lost with its replica. -32602 for an unknown one, or one of someone else's.
   */
  async lookup(owner: string, taskId: unknown): Promise<Task | SettledTask> {
    const here = typeof taskId === 'string' ? this.#tasks.get(taskId) : undefined;
    if (here || typeof taskId !== 'string' || !this.#shared) return this.get(owner, taskId);
    const { store, ownerGone } = this.#shared;
    const kept = await store.find(taskId).catch(() => undefined);
    if (!kept || kept.owner !== owner) return this.get(owner, taskId);
    if (kept.status !== 'working' || !(await ownerGone(taskId).catch(() => false))) return kept;
    const lost = { code: ErrorCode.InternalError, message: LOST };
    return { ...kept, status: 'failed', statusMessage: LOST, error: lost };
  }

  /** The tasks kept now, by status (every status named, 0 when none). */
  counts(): Record<TaskStatus, number> {
    const counts: Record<TaskStatus, number> = { working: 0, input_required: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const task of this.#tasks.values()) counts[task.status]++;
    return counts;
  }

  /** A new working task of `owner`; refused when the bounds are reached and nothing finished can make room. */
  create(owner: string, ttlMs = this.#ttlMs): Task {
    const mine = [...this.#tasks.values()].filter((t) => t.owner === owner);
    if (mine.length >= this.#maxPerOwner) this.#makeRoom(mine, `at most ${this.#maxPerOwner} tasks per caller`);
    if (this.#tasks.size >= this.#max) this.#makeRoom([...this.#tasks.values()], `at most ${this.#max} tasks at once`);
    const now = Date.now();
    const task: Task = { taskId: randomUUID(), owner, status: 'working', createdAt: now, lastUpdatedAt: now, ttlMs, pollIntervalMs: this.#pollIntervalMs, pending: new Map(), abort: new AbortController() };
    task.expiry = setTimeout(() => this.#expire(task), ttlMs);
    task.expiry.unref();
    this.#tasks.set(task.taskId, task);
    const recording = [...this.#created].map((listener) => listener(task)).filter((r): r is Promise<void> => r instanceof Promise);
    if (recording.length > 0) this.#recording.set(task, Promise.allSettled(recording));
    return task;
  }

  /** The task `owner` created under `taskId`: -32602 for an unknown one, or one of someone else's. */
  get(owner: string, taskId: unknown): Task {
    const task = typeof taskId === 'string' ? this.#tasks.get(taskId) : undefined;
    if (!task || task.owner !== owner) throw new WireError(ErrorCode.InvalidParams, `Unknown task: ${String(taskId)}`, { taskId });
    return task;
  }

  /** The `CreateTaskResult` of a task just made (flat: the task's fields beside `resultType: 'task'`). */
  created(task: Task): McpResult {
    return { resultType: 'task', ...this.#envelope(task) };
  }

  /**
   * `created`, once the `onCreated` listeners have recorded the task (replicas: claimed in the shared directory), so
   * the caller's next tasks/get, tasks/update or tasks/cancel finds it on whichever replica it reaches; after
   * RECORDING_WAIT_MS at most (a directory that does not answer delays no task longer: it runs here all the same).
   */
  createdWhenKnown(task: Task): McpResult | Promise<McpResult> {
    const recording = this.#recording.get(task);
    if (!recording) return this.created(task);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, RECORDING_WAIT_MS);
      timer.unref();
    });
    return Promise.race([recording, bound]).then(() => {
      clearTimeout(timer);
      return this.created(task);
    });
  }

  /** What tasks/get answers: the task, with its result, error or pending input as its status has them. */
  detailed(task: Task | SettledTask): McpResult {
    return {
      ...this.#envelope(task),
      ...(task.status === 'completed' && task.result && { result: task.result }),
      ...(task.status === 'failed' && task.error && { error: task.error }),
      ...(task.status === 'input_required' && 'pending' in task && { inputRequests: Object.fromEntries([...task.pending].map(([key, p]) => [key, p.request])) }),
    };
  }

  /** Hands answers to the input the task waits for (keys it does not wait for are ignored); a partial answer is fine. */
  answer(task: Task, responses: Record<string, unknown>): void {
    for (const [key, response] of Object.entries(responses)) {
      const pending = task.pending.get(key);
      if (!pending) continue;
      pending.answer(response);
      task.pending.delete(key);
    }
    if (task.status === 'input_required' && task.pending.size === 0) this.#set(task, 'working');
  }

  /**
   * Asks for input under `key`: the task shows `input_required` until every pending request is answered. `take`
   * turns the client's answer into the value (throwing a WireError refuses the update, and the input stays asked).
   * Rejected with the reason when the task is cancelled or expires.
   */
  ask<T>(task: Task, key: string, request: Record<string, unknown>, take: (response: unknown) => T): Promise<Awaited<T>> {
    const { signal } = task.abort;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const stop = () => reject(signal.reason);
      signal.addEventListener('abort', stop, { once: true });
      task.pending.set(key, {
        request,
        answer: (response) => {
          const value = take(response);
          signal.removeEventListener('abort', stop);
          resolve(value as Awaited<T>);
        },
      });
      this.#set(task, 'input_required');
    });
  }

  /**
   * Cancels a running task (its handler's signal aborts; `why` becomes its statusMessage); a finished one stays as it
   * is. False when it had already ended.
   */
  cancel(task: Task, why = 'The task was cancelled'): boolean {
    if (TERMINAL_TASK_STATUSES.has(task.status)) return false;
    task.pending.clear();
    task.statusMessage = why;
    this.#set(task, 'cancelled');
    task.abort.abort(new Error(why));
    return true;
  }

  /**
   * Records how the task's work ended, unless it already has (cancelled); `outcome` is asked for only then (its
   * work failing because it was cancelled is no failure to report).
   */
  settle(task: Task, settled: () => { result: McpResult } | { error: { code: number; message: string; data?: unknown } }): void {
    if (TERMINAL_TASK_STATUSES.has(task.status)) return;
    const outcome = settled();
    task.pending.clear();
    if ('result' in outcome) task.result = outcome.result;
    else task.error = outcome.error;
    this.#set(task, 'result' in outcome ? 'completed' : 'failed');
  }

  /** Notes the status of work that runs elsewhere (an upstream's task the gateway relays); an ended task stays ended. */
  observe(task: Task, status: TaskStatus, statusMessage?: string): void {
    if (TERMINAL_TASK_STATUSES.has(task.status)) return;
    if (statusMessage !== undefined) task.statusMessage = statusMessage;
    this.#set(task, status);
  }

  /** Notes progress on a running task (its statusMessage). */
  progress(task: Task, message: string | undefined): void {
    if (TERMINAL_TASK_STATUSES.has(task.status)) return;
    if (message !== undefined) task.statusMessage = message;
    task.lastUpdatedAt = Date.now();
  }

  /** Forgets `task` now (work that ended up answering as an ordinary call: nobody was given its id). */
  forget(task: Task): void {
    clearTimeout(task.expiry);
    this.#tasks.delete(task.taskId);
  }

  /** Cancels every running task and forgets them all (the server is closing). */
  close(): void {
    for (const task of this.#tasks.values()) {
      this.cancel(task, 'The server is shutting down');
      clearTimeout(task.expiry);
    }
    this.#tasks.clear();
  }

  #envelope(task: Task | SettledTask) {
    return {
      taskId: task.taskId,
      status: task.status,
      ...(task.statusMessage !== undefined && { statusMessage: task.statusMessage }),
      createdAt: iso(task.createdAt),
      lastUpdatedAt: iso(task.lastUpdatedAt),
      ttlMs: task.ttlMs,
      pollIntervalMs: task.pollIntervalMs,
    };
  }

  #set(task: Task, status: TaskStatus): void {
    const ending = !TERMINAL_TASK_STATUSES.has(task.status) && TERMINAL_TASK_STATUSES.has(status);
    task.status = status;
    task.lastUpdatedAt = Date.now();
    if (!ending) return;
    for (const listener of this.#ended) {
      const kept = listener(task);
      if (!kept) continue;
      this.#keeping.add(kept);
      void kept.finally(() => this.#keeping.delete(kept));
    }
  }

  #expire(task: Task): void {
    this.cancel(task, 'The task expired (its ttlMs passed)');
    this.#tasks.delete(task.taskId);
  }

  /** Forgets the oldest finished task among `among`, or refuses a new one saying which bound was reached. */
  #makeRoom(among: Task[], bound: string): void {
    const done = among.filter((t) => TERMINAL_TASK_STATUSES.has(t.status)).sort((a, b) => a.lastUpdatedAt - b.lastUpdatedAt)[0];
    if (!done) throw new WireError(ErrorCode.InternalError, `Too many tasks: ${bound}; try again when one has finished`);
    clearTimeout(done.expiry);
    this.#tasks.delete(done.taskId);
  }
}

/** The record of a task (running or ended) another replica answers from. */
export function recordOf(task: Task): SettledTask {
  return {
    taskId: task.taskId,
    owner: task.owner,
    status: TERMINAL_TASK_STATUSES.has(task.status) ? (task.status as SettledTask['status']) : 'working',
    ...(task.statusMessage !== undefined && { statusMessage: task.statusMessage }),
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: task.ttlMs,
    pollIntervalMs: task.pollIntervalMs,
    ...(task.result && { result: task.result as Record<string, unknown> }),
    ...(task.error && { error: task.error }),
  };
}

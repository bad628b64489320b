// Tasks the gateway runs itself (the 2026-07-28 tasks extension), for tools its config names
// (`servers.<name>.tasks`): a 2026-era caller that declares the extension gets a task at once, and the gateway makes
// the upstream call in the background, whatever the upstream speaks (2025-era stdio servers included). What the
// upstream asks meanwhile (elicitation, sampling, roots: real requests or input_required rounds) waits in the task
// for the caller's tasks/update; its progress becomes the task's statusMessage; tasks/cancel cancels the upstream
// call. The upstream call runs below the pipeline, which saw the tools/call that made the task: it is retried as an
// ordinary call would be (`around`: the retry stage), and the circuit breaker counts it when it ends (LATER_OUTCOME).
// The same registry holds the tasks that stand for upstreams' own (upstream-tasks.ts): one set of ids, bounds, owners.
import { randomBytes } from 'node:crypto';
import picomatch from 'picomatch';
import type { Json, Upstream } from '../client/upstream.js';
import { type CallContext, DEADLINE, type Deadline, ErrorCode, LATER_OUTCOME, type Logger, type McpResult, type Middleware, OUTBOUND_TRACE, type Principal, stateKey, WireError } from '../core/index.js';
import type { Hears, Item } from '../middleware/policy-target.js';
import { isObject } from '../wire/json-rpc-shape.js';
import { derivedCallContext, INVOCATION, missingTasksCapability, outcomeOf, type Task, TaskRegistry, taskOwner } from '../server/index.js';
import type { AuditEvent } from '../middleware/audit.js';
import type { GatewayConfig } from './config/index.js';
import type { ServerTasks } from './config/tasks.js';
import { TaskWindow } from './task-window.js';
import { type RelayedTask, RelayedTasks } from './upstream-tasks.js';

/** What the forwarder does differently for a task's upstream call: input through the task, progress to it. */
export interface TaskWork {
  /** Names the call to an mcplex upstream, which names it back in its input requests (as a bridged call's). */
  readonly id: string;
  ask(method: string, params: Json | undefined): Promise<Json>;
  progress(p: { progress: number; total?: number; message?: string }): void;
}
export const TASK_WORK = stateKey<TaskWork>('mcplex.gateway.task');

type Support = 'optional' | 'required';
/** How a tool runs as a task: its support, and how long it first runs in its request (task-window.ts). */
export interface ToolTaskSpec {
  readonly support: Support;
  readonly immediateMs: number;
}

type TaskPatterns = Exclude<ServerTasks, string>;
/** Each `servers.<name>.tasks` mapping's patterns, compiled once (a reload brings new mapping objects). */
const compiled = new WeakMap<TaskPatterns, Array<[(tool: string) => boolean, ToolTaskSpec]>>();
const AT_ONCE = { optional: { support: 'optional', immediateMs: 0 }, required: { support: 'required', immediateMs: 0 } } as const;

/** The task spec `servers.<server>.tasks` gives the server's own tool `tool`, if any. */
function specOf(config: GatewayConfig, server: string, tool: string): ToolTaskSpec | undefined {
  const tasks = config.servers[server]?.tasks;
  if (tasks === undefined) return undefined;
  if (typeof tasks === 'string') return AT_ONCE[tasks];
  let matchers = compiled.get(tasks);
  if (!matchers) {
    matchers = Object.entries(tasks).map(([pattern, spec]) => {
      const glob = picomatch(pattern);
      return [(tool: string) => tool === pattern || glob(tool), typeof spec === 'string' ? AT_ONCE[spec] : { support: spec.support, immediateMs: spec.immediateMs ?? 0 }];
    });
    compiled.set(tasks, matchers);
  }
  return matchers.find(([matches]) => matches(tool))?.[1];
}


/** How a task's work ended, for the audit log (recorded as `task/ended`: the tools/call that made it only started it). */
export type TaskEnded = (event: AuditEvent) => void;

/** Who runs a task, on what: what a reload checks to stop the tasks of callers who lost access. */
interface Running {
  readonly principal: Principal;
  readonly endpoint: string | undefined;
  readonly item: Item;
}

/** A task as an operator sees it (GET /admin/tasks): never its arguments, result or questions. */
export interface TaskReport {
  taskId: string;
  status: string;
  tool: string;
  upstream: string;
  principal: string;
  tenant?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  statusMessage?: string;
  errorCode?: number;
}

export class GatewayTasks {
  readonly registry: TaskRegistry;
  /** Upstreams' own tasks, relayed under tasks of this registry (upstream-tasks.ts). */
  readonly relayed: RelayedTasks;
  /** Every kept task's caller and tool (the registry forgets the task when its ttlMs ends; so does this). */
  readonly #about = new WeakMap<Task, Running>();
  /** Tasks whose request still waits (`immediateMs`): not yet given to their caller. */
  readonly #window: TaskWindow;
  /** The audit record of work that ended while its task was still in its window: written if the task is announced. */
  readonly #endedInWindow = new WeakMap<Task, () => void>();

  constructor(
    private readonly config: () => GatewayConfig,
    private readonly logger: Logger,
    private readonly ended?: TaskEnded,
    /** The stages a task's upstream call passes below the pipeline (retries); its bound is the task's ttlMs. */
    private readonly around?: Middleware,
  ) {
    this.registry = new TaskRegistry(config().tasks);
    this.relayed = new RelayedTasks(this.registry);
    this.#window = new TaskWindow(this.registry);
  }

  /** An upstream's CreateTaskResult for a caller that polls it: relayed under a task of the gateway's. */
  adopt(ctx: CallContext, upstream: Upstream, answer: Json, cancel?: RelayedTask['cancel']): McpResult {
    const { task, result } = this.relayed.adopt(ctx, upstream, answer, cancel);
    this.#about.set(task, { principal: ctx.principal, endpoint: ctx.endpoint, item: { kind: 'tool', name: ctx.target ?? '', owner: upstream.name } });
    return result;
  }

  /** The upstream task `ctx`'s caller polls under `taskId`, if the gateway relays one of theirs under it. */
  relayedOf(ctx: CallContext, taskId: unknown): (RelayedTask & { task: Task }) | undefined {
    const task = typeof taskId === 'string' ? this.registry.find(taskId) : undefined;
    const relayed = task && task.owner === taskOwner(ctx.principal) ? this.relayed.of(task) : undefined;
    return relayed && { ...relayed, task: task! };
  }

  /**
   * How the call of `server`'s tool `tool` runs: as a task (its spec) for a caller that declared the extension,
   * undefined as an ordinary call; -32021 for a tool that runs only as a task and a 2026-era caller that cannot poll one.
   */
  mode(ctx: CallContext, server: string, tool: string, declared: () => boolean): ToolTaskSpec | undefined {
    if (ctx.era !== 'modern') return undefined;
    const spec = specOf(this.config(), server, tool);
    if (spec === undefined) return undefined;
    if (declared()) return spec;
    if (spec.support === 'required') throw missingTasksCapability(`tool '${ctx.target}'`);
    return undefined;
  }

  /**
   * Runs `work` (the upstream call) as a task in the background and answers with the CreateTaskResult, at once or
   * after the spec's `immediateMs` (task-window.ts: then a quick call answers as any call, input asked meanwhile is a
   * round, and the call's next round resumes the same task).
   */
  start(ctx: CallContext, upstream: string, spec: ToolTaskSpec, work: (bg: CallContext) => Promise<McpResult>): McpResult | Promise<McpResult> {
    const resumed = this.#window.resume(ctx);
    if (resumed) return this.#window.wait(ctx, resumed, spec.immediateMs, spec.support === 'optional', this.#announce, this.#forget);
    const task = this.#launch(ctx, upstream, work, spec.immediateMs > 0);
    if (spec.immediateMs === 0) return this.registry.createdWhenKnown(task);
    return this.#window.wait(ctx, task, spec.immediateMs, spec.support === 'optional', this.#announce, this.#forget);
  }

  /** The caller gets the task (its window over), once replicas can find it (`createdWhenKnown`). */
  readonly #announce = (task: Task): McpResult | Promise<McpResult> => {
    this.#window.close(task);
    this.#endedInWindow.get(task)?.();
    this.#endedInWindow.delete(task);
    return this.registry.createdWhenKnown(task);
  };

  /** The call answered as an ordinary one in its window: no task stands for it. */
  readonly #forget = (task: Task): void => {
    this.#window.close(task);
    this.#endedInWindow.delete(task);
    this.registry.forget(task);
  };

  #launch(ctx: CallContext, upstream: string, work: (bg: CallContext) => Promise<McpResult>, windowed: boolean): Task {
    const task = this.registry.create(taskOwner(ctx.principal));
    const { progressToken: _t, ...meta } = ctx.meta;
    const bg = derivedCallContext(ctx, this.logger, { method: ctx.method, ...(ctx.target !== undefined && { target: ctx.target }), params: ctx.params as Json, signal: task.abort.signal, meta });
    bg.state.set(INVOCATION, ctx.state.get(INVOCATION)!);
    bg.state.set(DEADLINE, deadlineOf(task));
    bg.state.set(TASK_WORK, this.#work(task));
    // Its upstream call is traced and timed as the request's would be (a CLIENT span under the request's span).
    const outbound = ctx.state.get(OUTBOUND_TRACE);
    if (outbound) bg.state.set(OUTBOUND_TRACE, outbound);
    this.#about.set(task, { principal: ctx.principal, endpoint: ctx.endpoint, item: { kind: 'tool', name: ctx.target ?? '', owner: upstream } });
    const running = this.around ? this.around(bg, () => work(bg)) : work(bg);
    ctx.state.set(LATER_OUTCOME, { outcome: running, signal: task.abort.signal });
    if (windowed) this.#window.opened(ctx, task, running);
    running
      .then(
        (result) => this.registry.settle(task, () => ({ result })),
        (err: unknown) => this.registry.settle(task, () => outcomeOf(err, ctx)),
      )
      .finally(() => {
        if (!this.#window.isOpen(task)) this.#ended(ctx, upstream, task);
        else this.#endedInWindow.set(task, () => this.#ended(ctx, upstream, task));
      });
    return task;
  }

  /**
   * Cancels each running task whose caller may no longer see its tool (a reload changed access rules or endpoint
   * views: `audience` says who may see an item); returns their ids.
   */
  revoke(audience: (item: Item) => Hears | undefined): string[] {
    return this.#cancelWhere(({ principal, endpoint, item }) => {
      const hears = audience(item);
      return hears && !hears(principal, endpoint) ? `Access to tool '${item.name}' was revoked` : undefined;
    });
  }

  /** Cancels each running task of a caller that is gone (`gone` holds for its principal: its API key was removed); their ids. */
  revokeCallers(gone: (principal: Principal) => boolean, why: string): string[] {
    return this.#cancelWhere(({ principal }) => (gone(principal) ? why : undefined));
  }

  /** Cancels each running task `why` gives a reason for; their ids. */
  #cancelWhere(why: (about: Running) => string | undefined): string[] {
    const cancelled: string[] = [];
    for (const task of this.registry.all()) {
      const about = this.#about.get(task);
      const reason = about && why(about);
      if (reason !== undefined && this.registry.cancel(task, reason)) cancelled.push(task.taskId);
    }
    return cancelled;
  }

  /** The gateway's tasks kept now, newest first. */
  report(): TaskReport[] {
    const out: TaskReport[] = [];
    for (const task of this.registry.all()) {
      const about = this.#about.get(task);
      if (!about) continue;
      const { principal, item } = about;
      out.push({
        taskId: task.taskId,
        status: task.status,
        tool: item.name,
        upstream: item.owner ?? '',
        principal: `${principal.kind}:${principal.id}`,
        ...(principal.tenant !== undefined && { tenant: principal.tenant }),
        createdAt: new Date(task.createdAt).toISOString(),
        lastUpdatedAt: new Date(task.lastUpdatedAt).toISOString(),
        ttlMs: task.ttlMs,
        ...(task.statusMessage !== undefined && { statusMessage: task.statusMessage }),
        ...(task.error && { errorCode: task.error.code }),
      });
    }
    return out.reverse();
  }

  /** An operator cancels a task: 'cancelled', 'finished' (it had ended) or 'unknown'. */
  cancelByOperator(taskId: string): 'cancelled' | 'finished' | 'unknown' {
    const task = this.registry.find(taskId);
    if (!task || !this.#about.has(task)) return 'unknown';
    return this.registry.cancel(task, 'Cancelled by an administrator') ? 'cancelled' : 'finished';
  }

  close(): void {
    this.registry.close();
  }

  /** A task's work is over (completed, failed, or stopped by a cancel or its expiry): one audit record. */
  #ended(ctx: CallContext, upstream: string, task: Task): void {
    this.ended?.({
      method: 'task/ended',
      principal: ctx.principal,
      ...(ctx.http?.remoteAddress !== undefined && { client: ctx.http.remoteAddress }),
      ...(ctx.target !== undefined && { target: ctx.target }),
      args: { taskId: task.taskId, status: task.status, upstream },
      errorCode: task.status === 'failed' ? (task.error?.code ?? ErrorCode.InternalError) : null,
      startedAt: task.createdAt,
      durationMs: Date.now() - task.createdAt,
    });
  }

  #work(task: Task): TaskWork {
    let asked = 0;
    const { registry } = this;
    return {
      id: randomBytes(12).toString('base64url'),
      ask: (method, params) => {
        // The upstream checks the answer itself; it must at least be a result object.
        const answer = registry.ask(task, `input.${++asked}`, { method, ...(params && { params }) }, (response) => {
          if (!isObject(response)) throw new WireError(ErrorCode.InvalidParams, 'Invalid inputResponses: each answer must be an object (the result of the request asked)');
          return response;
        });
        this.#window.asked(task);
        return answer;
      },
      progress: (p) => registry.progress(task, p.message ?? `${p.progress}${p.total === undefined ? '' : ` of ${p.total}`}`),
    };
  }
}

/** A task's upstream call may last as long as the task is kept; cancelling the task cancels it. */
function deadlineOf(task: Task): Deadline {
  const { signal } = task.abort;
  return { signal, cancel: signal, timeoutMs: task.ttlMs, maxTotalMs: task.ttlMs, extend() {} };
}

// A gateway task's first moments (`servers.<name>.tasks` with `immediateMs`): the call runs as a task from the start,
// but its request waits up to immediateMs before it answers. Ended by then, it answers as any call does (an optional
// task) or with a task already done (a required one); asking for input by then, it answers with a 2026-era round
// (`input_required`, the requestState naming the task), and the caller's next round hands the task its answers and
// waits again; still running when the time is up, the caller gets the task. So a quick call is never a task to
// poll, and a tool can gather input in rounds before it becomes one (the spec's MRTR → tasks composition).
import { type CallContext, ErrorCode, type McpResult, WireError } from '../core/index.js';
import { INVOCATION, type Task, TASK_ROUND_STATE, type TaskRegistry, taskOwner } from '../server/index.js';

type Why = 'input' | 'ended' | 'time';

interface Open {
  readonly tool: string;
  readonly running: Promise<unknown>;
  wake?: (why: Why) => void;
  /** Cancels the task when its caller does not come back with the next round in time. */
  hold?: NodeJS.Timeout;
}

export class TaskWindow {
  readonly #open = new WeakMap<Task, Open>();

  constructor(
    private readonly registry: TaskRegistry,
    /** How long a round waits for the caller's next one (as the input bridge holds a call); then the task is cancelled. */
    private readonly holdMs = 600_000,
  ) {}

  /** `task` (running `running` for `ctx`'s call) is in its window until announced or forgotten. */
  opened(ctx: CallContext, task: Task, running: Promise<unknown>): void {
    this.#open.set(task, { tool: ctx.target ?? '', running });
  }

  isOpen(task: Task): boolean {
    return this.#open.has(task);
  }

  close(task: Task): void {
    clearTimeout(this.#open.get(task)?.hold);
    this.#open.delete(task);
  }

  /** The task asked for input: a request waiting on it answers with a round (once the turn's other asks are in). */
  asked(task: Task): void {
    const open = this.#open.get(task);
    if (open?.wake) setImmediate(open.wake, 'input');
  }

  /**
   * The task still in its window that this round of `ctx`'s call names (its requestState), given the round's
   * answers; undefined when the round names none. Refused when the task is unknown, someone else's, another tool's or
   * already announced.
   */
  resume(ctx: CallContext): Task | undefined {
    const mcpReq = ctx.state.get(INVOCATION)?.sctx.mcpReq;
    const state = mcpReq?.requestState<string>();
    if (typeof state !== 'string' || !state.startsWith(TASK_ROUND_STATE)) return undefined;
    const task = this.registry.find(state.slice(TASK_ROUND_STATE.length));
    const open = task && this.#open.get(task);
    if (!task || !open || task.owner !== taskOwner(ctx.principal) || open.tool !== (ctx.target ?? '')) {
      throw new WireError(ErrorCode.InvalidParams, 'Invalid requestState: it was altered, has expired, or belongs to another call');
    }
    this.registry.answer(task, (mcpReq?.inputResponses ?? {}) as Record<string, unknown>);
    clearTimeout(open.hold);
    return task;
  }

  /**
   * What the request answers after waiting up to `immediateMs`: a round when the task asks for input, the call's own
   * answer (`ended` and `optional`: the task is then forgotten), or the task (announced).
   */
  async wait(ctx: CallContext, task: Task, immediateMs: number, optional: boolean, announce: (task: Task) => McpResult | Promise<McpResult>, forget: (task: Task) => void): Promise<McpResult> {
    const why = await this.#first(ctx, task, immediateMs);
    if (why === 'input') {
      const open = this.#open.get(task)!;
      open.hold = setTimeout(() => this.registry.cancel(task, 'The client did not answer the input request in time'), this.holdMs);
      open.hold.unref();
      const { inputRequests } = this.registry.detailed(task);
      return { resultType: 'input_required', inputRequests, requestState: `${TASK_ROUND_STATE}${task.taskId}` };
    }
    if (why === 'ended' && optional && task.status !== 'cancelled') {
      forget(task);
      if (task.result) return task.result;
      const { code, message, data } = task.error ?? { code: ErrorCode.InternalError, message: 'The call failed' };
      throw new WireError(code, message, data);
    }
    return announce(task);
  }

  /** Whichever comes first: the task asks for input, its work ends, or the time is up; the request's cancel cancels it. */
  #first(ctx: CallContext, task: Task, ms: number): Promise<Why> {
    if (task.status === 'input_required') return Promise.resolve('input');
    const open = this.#open.get(task)!;
    if (ctx.signal.aborted) {
      this.registry.cancel(task, 'The client cancelled the call');
      return Promise.reject(ctx.signal.reason);
    }
    return new Promise<Why>((resolve, reject) => {
      const done = (why: Why) => {
        clearTimeout(timer);
        open.wake = undefined;
        ctx.signal.removeEventListener('abort', cancelled);
        resolve(why);
      };
      const cancelled = () => {
        clearTimeout(timer);
        open.wake = undefined;
        // Until the caller has the task, the call stops with its request.
        this.registry.cancel(task, 'The client cancelled the call');
        reject(ctx.signal.reason);
      };
      const timer = setTimeout(done, ms, 'time');
      open.wake = done;
      ctx.signal.addEventListener('abort', cancelled, { once: true });
      open.running.then(
        () => open.wake === done && done('ended'),
        () => open.wake === done && done('ended'),
      );
    });
  }
}

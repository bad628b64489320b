// A tools/call of a tool that supports tasks, from a 2026-era client that declared the tasks extension: the client
// gets a CreateTaskResult and the handler goes on in the background, its input asked through the task and its end
// recorded there. With the tool's `immediateMs`, the handler first runs in the request as any call does: finished in
// time, it answers as usual (an optional task) or as a task already done (a required one); asking for input then is
// a 2026-era round as usual; still running when the time is up, the call becomes a task.
import { type ClientCapabilities, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { type CallContext, DEADLINE, ErrorCode, isToolError, LATER_OUTCOME, type McpResult, mapError, type Principal, toolErrorResult, WireError } from '../../core/index.js';
import type { HandlerContext, TaskSpec } from '../definitions.js';
import { type ClientInput, InputRequiredSignal } from '../elicitation.js';
import { handlerContext } from '../handler-context.js';
import type { Invocation } from '../methods.js';
import { TaskInput } from './task-input.js';
import { TASKS_EXTENSION, type Task, type TaskRegistry } from './task-registry.js';

export interface TaskSupport {
  readonly mode: 'optional' | 'required';
  /** How long the call may run in its request before it becomes a task (0: it is one at once). */
  readonly immediateMs: number;
  readonly ttlMs?: number;
}

export function taskSupport(spec: TaskSpec | undefined): TaskSupport | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec === 'string') return { mode: spec, immediateMs: 0 };
  return { mode: spec.support, immediateMs: spec.immediateMs ?? 0, ...(spec.ttlMs !== undefined && { ttlMs: spec.ttlMs }) };
}

export const declaresTasks = (caps: ClientCapabilities): boolean => Boolean((caps as { extensions?: Record<string, unknown> }).extensions?.[TASKS_EXTENSION]);

/** -32021, naming the extension the request needs. */
export function missingTasksCapability(what: string): WireError {
  return new WireError(ProtocolErrorCode.MissingRequiredClientCapability, `${what} needs the ${TASKS_EXTENSION} extension, which the calling client did not declare`, {
    requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
  });
}

/** Whose tasks are whose: the principal's kind and id (and tenant). */
export const taskOwner = (p: Principal): string => `${p.tenant ?? ''}\n${p.kind}\n${p.id}`;

/** Input through the request until the call becomes a task, through the task after. */
class SwitchableInput implements ClientInput {
  constructor(private now: ClientInput) {}
  use(next: ClientInput): void {
    this.now = next;
  }
  get clientCapabilities() {
    return this.now.clientCapabilities;
  }
  elicit: ClientInput['elicit'] = (message, schema) => this.now.elicit(message, schema);
  elicitUrl: ClientInput['elicitUrl'] = (message, url) => this.now.elicitUrl(message, url);
  sample: ClientInput['sample'] = (params) => this.now.sample(params);
  roots: ClientInput['roots'] = () => this.now.roots();
  input: ClientInput['input'] = (asks) => this.now.input(asks);
}

type First = { result: McpResult } | { error: unknown } | 'task';

/** Whichever comes first: the handler's end, or the moment the call should become a task. */
function firstOf(running: Promise<McpResult>, immediateMs: number): Promise<First> {
  return new Promise((resolve) => {
    const later = setTimeout(() => resolve('task'), immediateMs);
    running.then(
      (result) => {
        clearTimeout(later);
        resolve({ result });
      },
      (error: unknown) => {
        clearTimeout(later);
        resolve({ error });
      },
    );
  });
}

/** How a task's work ended: a tool error is a completed task with `isError`; anything else fails it. */
export function outcomeOf(err: unknown, ctx: CallContext): { result: McpResult } | { error: { code: number; message: string; data?: unknown } } {
  if (isToolError(err)) return { result: toolErrorResult(err.message) };
  const mapped = mapError('tasks', err, ctx.log);
  const wire = 'error' in mapped ? mapped.error : new WireError(ErrorCode.InternalError, 'Internal error');
  return { error: { code: wire.code, message: wire.message, ...(wire.data !== undefined && { data: wire.data }) } };
}

export async function callAsTask(
  ctx: CallContext,
  inv: Invocation,
  tasks: TaskRegistry,
  support: TaskSupport,
  run: (hctx: HandlerContext) => Promise<McpResult>,
): Promise<McpResult> {
  const input = new SwitchableInput(inv.input);
  const stop = new AbortController();
  let task: Task | undefined;
  // Until it is a task, the call stops with its request (or its deadline); after, only with the task.
  for (const signal of [ctx.signal, ctx.state.get(DEADLINE)?.signal]) {
    if (signal?.aborted) stop.abort(signal.reason);
    else signal?.addEventListener('abort', () => task === undefined && stop.abort(signal.reason), { once: true });
  }
  const hctx = handlerContext(ctx, inv.sctx, input, {
    signal: stop.signal,
    detached: () => task !== undefined,
    progress: (message) => task && tasks.progress(task, message),
  });
  const becomeTask = () => {
    const made = tasks.create(taskOwner(ctx.principal), support.ttlMs);
    task = made;
    made.abort.signal.addEventListener('abort', () => stop.abort(made.abort.signal.reason), { once: true });
    input.use(new TaskInput(tasks, made, inv.input.clientCapabilities));
    return made;
  };
  if (support.immediateMs === 0) becomeTask();
  const running = run(hctx);
  if (support.immediateMs > 0) {
    const first = await firstOf(running, support.immediateMs);
    // A round that asks for input stays a round; an optional task that finished in time is an ordinary answer.
    if (first !== 'task' && 'error' in first && (first.error instanceof InputRequiredSignal || support.mode === 'optional')) throw first.error;
    if (first !== 'task' && 'result' in first && support.mode === 'optional') return first.result;
  }
  const made = task ?? becomeTask();
  running.then(
    (result) => tasks.settle(made, () => ({ result })),
    (err: unknown) => tasks.settle(made, () => outcomeOf(err, ctx)),
  );
  ctx.state.set(LATER_OUTCOME, { outcome: running, signal: made.abort.signal });
  return tasks.createdWhenKnown(made);
}

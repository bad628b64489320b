// The tasks extension's methods: the shape of their params (checked by the SDK before the pipeline runs), and how
// the end of a pipeline answers them from a task registry (the framework's and the gateway's).
import type { ClientCapabilities } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { type CallContext, ErrorCode, type McpResult, WireError } from '../../core/index.js';
import { declaresTasks, missingTasksCapability, taskOwner } from './task-call.js';
import type { TaskRegistry } from './task-registry.js';

const taskId = z.string({ error: 'taskId must be a string' });

export const TASK_PARAMS = new Map<string, z.ZodType>([
  ['tasks/get', z.looseObject({ taskId })],
  ['tasks/update', z.looseObject({ taskId, inputResponses: z.record(z.string(), z.unknown(), { error: 'inputResponses must be an object' }).optional() })],
  ['tasks/cancel', z.looseObject({ taskId })],
]);

/**
 * tasks/get, tasks/update, tasks/cancel: for clients that declared the extension, on their own tasks only.
 * `inputResponses` are tasks/update's (the SDK lifts them out of params).
 */
export async function answerTaskMethod(tasks: TaskRegistry, ctx: CallContext, declared: ClientCapabilities, inputResponses: unknown): Promise<McpResult> {
  if (!declaresTasks(declared)) throw missingTasksCapability(ctx.method);
  const task = await tasks.lookup(taskOwner(ctx.principal), (ctx.params as { taskId?: unknown }).taskId);
  if (ctx.method === 'tasks/get') return tasks.detailed(task);
  if (!('pending' in task)) {
    // Running on another replica this one could not forward to just now (its directory did not answer): nothing is
    // done here, and the caller must not take it as done.
    if (task.status === 'working') {
      throw new WireError(ErrorCode.InternalError, `Task ${task.taskId} runs on another replica, which could not be reached just now; send ${ctx.method} again`, { taskId: task.taskId });
    }
    // An ended task another replica kept: cancelling or answering it changes nothing, as for an ended one here.
    return {};
  }
  if (ctx.method === 'tasks/cancel') tasks.cancel(task);
  else tasks.answer(task, (inputResponses ?? {}) as Record<string, unknown>);
  return {};
}

// A gateway task's first window (task-window.ts) on its own: a round that asks for input and whose caller never
// comes back is cancelled once the hold passes, as the input bridge drops a call nobody answers; a task that was
// answered in time is not.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskWindow } from '../../src/gateway/task-window.js';
import { type Task, TaskRegistry, taskOwner } from '../../src/server/index.js';
import { makeCtx } from '../core/helpers.js';

const noAnnounce = () => {
  throw new Error('not announced in this test');
};

/** A task in its window whose work asks one question (and ends with the answer). */
function asking(registry: TaskRegistry, window: TaskWindow): { ctx: ReturnType<typeof makeCtx>; task: Task } {
  const ctx = makeCtx({ era: 'modern', target: 'ask' });
  const task = registry.create(taskOwner(ctx.principal));
  const running = registry.ask(task, 'input.1', { method: 'elicitation/create', params: { message: 'Name?' } }, (r) => r).then(() => ({ content: [] }));
  running.catch(() => {});
  window.opened(ctx, task, running);
  return { ctx, task };
}

describe('a task in its first window', () => {
  // The hold is a timer: the clock is the test's.
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('answers with a round, and cancels the task when the caller does not come back in time', async () => {
    const registry = new TaskRegistry();
    const window = new TaskWindow(registry, 100);
    const { ctx, task } = asking(registry, window);
    const round = await window.wait(ctx, task, 5_000, true, noAnnounce, () => {});
    expect(round).toMatchObject({ resultType: 'input_required', inputRequests: { 'input.1': { method: 'elicitation/create' } }, requestState: `mcplex.task.${task.taskId}` });
    vi.advanceTimersByTime(99);
    expect(task.status).toBe('input_required');
    vi.advanceTimersByTime(1);
    expect(task).toMatchObject({ status: 'cancelled', statusMessage: 'The client did not answer the input request in time' });
    registry.close();
  });

  it('keeps a task whose window closed before the hold passed', async () => {
    const registry = new TaskRegistry();
    const window = new TaskWindow(registry, 100);
    const { ctx, task } = asking(registry, window);
    await window.wait(ctx, task, 5_000, true, noAnnounce, () => {});
    window.close(task);
    vi.advanceTimersByTime(1_000);
    expect(task.status).toBe('input_required');
    registry.close();
  });
});

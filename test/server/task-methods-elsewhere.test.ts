// Replicas: a tasks/cancel or tasks/update for a task another replica runs, which this one could not forward to
// (its directory did not answer), is refused as retryable rather than answered `{}` with nothing done; a task whose
// replica is gone, or that has ended, is answered from its record as before.
import { describe, expect, it } from 'vitest';
import { MemorySettledTasks } from '../../src/index.js';
import { answerTaskMethod, TASKS_EXTENSION, TaskRegistry, taskOwner } from '../../src/server/index.js';
import { makeCtx } from '../core/helpers.js';

const declared = { extensions: { [TASKS_EXTENSION]: {} } };

describe('a task method for a task running on another replica', () => {
  it('is refused with -32603 (send it again) while the owner cannot be reached; answered from the record once the task ended or its replica is gone', async () => {
    const shared = new MemorySettledTasks();
    const owners = new Map<string, boolean>();
    const here = new TaskRegistry();
    here.share(shared, { failed: () => {}, ownerGone: async (taskId) => owners.get(taskId) ?? false });
    const elsewhere = new TaskRegistry();
    elsewhere.share(shared, { failed: () => {}, ownerGone: async () => false });
    const ask = (method: string, taskId: string) => answerTaskMethod(here, makeCtx({ era: 'modern', method, params: { taskId } }), declared, undefined);

    const running = elsewhere.create(taskOwner(makeCtx().principal));
    await elsewhere.started(running);
    for (const method of ['tasks/cancel', 'tasks/update']) {
      await expect(ask(method, running.taskId)).rejects.toMatchObject({ code: -32603, message: `Task ${running.taskId} runs on another replica, which could not be reached just now; send ${method} again` });
    }
    expect(running.status).toBe('working');
    expect(await ask('tasks/get', running.taskId)).toMatchObject({ taskId: running.taskId, status: 'working' });

    // Its replica gone: the task is lost (failed), and cancelling it changes nothing.
    owners.set(running.taskId, true);
    expect(await ask('tasks/cancel', running.taskId)).toEqual({});
    expect(await ask('tasks/get', running.taskId)).toMatchObject({ status: 'failed' });

    // Ended there: its record says so, and a cancel changes nothing.
    const ended = elsewhere.create(taskOwner(makeCtx().principal));
    await elsewhere.started(ended);
    elsewhere.cancel(ended, 'done with it');
    await elsewhere.endAll('stopping');
    expect(await ask('tasks/cancel', ended.taskId)).toEqual({});
    expect(await ask('tasks/get', ended.taskId)).toMatchObject({ status: 'cancelled' });
    here.close();
    elsewhere.close();
  });
});

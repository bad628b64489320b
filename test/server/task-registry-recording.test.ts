// A new task is announced to its caller once what records it (replicas: its claim in the shared directory) is done,
// so the caller's next request finds it on any replica; a record that does not come delays the answer by a bounded
// time only.
import { describe, expect, it } from 'vitest';
import { TaskRegistry } from '../../src/server/index.js';

describe('TaskRegistry.createdWhenKnown', () => {
  it('answers once the onCreated listeners have recorded the task; at once without any', async () => {
    const registry = new TaskRegistry();
    expect(registry.createdWhenKnown(registry.create('alice'))).toMatchObject({ resultType: 'task', status: 'working' });
    let record: () => void = () => {};
    registry.onCreated(() => new Promise<void>((resolve) => (record = resolve)));
    const task = registry.create('alice');
    let answered = false;
    const answer = Promise.resolve(registry.createdWhenKnown(task)).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    record();
    expect(await answer).toMatchObject({ resultType: 'task', taskId: task.taskId });
  });

  it('answers after the bound when the record never comes, and after a failed one at once', async () => {
    const registry = new TaskRegistry();
    const stop = registry.onCreated(() => new Promise<void>(() => {}));
    const started = Date.now();
    expect(await registry.createdWhenKnown(registry.create('bob'))).toMatchObject({ resultType: 'task' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    stop();
    registry.onCreated(() => Promise.reject(new Error('directory down')));
    expect(await registry.createdWhenKnown(registry.create('bob'))).toMatchObject({ resultType: 'task' });
  });
});

// SettledTasks in this process: for replicas that share one process (tests, embedding), and the contract's reference.
import { remainingMs, type SettledTask, type SettledTasks } from '../../core/settled-tasks.js';

export class MemorySettledTasks implements SettledTasks {
  readonly #tasks = new Map<string, { task: SettledTask; until: number }>();

  async keep(task: SettledTask): Promise<void> {
    this.#tasks.set(task.taskId, { task: structuredClone(task), until: Date.now() + remainingMs(task) });
  }

  async keepUnlessKept(task: SettledTask): Promise<void> {
    const kept = this.#tasks.get(task.taskId);
    // Checked and set in one turn: a keep() of its end cannot come in between.
    if (!kept || kept.until <= Date.now()) await this.keep(task);
  }

  async find(taskId: string): Promise<SettledTask | undefined> {
    const kept = this.#tasks.get(taskId);
    if (kept && kept.until <= Date.now()) this.#tasks.delete(taskId);
    return kept && kept.until > Date.now() ? structuredClone(kept.task) : undefined;
  }

  async close(): Promise<void> {
    this.#tasks.clear();
  }
}

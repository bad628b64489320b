// SettledTasks on Redis (ioredis): `<prefix><task id>` → the record as JSON, expiring with the task's ttlMs.
// Commands fail fast while Redis is away (the caller logs that the record was not kept).
import { remainingMs, type SettledTask, type SettledTasks } from '../../core/settled-tasks.js';
import { FailFastRedisStore, type KeyedRedisOptions } from './fail-fast.js';

export type RedisSettledTasksOptions = KeyedRedisOptions;

export class RedisSettledTasks extends FailFastRedisStore implements SettledTasks {
  constructor(opts: RedisSettledTasksOptions) {
    super(opts, 'mcplex:task:');
  }

  async keep(task: SettledTask): Promise<void> {
    await this.redis.set(this.prefix + task.taskId, JSON.stringify(task), 'PX', Math.round(remainingMs(task)));
  }

  async keepUnlessKept(task: SettledTask): Promise<void> {
    await this.redis.set(this.prefix + task.taskId, JSON.stringify(task), 'PX', Math.round(remainingMs(task)), 'NX');
  }

  async find(taskId: string): Promise<SettledTask | undefined> {
    const raw = await this.redis.get(this.prefix + taskId);
    return raw === null ? undefined : (JSON.parse(raw) as SettledTask);
  }
}

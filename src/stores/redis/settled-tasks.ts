// SettledTasks on Redis (ioredis): `<prefix><task id>` → the record as JSON, expiring with the task's ttlMs.
// Commands fail fast while Redis is away (the caller logs that the record was not kept).
import type { Redis } from 'ioredis';
import { remainingMs, type SettledTask, type SettledTasks } from '../../core/settled-tasks.js';
import { closeRedis, failFastRedis, whenReady } from './fail-fast.js';

export interface RedisSettledTasksOptions {
  url: string;
  /** Default `mcplex:task:`. */
  keyPrefix?: string;
  /** Default 1000 ms. */
  commandTimeoutMs?: number;
}

export class RedisSettledTasks implements SettledTasks {
  readonly redis: Redis;
  readonly #prefix: string;

  constructor(opts: RedisSettledTasksOptions) {
    this.#prefix = opts.keyPrefix ?? 'mcplex:task:';
    this.redis = failFastRedis(opts.url, opts.commandTimeoutMs);
  }

  /** Resolves once connected, or after `timeoutMs` (false). */
  ready(timeoutMs = 5000): Promise<boolean> {
    return whenReady(this.redis, timeoutMs);
  }


  async keep(task: SettledTask): Promise<void> {
    await this.redis.set(this.#prefix + task.taskId, JSON.stringify(task), 'PX', Math.round(remainingMs(task)));
  }

  async find(taskId: string): Promise<SettledTask | undefined> {
    const raw = await this.redis.get(this.#prefix + taskId);
    return raw === null ? undefined : (JSON.parse(raw) as SettledTask);
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}

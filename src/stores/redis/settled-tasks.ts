// SettledTasks on Redis (ioredis): `<prefix><task id>` → the record as JSON, expiring with the task's ttlMs.
// Commands fail fast while Redis is away (the caller logs that the record was not kept).
import type { Redis, RedisOptions } from 'ioredis';
import { remainingMs, type SettledTask, type SettledTasks } from '../../core/settled-tasks.js';
import { optionalModule } from '../optional-module.js';
import { whenReady } from './ready.js';

const ioredis = optionalModule<typeof import('ioredis')>('ioredis');

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
    const options: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 1000,
      retryStrategy: (times) => Math.min(100 * times, 2000),
    };
    this.redis = new (ioredis().Redis)(opts.url, options);
    this.redis.on('error', () => {});
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

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

// Waiting for an ioredis connection: resolves true once it is ready, false after `timeoutMs` (commands meanwhile
// fail fast rather than queue, with `enableOfflineQueue: false`).
import type { Redis } from 'ioredis';

export function whenReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.once('ready', onReady);
  });
}

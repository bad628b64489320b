// Real Redis for the tests: REDIS_URL names it. Without it a test skips with a printed reason, except under
// CI=true, where a missing REDIS_URL is a failure. Every run gets its own key prefix, deleted afterwards.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL;

/** True when the Redis tests should run; throws under CI when REDIS_URL is missing. */
export function redisAvailable(): boolean {
  if (REDIS_URL) return true;
  if (process.env.CI === 'true') throw new Error('REDIS_URL is not set, and CI=true requires the Redis tests to run');
  console.warn('skipping Redis tests: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run them');
  return false;
}

/** A fresh key prefix for one test run. */
export const uniquePrefix = (what: string) => `mcplex-test:${what}:${randomBytes(6).toString('hex')}:`;

/** Deletes every key under `prefix`. */
export async function deletePrefix(prefix: string): Promise<void> {
  if (!REDIS_URL) return;
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

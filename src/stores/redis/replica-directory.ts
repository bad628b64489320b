// ReplicaDirectory on Redis, shared by the replicas: `<prefix><id>` → the report as JSON, expiring after its TTL
// (a crashed replica drops out by itself). Listed with SCAN over the prefix, then one MGET.
import type { ReplicaDirectory, ReplicaReport } from '../../core/replica-directory.js';
import { FailFastRedisStore, type KeyedRedisOptions } from './fail-fast.js';

export class RedisReplicaDirectory extends FailFastRedisStore implements ReplicaDirectory {
  constructor(opts: KeyedRedisOptions) {
    super(opts, 'mcplex:replica:');
  }

  async announce(id: string, report: ReplicaReport, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + id, JSON.stringify(report), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async list(): Promise<Array<{ id: string; report: ReplicaReport }>> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(this.prefix)}*`, 'COUNT', 200);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.redis.mget(keys);
    // A key may have run out between the SCAN and the MGET.
    return keys.flatMap((key, i) => (values[i] == null ? [] : [{ id: key.slice(this.prefix.length), report: JSON.parse(values[i]!) as ReplicaReport }]));
  }

  async leave(id: string): Promise<void> {
    await this.redis.del(this.prefix + id);
  }
}

/** `prefix` as a literal in a Redis glob pattern. */
const escapeGlob = (prefix: string) => prefix.replace(/[*?[\]\\]/g, '\\$&');

// `cluster:`: what a gateway replica shares with the others through Redis: the directory of who holds which session,
// task and held round (session-forwarding.ts), the channel completions and admin changes are announced on, and the
// tasks that ended. Opened when the gateway serves HTTP, closed after its listener.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../core/index.js';
import { redactText } from '../core/redact.js';
import type { HttpServeOptions } from '../server/index.js';
import { RedisBroadcast } from '../stores/redis/broadcast.js';
import { RedisReplicaDirectory } from '../stores/redis/replica-directory.js';
import { RedisSessionOwners } from '../stores/redis/session-owners.js';
import { RedisSettledTasks } from '../stores/redis/settled-tasks.js';
import type { AdminChanges } from './admin-changes.js';
import { announcePresence, type ReplicaSelf } from './replicas.js';
import type { ClusterConfig } from './config/index.js';
import type { UrlElicitations } from './url-elicitations.js';

type Record = (requestState: string, ttlMs: number) => void;

/** How long a starting replica waits to take up what admin changes left standing before it serves anyway. */
const JOIN_WAIT_MS = 2000;

export interface ReplicaCluster {
  /** The HTTP serving options' `cluster`. */
  serving: NonNullable<HttpServeOptions['cluster']>;
  /** The replicas alive, each as it reports itself (GET /admin/replicas). */
  directory: RedisReplicaDirectory;
  /** Announces this replica now (once its listener is up, so the others learn where it is at once). */
  announce(): Promise<void>;
  close(): Promise<void>;
}

/** What announces to and hears from the other replicas, and what holds calls between 2026-era rounds. */
export interface ReplicaParts {
  elicitations: UrlElicitations;
  adminChanges: AdminChanges;
  /** Given how to record a call held between rounds (the input bridge, a URL to open) so its next round comes here. */
  held: (record: Record) => void;
  /** This replica, announced to the others while it serves. */
  self: ReplicaSelf;
  log: Logger;
}

/** Connects to the replicas' Redis (or gives up waiting after 5 s, with a warning: sessions are then served here alone). */
export async function openReplicaCluster(c: ClusterConfig, parts: ReplicaParts): Promise<ReplicaCluster> {
  const owners = new RedisSessionOwners({ url: c.redis.url, keyPrefix: c.redis.keyPrefix });
  const reachable = await owners.ready(5000);
  if (!reachable) parts.log.warn({ redis: redactText(c.redis.url) }, 'cluster: Redis is not reachable yet; sessions are served here alone until it is');
  // Completions of the gateway's own URL elicitations (its per-caller OAuth) reach callers on every replica, and admin
  // changes are made on every replica (admin-changes.ts: mode, cache invalidation, pin approvals, forgotten grants, reloads).
  const events = new RedisBroadcast({ url: c.redis.url, prefix: `${c.redis.keyPrefix}events:` });
  const unheard = (err: Error) => parts.log.warn({ problem: err.message }, 'cluster: not hearing what other replicas announce');
  parts.elicitations.share(events, parts.log).catch(unheard);
  // What admin changes left standing (a read-only switch) is taken up before this replica serves; with Redis away,
  // as soon as it is back.
  const joined = parts.adminChanges.share(events).catch(unheard);
  if (reachable) await Promise.race([joined, delay(JOIN_WAIT_MS, undefined, { ref: false })]);
  // Tasks that ended (or stopped with this replica) are kept where every replica reads them.
  const settled = new RedisSettledTasks({ url: c.redis.url, keyPrefix: `${c.redis.keyPrefix}settled-task:` });
  // Which replicas are alive, and how each is doing.
  const directory = new RedisReplicaDirectory({ url: c.redis.url, keyPrefix: `${c.redis.keyPrefix}replica:` });
  if (reachable) await directory.ready(1000);
  const presence = announcePresence(directory, parts.self, parts.log);
  return {
    serving: { owners, settled, held: parts.held, ...(c.advertise && { advertise: c.advertise }) },
    directory,
    announce: presence.announce,
    close: async () => {
      await presence.leave();
      await Promise.all([owners.close(), events.close(), settled.close(), directory.close()]);
    },
  };
}

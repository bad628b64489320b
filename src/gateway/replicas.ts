// Which replicas are alive, as operators ask: each replica with `cluster:` announces what it reports of itself (ready,
// mode, its upstreams' states, sessions, config version, audit store) every few seconds in Redis, with a TTL that
// drops one that crashed, and leaves when it stops. GET /admin/replicas lists them through any replica (without
// `cluster:`, this one alone).
import { hostname } from 'node:os';
import type { Logger, ReplicaDirectory, ReplicaReport } from '../core/index.js';
import type { AuditState } from '../middleware/audit.js';
import { type HttpRoute, sendJson } from '../server/index.js';

/** How often a replica announces itself, and how long an announcement lasts (a crashed replica drops out then). */
const ANNOUNCE_EVERY_MS = 5_000;
const ANNOUNCED_FOR_MS = 15_000;

/** What the gateway reports of itself right now. */
export interface SelfReport {
  ready: boolean;
  mode?: string;
  upstreams: Record<string, string>;
  sessions?: number;
  /** The version of the config it runs (config-report.ts): replicas that differ run different configs. */
  config?: string;
  /** Its audit store's state (with `audit:`): one replica's store down shows here, not only on its own /readyz. */
  audit?: AuditState;
}

/** This replica, as the others see it: its own fields, and what it reports now. */
export class ReplicaSelf {
  readonly startedAt = new Date().toISOString();
  #advertise: string | undefined;

  constructor(
    readonly id: string,
    private readonly now: () => SelfReport,
    advertise?: string,
  ) {
    this.#advertise = advertise;
  }

  /** Where the others reach it: `cluster.advertise`, else its listener's origin once it listens. */
  get advertise(): string | undefined {
    return this.#advertise;
  }

  /** Its listener is up at `origin` (used unless `cluster.advertise` says where others reach it). */
  listening(origin: string): void {
    this.#advertise ??= origin;
  }

  report(): ReplicaReport {
    return { startedAt: this.startedAt, hostname: hostname(), pid: process.pid, ...(this.#advertise && { advertise: this.#advertise }), ...this.now(), reportedAt: new Date().toISOString() };
  }
}

/** Announces `self` in `directory` now and every few seconds (and when asked: `announce`); `leave` stops and leaves. */
export function announcePresence(directory: ReplicaDirectory, self: ReplicaSelf, log: Logger): { announce: () => Promise<void>; leave: () => Promise<void> } {
  let warned = false;
  const announce = () =>
    directory.announce(self.id, self.report(), ANNOUNCED_FOR_MS).then(
      () => {
        warned = false;
      },
      (err: Error) => {
        if (!warned) log.warn({ problem: err.message }, 'cluster: this replica could not announce itself (Redis); GET /admin/replicas may miss it until it can');
        warned = true;
      },
    );
  void announce();
  const timer = setInterval(announce, ANNOUNCE_EVERY_MS);
  timer.unref();
  return {
    announce,
    leave: async () => {
      clearInterval(timer);
      await directory.leave(self.id).catch(() => undefined);
    },
  };
}

/** The other replicas alive that say where they are reached (for asking each what it alone knows). */
export async function otherReplicas(self: ReplicaSelf, directory: ReplicaDirectory): Promise<Array<{ id: string; advertise: string }>> {
  return (await directory.list()).flatMap((r) => (r.id !== self.id && typeof r.report.advertise === 'string' ? [{ id: r.id, advertise: r.report.advertise }] : []));
}

/** GET /admin/replicas: every replica alive (this one marked `self`), from the directory; else this one alone. */
export function replicasRoute(self: () => ReplicaSelf, directory: () => ReplicaDirectory | undefined): HttpRoute {
  return {
    method: 'GET',
    path: '/admin/replicas',
    admin: true,
    handle: async (_req, res) => {
      const me = self();
      // This one as it is now (its own entry may be a few seconds old, or missing while Redis was away).
      const mine: ReplicaReport = { id: me.id, self: true, ...me.report() };
      const shared = directory();
      let listed: Array<{ id: string; report: ReplicaReport }>;
      try {
        listed = shared ? await shared.list() : [];
      } catch (err) {
        return sendJson(res, 503, { error: `the replicas cannot be listed: Redis is not reachable (${(err as Error).message})`, replicas: [mine] });
      }
      const others: ReplicaReport[] = listed.filter((r) => r.id !== me.id).map((r) => ({ id: r.id, self: false, ...r.report }));
      const replicas = [mine, ...others].sort((a, b) => String(a.startedAt).localeCompare(String(b.startedAt)));
      sendJson(res, 200, { replicas });
    },
  };
}

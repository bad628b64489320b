// Which replicas of a gateway are alive, and what each reports of itself (its upstreams, readiness): each one
// announces itself every few seconds with a TTL a little longer, so one that stops or crashes drops out by itself.
// Backends: src/stores/{memory,redis}/replica-directory.ts.

/** What a replica reports of itself (JSON). */
export type ReplicaReport = Record<string, unknown>;

export interface ReplicaDirectory {
  /** Says replica `id` is alive, reporting `report`, for `ttlMs` (announced again before then). */
  announce(id: string, report: ReplicaReport, ttlMs: number): Promise<void>;
  /** Every replica alive now: announced within its TTL, and not left. */
  list(): Promise<Array<{ id: string; report: ReplicaReport }>>;
  /** Replica `id` stops: it is no longer listed. */
  leave(id: string): Promise<void>;
  close(): Promise<void>;
}

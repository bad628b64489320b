// ReplicaDirectory in this process: the replicas that announce themselves here (tests, or a gateway alone).
import type { ReplicaDirectory, ReplicaReport } from '../../core/replica-directory.js';

export class MemoryReplicaDirectory implements ReplicaDirectory {
  readonly #replicas = new Map<string, { report: ReplicaReport; until: number }>();

  async announce(id: string, report: ReplicaReport, ttlMs: number): Promise<void> {
    this.#replicas.set(id, { report, until: Date.now() + ttlMs });
  }

  async list(): Promise<Array<{ id: string; report: ReplicaReport }>> {
    const now = Date.now();
    for (const [id, r] of this.#replicas) if (r.until <= now) this.#replicas.delete(id);
    return [...this.#replicas].map(([id, r]) => ({ id, report: r.report }));
  }

  async leave(id: string): Promise<void> {
    this.#replicas.delete(id);
  }

  async close(): Promise<void> {}
}

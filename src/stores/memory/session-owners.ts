// SessionOwners in this process: for replicas that share one process (tests, embedding) and as the contract's
// reference; replicas in separate processes share the Redis one.
import type { SessionOwners } from '../../core/session-owners.js';

export class MemorySessionOwners implements SessionOwners {
  readonly #owners = new Map<string, { owner: string; until: number }>();

  async claim(id: string, owner: string, ttlMs: number): Promise<void> {
    this.#owners.set(id, { owner, until: Date.now() + ttlMs });
  }

  async ownerOf(id: string): Promise<string | undefined> {
    const claim = this.#owners.get(id);
    if (claim && claim.until <= Date.now()) this.#owners.delete(id);
    return claim && claim.until > Date.now() ? claim.owner : undefined;
  }

  async release(id: string, owner: string): Promise<void> {
    if (this.#owners.get(id)?.owner === owner) this.#owners.delete(id);
  }

  async close(): Promise<void> {
    this.#owners.clear();
  }
}

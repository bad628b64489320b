// Which gateway replica holds each 2025-era session, shared by the replicas (Redis), so a request that a load
// balancer sends to any of them reaches the one holding its session. Backends: src/stores/{memory,redis}.

export interface SessionOwners {
  /** Records that `owner` (a replica's advertised URL) holds session `id` for `ttlMs`; claiming again renews it. */
  claim(id: string, owner: string, ttlMs: number): Promise<void>;
  /** The replica holding `id`, if one claimed it and the claim has not run out or been released. */
  ownerOf(id: string): Promise<string | undefined>;
  /** Forgets `id` if `owner` still holds it (the session closed, or that replica was found gone). */
  release(id: string, owner: string): Promise<void>;
  close(): Promise<void>;
}

// Small secrets the gateway keeps between runs and shares between replicas: OAuth grants it holds toward upstream
// servers (tokens, client registrations) and flows in progress. Values are opaque strings (JSON), never logged.
// Backends: src/stores/{memory,file,redis}.

export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key`; with `ttlMs` it is gone after that long (flows in progress), else kept. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Sets `key` for `ttlMs` unless it holds a value: the holder's token when this call set it, else undefined. A lock
   * shared by replicas (one of them refreshes a grant); released by `release`, or by its TTL when its holder is gone.
   */
  claim(key: string, ttlMs: number): Promise<string | undefined>;
  /** Ends the claim `token` holds on `key`; nothing when it ran out and another holds it now (theirs stays). */
  release(key: string, token: string): Promise<void>;
  /** The keys held now (not expired) that start with `prefix`, in no order: what an administrator may list. */
  keys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

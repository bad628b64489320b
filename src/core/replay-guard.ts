// Values that may be presented once only (a DPoP proof's `jti`), remembered for as long as they could be presented:
// `first` is true the first time a key is seen within its TTL. Replicas behind one balancer share one (Redis), so a
// value presented to one is refused by the others. Backends: src/stores/{memory,redis}/replay-guard.ts.

export interface ReplayGuard {
  /** True when `key` was not seen within the last `ttlMs` (it is remembered for that long from now). */
  first(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

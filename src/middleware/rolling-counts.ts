// Counts of events by kind over a sliding window, kept in a fixed number of time buckets: O(1) per event and
// bounded memory however busy the server is (the circuit breaker's error rate, the retry budget).

type Counts<K extends string> = Record<K, number>;

export class RollingCounts<K extends string> {
  readonly #buckets: { slot: number; counts: Counts<K> }[] = [];

  /** `buckets` buckets of `bucketMs` each: the window is their product, forgotten a bucket at a time. */
  constructor(
    private readonly kinds: readonly K[],
    private readonly buckets: number,
    private readonly bucketMs: number,
  ) {}

  add(kind: K, now: number): void {
    this.#current(now).counts[kind]++;
  }

  /** Each kind's count over the window ending at `now`. */
  totals(now: number): Counts<K> {
    this.#expire(Math.floor(now / this.bucketMs));
    const sum = this.#zero();
    for (const b of this.#buckets) for (const k of this.kinds) sum[k] += b.counts[k];
    return sum;
  }

  clear(): void {
    this.#buckets.length = 0;
  }

  #current(now: number): { slot: number; counts: Counts<K> } {
    const slot = Math.floor(now / this.bucketMs);
    this.#expire(slot);
    let last = this.#buckets.at(-1);
    if (last?.slot !== slot) {
      last = { slot, counts: this.#zero() };
      this.#buckets.push(last);
    }
    return last;
  }

  #expire(slot: number): void {
    while (this.#buckets.length > 0 && this.#buckets[0]!.slot <= slot - this.buckets) this.#buckets.shift();
  }

  #zero(): Counts<K> {
    return Object.fromEntries(this.kinds.map((k) => [k, 0])) as Counts<K>;
  }
}

// Recent round-trip times per upstream, for the p50 that readiness detail shows: a small ring of samples each.

const SAMPLES = 256;

export class Latencies {
  readonly #rings = new Map<string, { values: number[]; next: number }>();

  record(key: string, ms: number): void {
    let ring = this.#rings.get(key);
    if (!ring) {
      ring = { values: [], next: 0 };
      this.#rings.set(key, ring);
    }
    if (ring.values.length < SAMPLES) ring.values.push(ms);
    else ring.values[ring.next] = ms;
    ring.next = (ring.next + 1) % SAMPLES;
  }

  /** The median of the recent samples, or undefined before the first. */
  p50(key: string): number | undefined {
    const values = this.#rings.get(key)?.values;
    if (!values || values.length === 0) return undefined;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)];
  }

  forget(key: string): void {
    this.#rings.delete(key);
  }
}

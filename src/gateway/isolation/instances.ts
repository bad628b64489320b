// The isolated connections of one upstream server: one Upstream (one child process, for stdio) per key — a
// principal or a session — created on first use, closed when idle for a TTL, and capped in number.
import type { RestartCause, Upstream } from '../../client/upstream.js';
import { ErrorCode, WireError } from '../../core/index.js';
import type { InstanceLimits } from '../config/upstream-auth.js';

interface Instance {
  readonly upstream: Upstream;
  /** Settles when its first connection attempt succeeded or failed. */
  readonly ready: Promise<void>;
  busy: number;
  lastUsed: number;
  idle?: NodeJS.Timeout;
}

/** Runs `fn` as a stage of the call (the router passes a child span of the request's span). */
export type StageRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export const untraced: StageRunner = (_name, fn) => fn();

export interface Lease {
  readonly upstream: Upstream;
  release(): void;
}

export class IsolatedInstances {
  readonly #instances = new Map<string, Instance>();
  /** Instances being stopped, so close() waits for their children too. */
  readonly #stopping = new Set<Promise<void>>();
  #closed = false;

  constructor(
    private readonly server: string,
    private readonly create: (key: string) => Upstream,
    private readonly limits: InstanceLimits,
  ) {}

  get size(): number {
    return this.#instances.size;
  }

  /** What health shows: each instance's status (pid for stdio), without the key (it names a principal). */
  status() {
    return [...this.#instances.values()].map((i) => ({ ...i.upstream.status(), busy: i.busy }));
  }

  /** The caller's own connection, created (and connected) on first use; release() it when the call is done. */
  async acquire(key: string, stage: StageRunner = untraced): Promise<Lease> {
    if (this.#closed) throw new WireError(ErrorCode.UpstreamUnavailable, `Server '${this.server}' is shutting down`);
    let instance = this.#instances.get(key);
    const starting = !instance;
    if (!instance) {
      this.#makeRoom();
      const upstream = this.create(key);
      upstream.start();
      instance = { upstream, ready: upstream.firstAttempt(), busy: 0, lastUsed: Date.now() };
      this.#instances.set(key, instance);
    }
    const held = instance;
    held.busy++;
    clearTimeout(held.idle);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.busy--;
      held.lastUsed = Date.now();
      if (held.busy === 0 && this.#instances.get(key) === held) {
        held.idle = setTimeout(() => this.#evict(key, held), this.limits.idleTtlMs);
        held.idle.unref();
      }
    };
    await (starting ? stage('isolated instance start', () => held.ready) : held.ready);
    if (!held.upstream.up) {
      release();
      // A first attempt that failed is not kept: the next call tries afresh rather than waiting for a restart.
      if (held.upstream.status().restarts === 0) this.#evict(key, held);
      throw held.upstream.unavailable();
    }
    return { upstream: held.upstream, release };
  }

  /** At the cap: the longest-idle instance goes (or, when all are busy or the config says so, the call is refused). */
  #makeRoom(): void {
    if (this.#instances.size < this.limits.max) return;
    let oldest: [string, Instance] | undefined;
    for (const entry of this.#instances) if (entry[1].busy === 0 && (!oldest || entry[1].lastUsed < oldest[1].lastUsed)) oldest = entry;
    if (this.limits.whenFull === 'refuse' || !oldest) {
      const state = oldest ? 'the most it may (whenFull: refuse)' : 'all of them busy';
      throw new WireError(
        ErrorCode.UpstreamUnavailable,
        `Server '${this.server}' has ${this.limits.max} isolated connections open, ${state}; try again shortly, or raise its instances.max`,
      );
    }
    this.#evict(oldest[0], oldest[1]);
  }

  /** Closes the instance for `key` (its session ended), if it is the one given. */
  #evict(key: string, instance: Instance): void {
    if (this.#instances.get(key) !== instance) return;
    this.#instances.delete(key);
    clearTimeout(instance.idle);
    const stopping = instance.upstream.stop().finally(() => this.#stopping.delete(stopping));
    this.#stopping.add(stopping);
  }

  retime(timeoutMs: number): void {
    for (const instance of this.#instances.values()) instance.upstream.retime(timeoutMs);
  }

  /** Restarts every instance (an administrator's word, a watched file changed). */
  async restart(reason: string, by: RestartCause, drainMs: number): Promise<void> {
    await Promise.all([...this.#instances.values()].map((i) => i.upstream.restart(reason, by, drainMs)));
  }

  /** Closes the instance of `key` now (a per-session key whose session closed). */
  drop(key: string): void {
    const instance = this.#instances.get(key);
    if (instance) this.#evict(key, instance);
  }

  /** Stops every instance (children get stdin close, SIGTERM, then SIGKILL) and waits for them. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [key, instance] of this.#instances) this.#evict(key, instance);
    await Promise.allSettled([...this.#stopping]);
  }
}

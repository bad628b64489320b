// Calls that wait for a restarting server's tools to be listed again (resilience.waitForRestartMs), woken after
// every catalog refresh, and bounded by the wait, the call's own deadline and the caller giving up.
import { type CallContext, DEADLINE } from '../core/index.js';

export class RelistWaiters {
  readonly #waiters = new Set<() => void>();

  /** A catalog refresh finished: every waiter checks again. */
  wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Waits up to `waitMs` (and no longer than the call may) until `listed()`; false if it never is. */
  async wait(ctx: CallContext, waitMs: number, listed: () => boolean): Promise<boolean> {
    if (waitMs <= 0) return false;
    const deadline = ctx.state.get(DEADLINE);
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(waitMs), ...(deadline ? [deadline.signal] : [])]);
    while (!listed() && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#waiters.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.#waiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return listed();
  }
}

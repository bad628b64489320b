// Cancellation that makes its AbortSignal only when something asks for one. On Node 20 every AbortSignal costs
// ≈ 3.5 µs to make and outlives young-generation collections (with whatever its listeners reach); a request's
// deadline needs listeners (the raw stdio lane's), rarely a signal (bench/README.md, "Where the stacks' cost comes from").

/** What work below a stage listens to for cancellation: an AbortSignal, or a LazyAbort. */
export interface Abortable {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class LazyAbort implements Abortable {
  #aborted = false;
  #reason: unknown;
  #listeners: Array<() => void> = [];
  #controller: AbortController | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** An AbortSignal that follows this one, made on first read. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Every listener runs once, when abort() is first called (as with `{ once: true }` on a signal). */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.#aborted) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.#listeners.indexOf(listener);
    if (at >= 0) this.#listeners.splice(at, 1);
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        // As an event listener's error: reported, and the other listeners still run.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    this.#controller?.abort(reason);
  }
}

/** The AbortSignal of an Abortable (a LazyAbort makes its own now). */
export const signalOf = (a: Abortable): AbortSignal => (a instanceof LazyAbort ? a.signal : (a as AbortSignal));

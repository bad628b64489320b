// Keeps one connection to an upstream alive: reconnects with exponential backoff when it closes or fails
// to connect. A single sequential loop owns the connection, so there are never two live at once.
import { EventEmitter } from 'node:events';
import type { Logger } from '../core/logger.js';
import { redactText } from '../core/redact.js';
import { type BackoffOptions, backoffDelay, backoffOptions } from './backoff.js';

/** Anything the supervisor can keep alive. `closed` settles when the connection is gone; an Error value (or rejection) becomes the 'down' reason. */
export interface Connected {
  closed: Promise<unknown>;
  close(): Promise<void>;
}

export interface SupervisorOptions extends BackoffOptions {
  /** Uptime after which the connection counts as healthy and backoff starts over. Default 30 s. */
  healthyAfterMs?: number;
  /** Source of jitter, [0, 1); injectable for deterministic tests. */
  random?: () => number;
}

export type SupervisorState = 'starting' | 'up' | 'backoff' | 'stopped';

export interface SupervisorEvents<C> {
  up: [conn: C];
  down: [err: Error];
  state: [state: SupervisorState];
  /** A retry is scheduled after `delayMs`; `attempt` counts consecutive failures from 0. */
  backoff: [delayMs: number, attempt: number];
}

export class Supervisor<C extends Connected> extends EventEmitter<SupervisorEvents<C>> {
  readonly #name: string;
  readonly #connect: () => Promise<C>;
  readonly #opts: Required<BackoffOptions> & { healthyAfterMs: number; random: () => number };
  readonly #log: Logger;
  #state: SupervisorState = 'stopped';
  #current: C | undefined;
  #restarts = 0;
  #lastError: string | undefined;
  /** Bumped by start() and stop(); a loop whose generation is stale winds down. */
  #generation = 0;
  #active = false;
  /** The running (or last) loop; a new start() queues behind it so an old connection is gone first. */
  #loop: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;

  constructor(name: string, connect: () => Promise<C>, opts: SupervisorOptions & { log: Logger }) {
    super();
    this.#name = name;
    this.#connect = connect;
    this.#log = opts.log;
    this.#opts = { ...backoffOptions(opts), healthyAfterMs: opts.healthyAfterMs ?? 30_000, random: opts.random ?? Math.random };
  }

  get state(): SupervisorState {
    return this.#state;
  }
  get current(): C | undefined {
    return this.#current;
  }
  /** Connection attempts made after the first one since start(). */
  get restarts(): number {
    return this.#restarts;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    const generation = ++this.#generation;
    this.#loop = this.#loop.then(() => this.#run(generation));
  }

  /** Closes the live connection, cancels a pending restart and resolves once the loop has wound down. */
  async stop(): Promise<void> {
    if (this.#active) {
      this.#active = false;
      this.#generation++;
    }
    this.#wake?.();
    const conn = this.#current;
    this.#current = undefined;
    const closing = conn?.close().catch((err) => this.#log.warn({ err: String(err) }, 'close on stop failed'));
    // A later start() queues behind this, so its first connect waits until the old one is fully closed.
    const done = Promise.all([this.#loop, closing]).then(() => {});
    this.#loop = done;
    await done;
  }

  async #run(generation: number): Promise<void> {
    const live = () => generation === this.#generation;
    let attempt = 0;
    let first = true;
    while (live()) {
      if (!first) this.#restarts++;
      first = false;
      this.#setState('starting');
      let conn: C;
      try {
        conn = await this.#connect();
      } catch (err) {
        if (!live()) break;
        this.#down(toError(err, `${this.#name}: connect failed`));
        await this.#backoff(attempt++, live);
        continue;
      }
      if (!live()) {
        // stop() ran while we were connecting and could not see this connection: close it here.
        await conn.close().catch(() => {});
        break;
      }
      const upAt = Date.now();
      this.#current = conn;
      this.#lastError = undefined;
      this.#setState('up');
      this.emit('up', conn);
      const reason = await conn.closed.then(
        (value) => value,
        (err) => err,
      );
      if (!live()) break; // stop() owns the close of this connection
      this.#current = undefined;
      // Make sure the old one is fully gone (child reaped) before a new one is started.
      await conn.close().catch(() => {});
      if (!live()) break;
      if (Date.now() - upAt >= this.#opts.healthyAfterMs) attempt = 0;
      this.#down(toError(reason, `${this.#name}: connection closed`));
      await this.#backoff(attempt++, live);
    }
    if (!this.#active) this.#setState('stopped');
  }

  #down(err: Error): void {
    // Health output, logs and "unavailable" errors show this text: no credentials in it.
    this.#lastError = redactText(err.message);
    this.#log.warn({ err: this.#lastError }, 'upstream down');
    this.emit('down', err);
  }

  async #backoff(attempt: number, live: () => boolean): Promise<void> {
    if (!live()) return;
    const { random, ...backoff } = this.#opts;
    const delayMs = backoffDelay(attempt, backoff, random);
    this.#setState('backoff');
    this.emit('backoff', delayMs, attempt);
    this.#log.info({ delayMs, attempt }, 'restarting after backoff');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delayMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  #setState(state: SupervisorState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}

function toError(value: unknown, fallback: string): Error {
  if (value instanceof Error) return value;
  return new Error(value === undefined ? fallback : `${fallback}: ${String(value)}`);
}

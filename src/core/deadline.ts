// The time a request may take, as the timeout middleware sets it for the stages below it: the terminal (a forward
// to an upstream, a tool handler) cancels its work on `signal` and calls `extend()` when progress shows life.
import type { Abortable } from './abortable.js';
import { stateKey } from './state.js';

export interface Deadline {
  /**
   * Aborted when the time is up (a Timeout WireError as reason) or when the request itself is cancelled (its own
   * reason): the one signal the work below needs, without combining it with the request's.
   */
  readonly signal: AbortSignal;
  /**
   * The same cancellation without making an AbortSignal (on Node 20 each costs ≈ 3.5 µs and outlives young
   * collections): what to listen to where an AbortSignal is not required (core/abortable.ts).
   */
  readonly cancel: Abortable;
  /** Inactivity bound: the time allowed without progress. */
  readonly timeoutMs: number;
  /** Hard bound, progress or not. */
  readonly maxTotalMs: number;
  /** Progress was seen: restart the inactivity bound (never past maxTotalMs). */
  extend(): void;
}

export const DEADLINE = stateKey<Deadline>('mcplex.deadline');

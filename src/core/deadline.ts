// The time a request may take, as the timeout middleware sets it for the stages below it: the terminal (a forward
// to an upstream, a tool handler) cancels its work on `signal` and calls `extend()` when progress shows life.
import { stateKey } from './state.js';

export interface Deadline {
  /**
   * Aborted when the time is up (a Timeout WireError as reason) or when the request itself is cancelled (its own
   * reason): the one signal the work below needs, without combining it with the request's.
   */
  readonly signal: AbortSignal;
  /** Inactivity bound: the time allowed without progress. */
  readonly timeoutMs: number;
  /** Hard bound, progress or not. */
  readonly maxTotalMs: number;
  /** Progress was seen: restart the inactivity bound (never past maxTotalMs). */
  extend(): void;
}

export const DEADLINE = stateKey<Deadline>('mcplex.deadline');

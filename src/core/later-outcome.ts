// A call whose work goes on after its answer (a task: the answer only says the work started). Stages that judge a
// backend by how its calls end (the circuit breaker, the latency figures) read the work's end here, not the answer's.
import { stateKey } from './state.js';

export interface LaterOutcome {
  /** Settles when the work ends: fulfilled when it answered (a tool error included), rejected with its error. */
  readonly outcome: Promise<unknown>;
  /** Aborted when the work was stopped by its caller (a cancel) or its expiry: its end then says nothing of the backend. */
  readonly signal: AbortSignal;
}

export const LATER_OUTCOME = stateKey<LaterOutcome>('mcplex.laterOutcome');

// Rounds of a 2026-era call held in one process between the caller's requests (the gateway's input bridge, a task
// still in its first window, a URL to open): their requestState says so by its prefix, so that with `cluster:` the next round is
// routed to the replica that holds the call, whichever replica it lands on (serve-http.ts).

/** A round the gateway's input bridge holds (src/gateway/input-bridge.ts). */
export const BRIDGE_STATE = 'mcplex.bridge.';
/** A round of a call whose task is still in its first window (src/gateway/task-window.ts). */
export const TASK_ROUND_STATE = 'mcplex.task.';
/** A round asking a 2026-era caller to open a URL (src/gateway/url-rounds.ts). */
export const URL_ROUND_STATE = 'mcplex.url.';

/** A task's key in the cluster's directory (beside the sessions'). */
export const taskKey = (taskId: string) => `task:${taskId}`;
/** A held round's key in the cluster's directory. */
export const roundKey = (requestState: string) => `round:${requestState}`;

/** The directory key of what holds the call `requestState` continues, if it names something held in one process. */
export function heldRoundKey(requestState: unknown): string | undefined {
  if (typeof requestState !== 'string') return undefined;
  if (requestState.startsWith(TASK_ROUND_STATE)) return taskKey(requestState.slice(TASK_ROUND_STATE.length));
  if (requestState.startsWith(BRIDGE_STATE) || requestState.startsWith(URL_ROUND_STATE)) return roundKey(requestState);
  return undefined;
}

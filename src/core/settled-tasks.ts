// Where replicas keep the tasks that ended (the tasks extension): a task lives on the replica that runs it, and once
// it has ended (completed, failed, cancelled: its replica stopping cancels it) its record is kept here for the rest
// of its ttlMs, so a tasks/get that reaches another replica after that one is gone still gets the outcome. A record
// that it runs (`working`) is kept when it starts: a task whose replica crashed is then known to have been lost,
// rather than never to have existed.
// Backends: src/stores/memory (one process), src/stores/redis (replicas).
export interface SettledTask {
  taskId: string;
  /** Who may read it (the principal that created it, as the registry names owners). */
  owner: string;
  /** `working`: it started, and had it ended, its replica would have said so here. */
  status: 'working' | 'completed' | 'failed' | 'cancelled';
  statusMessage?: string;
  createdAt: number;
  lastUpdatedAt: number;
  ttlMs: number;
  pollIntervalMs: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export interface SettledTasks {
  /** Keeps `task` until its ttlMs from creation has passed (replacing what was kept under its id). */
  keep(task: SettledTask): Promise<void>;
  /** Keeps `task` likewise unless a record of it is kept already (it may have ended, and been kept, first). */
  keepUnlessKept(task: SettledTask): Promise<void>;
  /** The record kept under `taskId`, if any (anyone's: the caller checks the owner). */
  find(taskId: string): Promise<SettledTask | undefined>;
  close(): Promise<void>;
}

/** How long a record of `task` is still kept from now (at least 1 ms, so a store accepts it). */
export const remainingMs = (task: Pick<SettledTask, 'createdAt' | 'ttlMs'>, now = Date.now()) => Math.max(1, task.createdAt + task.ttlMs - now);

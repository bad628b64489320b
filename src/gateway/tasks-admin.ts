// Admin endpoints of the gateway's tasks (`servers.<name>.tasks`): GET /admin/tasks lists the tasks kept now (who,
// which tool, status; never arguments, results or questions), `?status=working` narrows it; POST /admin/tasks/cancel
// `{ "taskId": "…" }` cancels a running one, on the replica that runs it (the upstream call is cancelled; the caller sees "Cancelled by an
// administrator"). Both need an admin caller; a cancel is an audited admin change like any POST. With `cluster:`, a
// listing through any replica is every replica's, each task naming the replica that keeps it (every-replica.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HttpRoute, passedOn, readJsonBody, sendJson, TASK_STATUSES, taskKey } from '../server/index.js';
import { everyReplica, type ReplicaPeers, tagged } from './every-replica.js';
import type { GatewayTasks, TaskReport } from './gateway-tasks.js';

const STATUSES = new Set<string>(TASK_STATUSES);

/** `peers` with `cluster:` (once the gateway serves). */
export function tasksRoutes(tasks: GatewayTasks, peers: () => ReplicaPeers | undefined): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: '/admin/tasks',
      admin: true,
      async handle(req: IncomingMessage, res: ServerResponse) {
        const status = new URL(req.url ?? '/', 'http://x').searchParams.get('status');
        if (status !== null && !STATUSES.has(status)) return sendJson(res, 400, { error: `status: expected one of ${[...STATUSES].join(', ')}` });
        const mine = { tasks: tasks.report().filter((t) => status === null || t.status === status) };
        const replicas = peers();
        if (!replicas || passedOn(req)) return sendJson(res, 200, mine);
        const { answers, unreachable } = await everyReplica(req, mine, 'tasks', replicas);
        // Newest first, whichever replica keeps each (as one replica lists its own).
        const merged = tagged<TaskReport>(answers, 'tasks').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        sendJson(res, 200, { tasks: merged, ...(unreachable.length > 0 && { unreachable }) });
      },
    },
    {
      method: 'POST',
      path: '/admin/tasks/cancel',
      admin: true,
      // With `cluster:`, a task another replica runs is cancelled there.
      heldBy: (body) => {
        const taskId = (body as { taskId?: unknown } | null)?.taskId;
        return typeof taskId === 'string' && taskId !== '' ? taskKey(taskId) : undefined;
      },
      async handle(req: IncomingMessage, res: ServerResponse) {
        const read = await readJsonBody(req, 4 * 1024, 4);
        if (!read.ok) return sendJson(res, read.status, { error: read.message });
        const taskId = (read.value as { taskId?: unknown } | null)?.taskId;
        if (typeof taskId !== 'string' || taskId === '') return sendJson(res, 400, { error: 'expected { "taskId": "<id>" } (GET /admin/tasks lists them)' });
        const outcome = tasks.cancelByOperator(taskId);
        if (outcome === 'unknown') return sendJson(res, 404, { error: `no task ${taskId} (GET /admin/tasks lists them)` });
        if (outcome === 'finished') return sendJson(res, 409, { error: `task ${taskId} has already ended` });
        sendJson(res, 200, { cancelled: taskId });
      },
    },
  ];
}

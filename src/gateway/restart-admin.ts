// POST /admin/restart { "server": "<name>", "drainMs"?: 10000 }: restarts a server — a stdio server's process, an
// HTTP server's connection (a new session) — and its isolated connections, on every replica with `cluster:`. Calls in
// flight to it may finish first, for up to drainMs; those still running then fail with the retryable "unavailable"
// error (retried when safe to repeat). Calls made meanwhile are told it is restarting (or wait for it, with
// resilience.waitForRestartMs), as after a crash. Answered once it is up again, or its connect timeout passed, with
// its state (`up: false` and the error when it did not come back).
import type { AdminChange } from './admin-changes.js';

/** How long calls in flight may take to finish before the restart cuts them off, unless the request says. */
export const RESTART_DRAIN_MS = 10_000;
const MAX_DRAIN_MS = 600_000;

export function restartChange(servers: () => string[], restart: (server: string, drainMs: number) => Promise<{ state: string; error?: string }>): AdminChange {
  return {
    path: '/admin/restart',
    async apply(body) {
      const { server, drainMs = RESTART_DRAIN_MS, ...rest } = (body ?? {}) as Record<string, unknown>;
      const unknown = Object.keys(rest);
      if (body === null || typeof body !== 'object' || Array.isArray(body) || unknown.length > 0 || typeof server !== 'string') {
        return { status: 400, body: { error: `expected { "server": "<name>", "drainMs"?: <ms> }${unknown.length > 0 ? ` (unknown field(s) ${unknown.join(', ')})` : ''}` } };
      }
      if (!Number.isInteger(drainMs) || (drainMs as number) < 0 || (drainMs as number) > MAX_DRAIN_MS) {
        return { status: 400, body: { error: `drainMs: expected a whole number of milliseconds from 0 (cut calls in flight off at once) to ${MAX_DRAIN_MS}` } };
      }
      const known = servers();
      if (!known.includes(server)) return { status: 404, body: { error: `no server named '${server}' is running (running: ${known.join(', ') || 'none'})` } };
      const status = await restart(server, drainMs as number);
      return { status: 200, body: { restarted: server, up: status.state === 'up', ...status } };
    },
  };
}

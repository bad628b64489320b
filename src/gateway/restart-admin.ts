// POST /admin/restart { "server": "<name>" }: restarts a server now — a stdio server's process, an HTTP server's
// connection (a new session) — and its isolated connections, on every replica with `cluster:`. Answered once it is up
// again, or its connect timeout passed, with its state (`up: false` and the error when it did not come back). Calls in
// flight to it fail with the retryable "unavailable" error (retried when safe to repeat); calls made while it restarts
// wait for it, as after a crash.
import type { AdminChange } from './admin-changes.js';

export function restartChange(servers: () => string[], restart: (server: string) => Promise<{ state: string; error?: string }>): AdminChange {
  return {
    path: '/admin/restart',
    async apply(body) {
      const { server, ...rest } = (body ?? {}) as Record<string, unknown>;
      const unknown = Object.keys(rest);
      if (body === null || typeof body !== 'object' || Array.isArray(body) || unknown.length > 0 || typeof server !== 'string') {
        return { status: 400, body: { error: `expected { "server": "<name>" }${unknown.length > 0 ? ` (unknown field(s) ${unknown.join(', ')})` : ''}` } };
      }
      const known = servers();
      if (!known.includes(server)) return { status: 404, body: { error: `no server named '${server}' is running (running: ${known.join(', ') || 'none'})` } };
      const status = await restart(server);
      return { status: 200, body: { restarted: server, up: status.state === 'up', ...status } };
    },
  };
}

// Admin endpoints of the 2025-era sessions this replica holds: GET /admin/sessions lists them (who, from where, which
// client and protocol version, since when, active when; the most recently active first; narrowed by caller, tenant,
// address or endpoint, at most `limit`), POST /admin/sessions/close
// `{ "session": "<id>" }` closes one as its client's DELETE would (its calls in flight end; the client's next request
// is answered 404 and it opens a new session). With `cluster:`, a close is made on the replica holding the session.
// Both need an admin caller; a close is an audited admin change like any POST. 2026-era callers hold no session.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HttpHandle, type HttpRoute, readJsonBody, sendJson } from '../server/index.js';

type Sessions = HttpHandle['sessions'];

/** What a listing can be narrowed to (`?principal=alice&tenant=acme&client=203.0.113.7&endpoint=research`). */
const FILTERS = ['principal', 'tenant', 'client', 'endpoint'] as const;
/** The most a listing answers unless `?limit=` says otherwise (the most recently active first; `total` counts all). */
const DEFAULT_LIMIT = 500;

const sessionOf = (body: unknown) => {
  const id = (body as { session?: unknown } | null)?.session;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/** `sessions` is the listener's, once it listens (a request before then is answered 503). */
export function sessionsRoutes(sessions: () => Sessions | undefined): HttpRoute[] {
  const listening = (res: ServerResponse) => sessions() ?? void sendJson(res, 503, { error: 'the listener is starting; ask again' });
  return [
    {
      method: 'GET',
      path: '/admin/sessions',
      admin: true,
      handle(req: IncomingMessage, res: ServerResponse) {
        const query = new URL(req.url ?? '/', 'http://x').searchParams;
        const limit = query.has('limit') ? Number(query.get('limit')) : DEFAULT_LIMIT;
        if (!Number.isInteger(limit) || limit < 1) return sendJson(res, 400, { error: 'limit: expected a positive integer' });
        const s = listening(res);
        if (!s) return;
        const matching = s.report().filter((r) => FILTERS.every((k) => !query.has(k) || r[k] === query.get(k)));
        sendJson(res, 200, { sessions: matching.slice(0, limit), total: matching.length });
      },
    },
    {
      method: 'POST',
      path: '/admin/sessions/close',
      admin: true,
      // A session another replica holds is closed there.
      heldBy: sessionOf,
      async handle(req: IncomingMessage, res: ServerResponse) {
        const read = await readJsonBody(req, 4 * 1024, 4);
        if (!read.ok) return sendJson(res, read.status, { error: read.message });
        const id = sessionOf(read.value);
        if (id === undefined) return sendJson(res, 400, { error: 'expected { "session": "<id>" } (GET /admin/sessions lists them)' });
        const s = listening(res);
        if (!s) return;
        if (!s.close(id)) return sendJson(res, 404, { error: `no session ${id} (GET /admin/sessions lists them)` });
        sendJson(res, 200, { closed: id });
      },
    },
  ];
}

// Admin endpoints of the 2025-era sessions this replica holds: GET /admin/sessions lists them (who, from where, which
// client and protocol version, since when, active when; the most recently active first; narrowed by caller, tenant,
// address or endpoint, each exact, a glob or (addresses) a range, at most `limit`), POST /admin/sessions/close
// `{ "session": "<id>" }` closes one as its client's DELETE would (its calls in flight end; the client's next request
// is answered 404 and it opens a new session). With `cluster:`, a close is made on the replica holding the session.
// Both need an admin caller; a close is an audited admin change like any POST. 2026-era callers hold no session.
// With `cluster:`, a listing asked of any replica is every replica's: each session names the replica holding it, and
// a replica that did not answer (in 3 s) is named under `unreachable`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import picomatch from 'picomatch';
import proxyaddr from 'proxy-addr';
import { type HttpHandle, type HttpRoute, passedOn, readJsonBody, type SessionReport, sendJson } from '../server/index.js';
import { everyReplica, type ReplicaPeers, tagged } from './every-replica.js';

type Sessions = HttpHandle['sessions'];

type Listing = { sessions: SessionReport[]; total: number };

/** Every replica's listing as one: the most recently active first, at most `limit`, `total` counting all. */
async function fromEveryReplica(req: IncomingMessage, mine: Listing, peers: ReplicaPeers, limit: number) {
  const { answers, unreachable } = await everyReplica(req, mine, 'sessions', peers);
  const sessions = tagged<SessionReport>(answers, 'sessions').sort((a, b) => b.lastRequestAt.localeCompare(a.lastRequestAt));
  const total = answers.reduce((n, a) => n + Number(a.body.total ?? a.body.sessions.length), 0);
  return { sessions: sessions.slice(0, limit), total, ...(unreachable.length > 0 && { unreachable }) };
}

/** What a listing can be narrowed to (`?principal=alice&tenant=acme&client=203.0.113.7&endpoint=research`). */
const FILTERS = ['principal', 'tenant', 'client', 'endpoint'] as const;

/**
 * A filter's value as a test: a glob when it has `*`, `?` or `[` (`principal=svc-*`), an address range for `client`
 * when it has `/` (`client=10.0.0.0/8`, `client=2001:db8::/32`), else the value itself. Undefined for a range that
 * is not one.
 */
function matcher(key: (typeof FILTERS)[number], value: string): ((v: string | undefined) => boolean) | undefined {
  if (key === 'client' && value.includes('/')) {
    let inRange: (address: string, i: number) => boolean;
    try {
      inRange = proxyaddr.compile([value]);
    } catch {
      return undefined;
    }
    return (v) => v !== undefined && isIP(v) !== 0 && inRange(v, 0);
  }
  if (!/[*?[]/.test(value)) return (v) => v === value;
  const glob = picomatch(value, { dot: true, nobrace: true, noextglob: true });
  return (v) => v !== undefined && glob(v);
}
/** The most a listing answers unless `?limit=` says otherwise (the most recently active first; `total` counts all). */
const DEFAULT_LIMIT = 500;

const sessionOf = (body: unknown) => {
  const id = (body as { session?: unknown } | null)?.session;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/** `sessions` is the listener's, once it listens (a request before then is answered 503); `peers` with `cluster:`. */
export function sessionsRoutes(sessions: () => Sessions | undefined, peers: () => ReplicaPeers | undefined): HttpRoute[] {
  const listening = (res: ServerResponse) => sessions() ?? void sendJson(res, 503, { error: 'the listener is starting; ask again' });
  return [
    {
      method: 'GET',
      path: '/admin/sessions',
      admin: true,
      async handle(req: IncomingMessage, res: ServerResponse) {
        const query = new URL(req.url ?? '/', 'http://x').searchParams;
        const limit = query.has('limit') ? Number(query.get('limit')) : DEFAULT_LIMIT;
        if (!Number.isInteger(limit) || limit < 1) return sendJson(res, 400, { error: 'limit: expected a positive integer' });
        const tests: Array<[(typeof FILTERS)[number], (v: string | undefined) => boolean]> = [];
        for (const k of FILTERS) {
          const value = query.get(k);
          if (value === null) continue;
          const test = matcher(k, value);
          if (!test) return sendJson(res, 400, { error: `${k}: '${value}' is not an address range (10.0.0.0/8, 2001:db8::/32)` });
          tests.push([k, test]);
        }
        const s = listening(res);
        if (!s) return;
        const matching = s.report().filter((r) => tests.every(([k, test]) => test(r[k])));
        const mine = { sessions: matching.slice(0, limit), total: matching.length };
        // Asked by another replica: this one's own; else every replica's.
        const replicas = peers();
        sendJson(res, 200, replicas && !passedOn(req) ? await fromEveryReplica(req, mine, replicas, limit) : mine);
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

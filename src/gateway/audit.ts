// The gateway's audit log built from its `audit:` config: the store (SQLite file or PostgreSQL), the spill file,
// the middleware (told which upstream serves each request), the head logged as an anchor (audit-anchor-log.ts),
// and the admin endpoints GET /admin/audit and /admin/audit/head. live-audit.ts keeps it in the pipeline across reloads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuditAnchor, type AuditQuery, type AuditSink, type CallContext, ConfigError, type Logger } from '../core/index.js';
import type { AuditSettings } from '../middleware/audit.js';
import { type HttpRoute, sendJson } from '../server/index.js';
import { formatAnchor, parseAnchor } from '../stores/audit-chain.js';
import { PostgresAuditSink } from '../stores/postgres/audit-sink.js';
import { SqliteAuditSink } from '../stores/sqlite/audit-sink.js';
import { logAnchors } from './audit-anchor-log.js';
import { retained } from './audit-retention.js';
import type { Catalog } from './catalog.js';
import type { AuditConfig } from './config/audit.js';

/** The configured store; the CLI's `audit query`/`verify` open the same one. */
export function sinkFromConfig(config: AuditConfig): AuditSink {
  if (config.sink === 'postgres') return new PostgresAuditSink({ url: config.url!, schema: config.schema, table: config.table });
  return opening('audit.path', config.path!, () => new SqliteAuditSink({ path: config.path!, table: config.table, synchronous: config.synchronous }));
}

/** A file the audit log cannot open stops the gateway at start (or rejects a reload), with the key to fix. */
export function opening<T>(key: string, path: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    throw new ConfigError('MCPLEX_ERR_CONFIG_AUDIT', `cannot open ${path}: ${(err as Error).message} (is its directory writable?)`, key);
  }
}

/** Which upstream serves a request, from the catalog (lists and other gateway-answered methods have none). */
export function upstreamOf(catalog: Catalog): (ctx: CallContext) => string | undefined {
  return (ctx) => {
    const target = ctx.target ?? '';
    switch (ctx.method) {
      case 'tools/call':
        return catalog.tool(target)?.upstream.name;
      case 'prompts/get':
        return catalog.prompt(target)?.upstream.name;
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return catalog.resourceOwner(target)?.name;
      default:
        return undefined;
    }
  };
}

/** The store as the section says, pruned per `retention`, its head logged as an anchor every `anchorLogEvery`. */
export function anchoredSink(config: AuditConfig, log: Logger): AuditSink {
  return logAnchors(retained(sinkFromConfig(config), config.retention, log), config.anchorLogEvery, log);
}

/** What of the section the middleware applies per request and the queue per write (the store and spill file aside). */
export function auditSettings(config: AuditConfig): Omit<AuditSettings, 'sink' | 'spill'> {
  const { mode, args, redactPaths, waitMs, batchSize, maxQueue } = config;
  return { mode, args, redactPaths, waitMs, batchSize, maxQueue };
}

/** `?principal=&tool=&method=&tenant=&endpoint=&client=&since=&limit=` as a query. */
export function queryFromParams(p: URLSearchParams): AuditQuery {
  const q: AuditQuery = {};
  for (const key of ['principal', 'tool', 'method', 'tenant', 'endpoint', 'client', 'since'] as const) {
    const v = p.get(key);
    if (v !== null && v !== '') q[key] = v;
  }
  const limit = p.get('limit');
  if (limit !== null) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1) throw new RangeError('limit must be a positive integer');
    q.limit = Number(limit);
  }
  return q;
}

/** Audit answers are never cached by a proxy in between. */
const send = (res: ServerResponse, status: number, body: unknown) => sendJson(res, status, body, { 'cache-control': 'no-store' });

/** The store failed: logged, and a 503 without its details. */
function unavailable(res: ServerResponse, log: Logger, what: string, err: unknown): void {
  log.warn({ problem: String((err as Error)?.message ?? err) }, `audit ${what} failed`);
  send(res, 503, { error: 'the audit store is unavailable; try again later' });
}

/** GET /admin/audit, /admin/audit/head and /admin/audit/verify; admin callers only. `sink()`: the current store, none without an `audit:` section. */
export function auditRoutes(sink: () => AuditSink | undefined, log: Logger): HttpRoute[] {
  return [auditRoute(sink, log), auditHeadRoute(sink, log), auditVerifyRoute(sink, log)];
}

/** The store, or a 404 saying how to have one. */
function storeOr404(sink: () => AuditSink | undefined, res: ServerResponse): AuditSink | undefined {
  const s = sink();
  if (!s) send(res, 404, { error: 'the audit log is off: add an audit: section to the gateway file (docs/audit.md)' });
  return s;
}

/**
 * An admin GET route on the store: 404 without one, 400 when `parse` throws on the query string, the store's answer
 * as JSON, or 503 when the store fails (`what` names it in the log).
 */
function storeRoute<T>(sink: () => AuditSink | undefined, log: Logger, path: string, what: string, parse: (params: URLSearchParams) => T, answer: (store: AuditSink, parsed: T) => Promise<unknown>): HttpRoute {
  return {
    method: 'GET',
    path,
    admin: true,
    async handle(req: IncomingMessage, res: ServerResponse) {
      const store = storeOr404(sink, res);
      if (!store) return;
      let parsed: T;
      try {
        parsed = parse(new URL(req.url ?? '/', 'http://local').searchParams);
      } catch (err) {
        return send(res, 400, { error: (err as Error).message });
      }
      try {
        send(res, 200, await answer(store, parsed));
      } catch (err) {
        unavailable(res, log, what, err);
      }
    },
  };
}

/** GET /admin/audit/head: the newest record as `{ seq, hash, anchor: "seq:hash" }`, or `{ "head": null }` for an empty log. */
const auditHeadRoute = (sink: () => AuditSink | undefined, log: Logger): HttpRoute =>
  storeRoute(sink, log, '/admin/audit/head', 'head', () => undefined, async (store) => {
    const head = await store.head();
    return head ? { seq: head.seq, hash: head.hash, anchor: formatAnchor(head) } : { head: null };
  });

/**
 * GET /admin/audit/verify[?anchor=seq:hash…]: the whole chain walked, as `mcplex audit verify` does on the store
 * (for operators who reach the gateway but not its database): the verify result as JSON, 200 either way.
 */
const auditVerifyRoute = (sink: () => AuditSink | undefined, log: Logger): HttpRoute =>
  storeRoute(sink, log, '/admin/audit/verify', 'verify', (p): AuditAnchor[] => p.getAll('anchor').map(parseAnchor), (store, anchors) => store.verify({ anchors }));

/** GET /admin/audit: the most recent matching records (oldest first) as JSON; admin callers only. */
const auditRoute = (sink: () => AuditSink | undefined, log: Logger): HttpRoute =>
  storeRoute(
    sink,
    log,
    '/admin/audit',
    'query',
    (p): AuditQuery => {
      const q = queryFromParams(p);
      if (q.since !== undefined && Number.isNaN(new Date(q.since).getTime())) throw new RangeError('since must be a date or time (e.g. 2026-01-31T12:00:00Z)');
      return q;
    },
    async (store, q) => ({ records: await store.query(q) }),
  );

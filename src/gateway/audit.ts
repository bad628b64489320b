// The gateway's audit log built from its `audit:` config: the store (SQLite file or PostgreSQL), the spill file,
// the middleware (told which upstream serves each request), the head logged as an anchor (audit-anchor-log.ts),
// and the admin endpoints GET /admin/audit and /admin/audit/head.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuditQuery, type AuditSink, type CallContext, ConfigError, type Logger } from '../core/index.js';
import { type AuditMiddleware, audit } from '../middleware/audit.js';
import { type HttpRoute, sendJson } from '../server/index.js';
import { formatAnchor } from '../stores/audit-chain.js';
import { FileAuditSpill } from '../stores/file/audit-spill.js';
import { PostgresAuditSink } from '../stores/postgres/audit-sink.js';
import { SqliteAuditSink } from '../stores/sqlite/audit-sink.js';
import { logAnchors } from './audit-anchor-log.js';
import type { Catalog } from './catalog.js';
import type { AuditConfig } from './config/audit.js';

/** The configured store; the CLI's `audit query`/`verify` open the same one. */
export function sinkFromConfig(config: AuditConfig): AuditSink {
  if (config.sink === 'postgres') return new PostgresAuditSink({ url: config.url!, schema: config.schema, table: config.table });
  return opening('audit.path', config.path!, () => new SqliteAuditSink({ path: config.path!, table: config.table, synchronous: config.synchronous }));
}

/** A file the audit log cannot open stops the gateway at start, with the key to fix. */
function opening<T>(key: string, path: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    throw new ConfigError('MCPLEX_ERR_CONFIG_AUDIT', `cannot open ${path}: ${(err as Error).message} (is its directory writable?)`, key);
  }
}

/** Which upstream serves a request, from the catalog (lists and other gateway-answered methods have none). */
function upstreamOf(catalog: Catalog): (ctx: CallContext) => string | undefined {
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

export function openAudit(config: AuditConfig | undefined, deps: { catalog: Catalog; logger: Logger }): AuditMiddleware | undefined {
  if (!config) return undefined;
  const log = deps.logger.child({ module: 'audit' });
  return audit({
    sink: logAnchors(sinkFromConfig(config), config.anchorLogEvery, log),
    spill: opening('audit.spillPath', config.spillPath, () => new FileAuditSpill(config.spillPath)),
    mode: config.mode,
    args: config.args,
    redactPaths: config.redactPaths,
    waitMs: config.waitMs,
    batchSize: config.batchSize,
    maxQueue: config.maxQueue,
    upstreamOf: upstreamOf(deps.catalog),
    log,
  });
}

/** `?principal=&tool=&method=&tenant=&since=&limit=` as a query. */
export function queryFromParams(p: URLSearchParams): AuditQuery {
  const q: AuditQuery = {};
  for (const key of ['principal', 'tool', 'method', 'tenant', 'since'] as const) {
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

/** GET /admin/audit and GET /admin/audit/head; admin callers only. */
export function auditRoutes(sink: AuditSink, log: Logger): HttpRoute[] {
  return [auditRoute(sink, log), auditHeadRoute(sink, log)];
}

/** GET /admin/audit/head: the newest record as `{ seq, hash, anchor: "seq:hash" }`, or `{ "head": null }` for an empty log. */
function auditHeadRoute(sink: AuditSink, log: Logger): HttpRoute {
  return {
    method: 'GET',
    path: '/admin/audit/head',
    admin: true,
    async handle(_req: IncomingMessage, res: ServerResponse) {
      try {
        const head = await sink.head();
        send(res, 200, head ? { seq: head.seq, hash: head.hash, anchor: formatAnchor(head) } : { head: null });
      } catch (err) {
        unavailable(res, log, 'head', err);
      }
    },
  };
}

/** GET /admin/audit: the most recent matching records (oldest first) as JSON; admin callers only. */
function auditRoute(sink: AuditSink, log: Logger): HttpRoute {
  return {
    method: 'GET',
    path: '/admin/audit',
    admin: true,
    async handle(req: IncomingMessage, res: ServerResponse) {
      let q: AuditQuery;
      try {
        q = queryFromParams(new URL(req.url ?? '/', 'http://local').searchParams);
        if (q.since !== undefined && Number.isNaN(new Date(q.since).getTime())) throw new RangeError('since must be a date or time (e.g. 2026-01-31T12:00:00Z)');
      } catch (err) {
        return send(res, 400, { error: (err as Error).message });
      }
      try {
        send(res, 200, { records: await sink.query(q) });
      } catch (err) {
        unavailable(res, log, 'query', err);
      }
    },
  };
}

// Audit middleware: one hash-chained record per request that reaches policy (put it early, so refusals by later
// stages are recorded with their code), plus the server→client requests a gateway relays. Usable as
// `server.use(audit({ sink }))`; `auditLog.close()` on it drains the queue before exit.
import {
  type AuditOutcome,
  type AuditRecord,
  type AuditSink,
  type AuditSpill,
  asWireError,
  type CallContext,
  ErrorCode,
  isToolError,
  type Logger,
  type McpResult,
  type Middleware,
  type Principal,
  WireError,
} from '../core/index.js';
import { type AuditArgsMode, argsOf, digestOf, redactor } from './audit-args.js';
import { AuditQueue, type AuditMode } from './audit-queue.js';

export interface AuditOptions {
  sink: AuditSink;
  /** 'spill' (default): records spill to `spill` while the sink is down. 'fail-closed': calls wait for the sink. */
  mode?: AuditMode;
  spill?: AuditSpill;
  /** 'digest' (default): a sha256 of the arguments. 'redacted': the arguments, credentials and `redactPaths` redacted. */
  args?: AuditArgsMode;
  /** Dotted argument paths to redact ('password', 'card.number', 'items.*.ssn'), besides credential-named fields. */
  redactPaths?: string[];
  /** Fail-closed: how long a call waits for the sink before it is refused; default 30 s. */
  waitMs?: number;
  /** Which upstream serves the request (the gateway passes its catalog's answer). */
  upstreamOf?: (ctx: CallContext) => string | undefined;
  batchSize?: number;
  maxQueue?: number;
  retryMs?: number;
  log?: Logger;
}

/** A server→client request a gateway relayed (elicitation, sampling, roots), as the relay reports it. */
export interface RelayedAuditEvent {
  upstream: string;
  method: string;
  params?: unknown;
  /** The caller it was routed to, when one owned it, and the caller's address. */
  principal?: Principal;
  client?: string;
  /** Undefined when it was answered; the JSON-RPC code it failed or was refused with otherwise. */
  errorCode?: number;
  startedAt: number;
  durationMs: number;
}

/**
 * A change made through an admin endpoint (POST /admin/mode, /admin/pins/approve, /admin/cache/invalidate, …),
 * as the HTTP server reports it once answered: recorded with `method` "POST /admin/mode", the body as its
 * arguments (always in full, credentials and `redactPaths` redacted: a digest would not say what was changed).
 */
export interface AdminAuditEvent {
  /** The HTTP method and the route's path. */
  method: string;
  path: string;
  principal: Principal;
  /** The caller's address. */
  client?: string;
  /** The HTTP status answered: below 400 the change was made. */
  status: number;
  /** The JSON body the route read, if any. */
  body?: unknown;
  startedAt: number;
  durationMs: number;
}

/** Something done outside the pipeline, recorded with its arguments in full (credentials and `redactPaths` redacted). */
export interface AuditEvent {
  /** What was done: "POST /admin/mode", "config/reload", … */
  method: string;
  principal: Principal;
  /** The caller's address, when it came over HTTP. */
  client?: string;
  target?: string;
  args?: unknown;
  /** The JSON-RPC code it failed with; none when it was done. */
  errorCode?: number | null;
  startedAt: number;
  durationMs: number;
}

/** The JSON-RPC code an admin endpoint's HTTP refusal is recorded with. */
function adminErrorCode(status: number): number | null {
  if (status < 400) return null;
  if (status === 401) return ErrorCode.Unauthorized;
  if (status === 403) return ErrorCode.Forbidden;
  return status >= 500 ? ErrorCode.InternalError : ErrorCode.InvalidParams;
}

/** What a running audit log can be switched to (`reconfigure`); who serves a request and the log stay as they were. */
export type AuditSettings = Omit<AuditOptions, 'upstreamOf' | 'log'>;

/** The audit log's state as operators see it (GET /readyz, the metrics). */
export interface AuditState {
  /** The store's kind: sqlite, postgres (`custom` for a sink that does not say). */
  sink: string;
  store: 'up' | 'down';
  /** Records not yet in the store: queued in memory, or spilled to the local file. */
  backlog: number;
}

export interface AuditLog {
  /** The store records go to now. */
  readonly sink: AuditSink;
  readonly queue: AuditQueue;
  /** Whether the store takes records now, and how many wait for it. */
  state(): AuditState;
  /** Records a relayed server→client request; never throws (the record is queued). */
  relayed(event: RelayedAuditEvent): void;
  /** Records a change made through an admin endpoint; never throws (the record is queued). */
  admin(event: AdminAuditEvent): void;
  /** Records something done outside the pipeline (a config reload, an admin change); never throws. */
  event(event: AuditEvent): void;
  /**
   * Switches to other settings while serving (a config reload): requests from now on are recorded as they say, and
   * records not yet stored go to the new sink. Resolves with the sink it replaced, which the caller closes.
   */
  reconfigure(settings: AuditSettings): Promise<AuditSink>;
  /** Drains the queue (spilling what the sink refuses) and closes the sink. */
  close(timeoutMs?: number): Promise<void>;
}

export type AuditMiddleware = Middleware & { readonly auditLog: AuditLog };

const ms = (start: number) => Math.round((performance.now() - start) * 1000) / 1000;

/** The time as ISO text, formatted once per millisecond (toISOString costs ≈ 0.8 µs; a busy server starts several requests per ms). */
let isoAt = 0;
let iso = '';
function isoNow(): string {
  const now = Date.now();
  if (now !== isoAt) {
    isoAt = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}

function outcomeOf(err: unknown): { outcome: AuditOutcome; errorCode: number | null } {
  if (isToolError(err)) return { outcome: 'tool_error', errorCode: null };
  return { outcome: 'error', errorCode: asWireError(err)?.code ?? ErrorCode.InternalError };
}

/** How records are made and kept, from the settings (replaced whole on reconfigure). */
function recording(opts: AuditSettings) {
  const redact = redactor(opts.redactPaths);
  // Admin bodies are recorded in full even when request arguments are digested: a digest would not say what changed.
  return { redact: opts.args === 'redacted' ? redact : undefined, redactAdmin: redact, waitMs: opts.waitMs ?? 30_000 };
}

export function audit(opts: AuditOptions): AuditMiddleware {
  const queue = new AuditQueue(opts);
  let now = recording(opts);

  function argsFields(args: unknown): Pick<AuditRecord, 'args' | 'argsDigest'> {
    if (args === undefined) return {};
    return now.redact ? { args: now.redact(args) } : { argsDigest: digestOf(args) };
  }

  async function keep(record: AuditRecord): Promise<void> {
    if (queue.mode !== 'fail-closed') return queue.push(record);
    const { waitMs } = now;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WireError(ErrorCode.InternalError, 'Audit log unavailable: the request was handled but its audit record is not stored yet (it is kept and will be written when the audit store is back)')), waitMs);
    });
    try {
      await Promise.race([queue.push(record), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  const middleware: Middleware = async function audit(ctx, next) {
    const time = isoNow();
    const start = performance.now();
    let result: McpResult | undefined;
    let failure: unknown;
    let refused = false;
    try {
      if (queue.mode === 'fail-closed' && queue.down) {
        // Nothing happens that cannot be audited: wait for the store, or refuse before the request has any effect.
        await queue.whenUp(now.waitMs).catch(() => {
          refused = true;
          throw new WireError(ErrorCode.InternalError, 'Audit log unavailable: the request was refused because it could not be audited; try again later');
        });
      }
      result = await next();
    } catch (err) {
      failure = err;
    }
    const { outcome, errorCode } =
      failure !== undefined ? outcomeOf(failure) : { outcome: (result?.isError === true ? 'tool_error' : 'ok') as AuditOutcome, errorCode: null };
    const record: AuditRecord = {
      time,
      requestId: crypto.randomUUID(),
      principal: ctx.principal.id,
      tenant: ctx.principal.tenant ?? null,
      method: ctx.method,
      target: ctx.target ?? null,
      upstream: opts.upstreamOf?.(ctx) ?? null,
      ...(ctx.endpoint !== undefined && { endpoint: ctx.endpoint }),
      ...(ctx.http?.remoteAddress !== undefined && { client: ctx.http.remoteAddress }),
      ...argsFields(argsOf(ctx.params)),
      outcome,
      errorCode,
      durationMs: ms(start),
    };
    // A refusal for want of a store is queued like any record, but its caller is not held any longer.
    if (refused) void queue.push(record);
    else await keep(record);
    if (failure !== undefined) throw failure;
    return result!;
  };

  /** A record not tied to a request in the pipeline: built and queued without holding anyone; a failure is logged. */
  function queueApart(build: () => AuditRecord): void {
    const failed = (err: unknown) => opts.log?.error({ problem: String((err as Error)?.message ?? err) }, 'record not audited');
    try {
      queue.push(build()).catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  const auditLog: AuditLog = {
    get sink() {
      return queue.sink;
    },
    queue,
    state: () => ({ sink: queue.sink.kind ?? 'custom', store: queue.down ? 'down' : 'up', backlog: queue.backlog }),
    relayed(e) {
      queueApart(() => ({
        time: new Date(e.startedAt).toISOString(),
        requestId: crypto.randomUUID(),
        principal: e.principal?.id ?? 'unknown',
        tenant: e.principal?.tenant ?? null,
        method: e.method,
        target: null,
        upstream: e.upstream,
        ...(e.client !== undefined && { client: e.client }),
        ...argsFields(argsOf(e.params, true)),
        outcome: e.errorCode === undefined ? 'ok' : 'error',
        errorCode: e.errorCode ?? null,
        durationMs: Math.round(e.durationMs * 1000) / 1000,
      }));
    },
    admin(e) {
      auditLog.event({ method: `${e.method} ${e.path}`, principal: e.principal, ...(e.client !== undefined && { client: e.client }), args: e.body, errorCode: adminErrorCode(e.status), startedAt: e.startedAt, durationMs: e.durationMs });
    },
    event(e) {
      queueApart(() => ({
        time: new Date(e.startedAt).toISOString(),
        requestId: crypto.randomUUID(),
        principal: e.principal.id,
        tenant: e.principal.tenant ?? null,
        method: e.method,
        target: e.target ?? null,
        upstream: null,
        ...(e.client !== undefined && { client: e.client }),
        ...(e.args !== undefined && { args: now.redactAdmin(e.args) }),
        outcome: e.errorCode === undefined || e.errorCode === null ? 'ok' : 'error',
        errorCode: e.errorCode ?? null,
        durationMs: Math.round(e.durationMs * 1000) / 1000,
      }));
    },
    async reconfigure(settings) {
      const replaced = await queue.reconfigure(settings);
      now = recording(settings);
      return replaced;
    },
    close: (timeoutMs) => queue.close(timeoutMs),
  };
  return Object.assign(middleware, { auditLog });
}
